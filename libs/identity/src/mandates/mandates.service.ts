import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { DataSource } from 'typeorm';

import { Role, type MandateSchema, type RecordMandateRequest } from '@yishi/contracts';
import { uuidv7 } from '@yishi/persistence';

import { invalid } from '../identity.error';
import { RolesService } from '../roles/roles.service';

const MANDATE_ROLES = new Set([Role.BUILDING_REPRESENTATIVE, Role.ESTATE_REPRESENTATIVE, Role.COUNCIL_MEMBER]);

/**
 * A representative's term recorded by staff (an election held on paper): it grants the role at
 * the place for exactly the term, under the same entitlement rules as any grant.
 */
@Injectable()
export class MandatesService {
  constructor(
    @Inject(RolesService) private readonly roles: RolesService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async record(request: RecordMandateRequest): Promise<MessageInitShape<typeof MandateSchema>> {
    if (!MANDATE_ROLES.has(request.role)) invalid('role', 'must be BUILDING_REPRESENTATIVE, ESTATE_REPRESENTATIVE or COUNCIL_MEMBER');
    if (!request.termStart || !request.termEnd) invalid('term_start', 'a mandate has a term: give its start and end');
    if (!request.decisionRef.trim()) invalid('decision_ref', 'must name the election record');
    const assignment = await this.roles.grant({
      actorUserId: request.actorUserId,
      userId: request.userId,
      role: request.role,
      placeId: request.placeId,
      projectRef: '',
      startsAt: request.termStart,
      endsAt: request.termEnd,
    });
    const id = uuidv7();
    await this.dataSource.query(
      `INSERT INTO identity_mandate (id, user_id, role, place_id, term_start, term_end, source, decision_ref, recorded_by, role_assignment_id)
       SELECT $1, r.user_id, r.role, r.place_id, r.starts_at, r.ends_at, 'paper', $3, $4, r.id FROM identity_role_assignment r WHERE r.id = $2`,
      [id, assignment.id, request.decisionRef.trim(), request.actorUserId],
    );
    return {
      id,
      userId: request.userId,
      role: request.role,
      placeId: request.placeId,
      termStart: assignment.startsAt ?? '',
      termEnd: assignment.endsAt ?? '',
      decisionRef: request.decisionRef.trim(),
      source: 'paper',
    };
  }
}
