import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { DataSource, type EntityManager } from 'typeorm';

import { RepresentativeOffice, Role, type MandateSchema, type RecordMandateRequest, type RepresentativesElected } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { invalid } from '../identity.error';
import { PlacesRepository, type PlaceKindName, type PlaceRecord } from '../places/places.repository';
import { PlacesService } from '../places/places.service';
import { ROLE_NAMES, type RoleName } from '../roles/role-rules';
import { RolesRepository } from '../roles/roles.repository';
import { RolesService } from '../roles/roles.service';
import { MandatesRepository, type MandateSource } from './mandates.repository';

type Mandate = MessageInitShape<typeof MandateSchema>;

/** Where each representative is elected: a building's households, an estate's, a community's. */
const MANDATE_PLACES: Partial<Record<RoleName, readonly PlaceKindName[]>> = {
  building_representative: ['building'],
  estate_representative: ['estate', 'village_group'],
  council_member: ['community'],
};

const ELECTED_ROLES: Partial<Record<RepresentativeOffice, Role>> = {
  [RepresentativeOffice.BUILDING_REPRESENTATIVE]: Role.BUILDING_REPRESENTATIVE,
  [RepresentativeOffice.ESTATE_REPRESENTATIVE]: Role.ESTATE_REPRESENTATIVE,
  [RepresentativeOffice.COUNCIL_MEMBER]: Role.COUNCIL_MEMBER,
};

/** The voting service's user in the audit log and as the recorder of elected mandates. */
const VOTING_SERVICE = 'voting';

/**
 * A representative's term gives the role at the place for exactly the term. Staff record terms won
 * in paper elections, under the same entitlement rules as any grant; the voting service's election
 * results are recorded as they arrive, once per person and election.
 */
@Injectable()
export class MandatesService {
  constructor(
    @Inject(RolesService) private readonly roles: RolesService,
    @Inject(RolesRepository) private readonly rolesRepository: RolesRepository,
    @Inject(MandatesRepository) private readonly mandates: MandatesRepository,
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(PlacesRepository) private readonly placesRepository: PlacesRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async record(request: RecordMandateRequest): Promise<Mandate> {
    const role = await this.checkMandate(request.role, request.placeId, 'role');
    term(request.termStart, request.termEnd);
    const decisionRef = request.decisionRef.trim() || invalid('decision_ref', 'must name the election record');
    return this.dataSource.transaction(async (manager) => {
      const assignment = await this.roles.grant(
        { actorUserId: request.actorUserId, userId: request.userId, role: request.role, placeId: request.placeId, projectRef: '', startsAt: request.termStart, endsAt: request.termEnd },
        manager,
      );
      const id = await this.recordMandate(manager, { assignmentId: assignment.id!, userId: request.userId, role, placeId: request.placeId, source: 'paper', decisionRef, recordedBy: request.actorUserId });
      return { id, userId: request.userId, role: request.role, placeId: request.placeId, termStart: assignment.startsAt ?? '', termEnd: assignment.endsAt ?? '', decisionRef, source: 'paper' };
    });
  }

  /**
   * An election result from the voting service, written in the consumer's transaction (the inbox
   * makes a redelivery harmless; a person already holding this election's mandate is skipped, so
   * the result announced again changes nothing either).
   */
  async recordElected(event: RepresentativesElected, manager: EntityManager): Promise<void> {
    const wireRole = ELECTED_ROLES[event.office] ?? invalid('office', 'must be BUILDING_REPRESENTATIVE, ESTATE_REPRESENTATIVE or COUNCIL_MEMBER');
    const role = await this.checkMandate(wireRole, event.placeId, 'office');
    const electionId = event.electionId.trim() || invalid('election_id', 'must name the ballot that elected them');
    const [startsAt, endsAt] = term(event.termStart, event.termEnd);
    const elected = [...new Set(event.electedUserIds)];
    if (elected.length === 0) invalid('elected_user_ids', 'must name who was elected');
    if (!elected.every(isUuid)) invalid('elected_user_ids', 'must be user ids');
    const unknown = await this.mandates.unknownUsers(manager, elected);
    if (unknown.length > 0) invalid('elected_user_ids', `no such user: ${unknown.join(', ')}`);
    for (const userId of elected) {
      if (await this.mandates.electedBefore(manager, electionId, userId)) continue;
      const assignment = await this.rolesRepository.insert(
        { user_id: userId, role, place_id: event.placeId, project_ref: '', starts_at: startsAt, ends_at: endsAt, granted_by: null },
        manager,
      );
      await this.recordMandate(manager, { assignmentId: assignment.id, userId, role, placeId: event.placeId, source: 'election', decisionRef: electionId, recordedBy: VOTING_SERVICE });
    }
  }

  private async checkMandate(wireRole: Role, placeId: string, roleField: string): Promise<RoleName> {
    const role = ROLE_NAMES[wireRole];
    const places = role ? MANDATE_PLACES[role] : undefined;
    if (!role || !places) return invalid(roleField, 'must be BUILDING_REPRESENTATIVE, ESTATE_REPRESENTATIVE or COUNCIL_MEMBER');
    const place: PlaceRecord = await this.places.require(placeId, 'place_id');
    if (!places.includes(place.kind)) invalid('place_id', `a ${role} is elected at a ${places.join(' or ')}, not a ${place.kind}`);
    return role;
  }

  private async recordMandate(
    manager: EntityManager,
    mandate: { assignmentId: string; userId: string; role: RoleName; placeId: string; source: MandateSource; decisionRef: string; recordedBy: string },
  ): Promise<string> {
    const id = await this.mandates.insert(manager, { assignment_id: mandate.assignmentId, source: mandate.source, decision_ref: mandate.decisionRef, recorded_by: mandate.recordedBy });
    await this.audit.record(
      {
        chain: (await this.placesRepository.communityOf(mandate.placeId, manager)) ?? GLOBAL_CHAIN,
        actor: mandate.recordedBy,
        action: 'mandate_recorded',
        subject: mandate.userId,
        details: { mandate: id, role: mandate.role, place: mandate.placeId, source: mandate.source, decision: mandate.decisionRef },
      },
      manager,
    );
    return id;
  }
}

/** A mandate's term: both ends given, as RFC 3339 times, the end after the start. */
function term(start: string, end: string): [Date, Date] {
  if (!start || !end) invalid('term_start', 'a mandate has a term: give its start and end');
  const startsAt = new Date(start);
  const endsAt = new Date(end);
  if (Number.isNaN(startsAt.getTime())) invalid('term_start', 'must be an RFC 3339 time');
  if (Number.isNaN(endsAt.getTime())) invalid('term_end', 'must be an RFC 3339 time');
  if (endsAt <= startsAt) invalid('term_end', 'must be after the term start');
  return [startsAt, endsAt];
}
