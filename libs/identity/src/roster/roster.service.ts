import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import type { RosterPreviewSchema, RosterProblem, RosterRequest, RosterResultSchema } from '@yishi/contracts';
import { parseCsv, parseXlsx } from '@yishi/tabular';

import { invalid } from '../identity.error';
import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { PlacesRepository } from '../places/places.repository';
import { PlacesService } from '../places/places.service';
import { householdKey, readRoster, type RosterLine } from './roster';
import { RosterRepository } from './roster.repository';

/** Roster import (CSV or XLSX): a preview that lists every bad line, then all of it applied at once, or nothing. */
@Injectable()
export class RosterService {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(RosterRepository) private readonly roster: RosterRepository,
    @Inject(PlacesRepository) private readonly placesRepository: PlacesRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async preview(request: RosterRequest): Promise<MessageInitShape<typeof RosterPreviewSchema>> {
    const { lines, problems } = await this.read(request);
    return {
      valid: problems.length === 0,
      problems,
      lines: lines.length,
      households: new Set(lines.map(householdKey)).size,
      people: lines.length,
    };
  }

  async apply(request: RosterRequest): Promise<MessageInitShape<typeof RosterResultSchema>> {
    const { lines, problems } = await this.read(request);
    if (problems.length > 0) return { applied: false, problems };
    const counts = await this.roster.apply(request.estateId, lines);
    await this.audit.record({
      chain: (await this.placesRepository.communityOf(request.estateId)) ?? GLOBAL_CHAIN,
      actor: 'roster-import',
      action: 'roster_imported',
      subject: request.estateId,
      details: { lines: String(lines.length), households_created: String(counts.households), people_created: String(counts.people) },
    });
    return { applied: true, buildingsCreated: counts.buildings, householdsCreated: counts.households, peopleCreated: counts.people };
  }

  /** The same checks and line numbers whether the roster came as CSV or as a workbook. */
  private async read(request: RosterRequest): Promise<{ lines: RosterLine[]; problems: Omit<RosterProblem, '$typeName'>[] }> {
    await this.estate(request.estateId);
    if (request.xlsx.length === 0) return readRoster(parseCsv(request.csv), 'csv');
    if (request.csv) invalid('xlsx', 'give the roster as CSV or as XLSX, not both');
    const rows = await parseXlsx(request.xlsx).catch(() => invalid('xlsx', 'is not an XLSX workbook'));
    return readRoster(rows, 'xlsx');
  }

  private async estate(estateId: string): Promise<void> {
    const place = await this.places.require(estateId, 'estate_id');
    if (place.kind !== 'estate' && place.kind !== 'village_group') {
      invalid('estate_id', 'must be an estate or a village group');
    }
  }
}
