import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import type { RosterPreviewSchema, RosterRequest, RosterResultSchema } from '@yishi/contracts';

import { IdentityErrorCode, identityError } from '../identity.error';
import { PlacesService } from '../places/places.service';
import { householdKey, readRoster } from './roster';
import { RosterRepository } from './roster.repository';

/** Roster import: a preview that lists every bad line, then all of it applied at once, or nothing. */
@Injectable()
export class RosterService {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(RosterRepository) private readonly roster: RosterRepository,
  ) {}

  async preview(request: RosterRequest): Promise<MessageInitShape<typeof RosterPreviewSchema>> {
    await this.estate(request.estateId);
    const { lines, problems } = readRoster(request.csv);
    return {
      valid: problems.length === 0,
      problems,
      lines: lines.length,
      households: new Set(lines.map(householdKey)).size,
      people: lines.length,
    };
  }

  async apply(request: RosterRequest): Promise<MessageInitShape<typeof RosterResultSchema>> {
    await this.estate(request.estateId);
    const { lines, problems } = readRoster(request.csv);
    if (problems.length > 0) return { applied: false, problems };
    const counts = await this.roster.apply(request.estateId, lines);
    return { applied: true, buildingsCreated: counts.buildings, householdsCreated: counts.households, peopleCreated: counts.people };
  }

  private async estate(estateId: string): Promise<void> {
    const place = await this.places.require(estateId, 'estate_id');
    if (place.kind !== 'estate' && place.kind !== 'village_group') {
      throw identityError(IdentityErrorCode.InvalidRequest, [{ field: 'estate_id', reason: 'must be an estate or a village group' }]);
    }
  }
}
