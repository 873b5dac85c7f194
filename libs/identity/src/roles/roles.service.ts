import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { DataSource, type EntityManager } from 'typeorm';

import {
  Permission,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type BootstrapAdministratorRequest,
  type GrantRoleRequest,
  type RevokeRoleRequest,
  type RoleAssignmentSchema,
} from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { IdentityErrorCode, identityError, invalid } from '../identity.error';
import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { PlacesRepository } from '../places/places.repository';
import { PlacesService } from '../places/places.service';
import { ROLE_NAMES, WIRE_ROLES, allows, mayGrant, type RoleName } from './role-rules';
import { RolesRepository, type AssignmentRecord } from './roles.repository';

type Assignment = MessageInitShape<typeof RoleAssignmentSchema>;

/**
 * Roles are held at a place and reach every place below it, never a sibling. Only someone who
 * may grant at that place grants there, and never a role above their own.
 */
@Injectable()
export class RolesService {
  constructor(
    @Inject(RolesRepository) private readonly roles: RolesRepository,
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(PlacesRepository) private readonly placesRepository: PlacesRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async bootstrap(request: BootstrapAdministratorRequest): Promise<Assignment> {
    const place = await this.places.require(request.placeId, 'place_id');
    if (await this.roles.anyAdministrator()) throw identityError(IdentityErrorCode.AlreadyBootstrapped);
    return toAssignment(await this.roles.insert({ user_id: request.userId, role: 'administrator', place_id: place.id, project_ref: '', starts_at: null, ends_at: null, granted_by: null }));
  }

  /** Grants in the caller's transaction when given one (a mandate with its role), else in its own. */
  async grant(
    request: Pick<GrantRoleRequest, 'actorUserId' | 'userId' | 'role' | 'placeId' | 'projectRef' | 'startsAt' | 'endsAt'>,
    manager?: EntityManager,
  ): Promise<Assignment> {
    if (!manager) return this.dataSource.transaction((own) => this.grant(request, own));
    const role = ROLE_NAMES[request.role] ?? invalid('role', 'must name a role');
    if (!isUuid(request.userId)) invalid('user_id', 'must be a user id');
    const place = await this.places.require(request.placeId, 'place_id');
    if (role === 'fundraising_member' && !request.projectRef.trim()) invalid('project_ref', 'a fundraising group belongs to a project');
    const startsAt = request.startsAt ? date(request.startsAt, 'starts_at') : null;
    const endsAt = request.endsAt ? date(request.endsAt, 'ends_at') : null;
    if (endsAt && endsAt <= (startsAt ?? new Date())) invalid('ends_at', 'must be after the start');
    await this.requireEntitled(request.actorUserId, place.id, role);
    const granted = toAssignment(
      await this.roles.insert(
        { user_id: request.userId, role, place_id: place.id, project_ref: request.projectRef, starts_at: startsAt, ends_at: endsAt, granted_by: request.actorUserId },
        manager,
      ),
    );
    await this.audit.record(
      {
        chain: (await this.placesRepository.communityOf(place.id, manager)) ?? GLOBAL_CHAIN,
        actor: request.actorUserId,
        action: 'role_granted',
        subject: request.userId,
        details: { role, place: place.id },
      },
      manager,
    );
    return granted;
  }

  /** Ends an assignment now, keeping it; the same people may revoke a role as may grant it. */
  async revoke(request: RevokeRoleRequest): Promise<Assignment> {
    const assignment = isUuid(request.assignmentId) ? await this.roles.find(request.assignmentId) : undefined;
    if (!assignment) throw identityError(IdentityErrorCode.AssignmentNotFound, [{ field: 'assignment_id', reason: 'no such role assignment' }]);
    const reason = request.reason.trim() || invalid('reason', 'must say why the role is revoked');
    await this.requireEntitled(request.actorUserId, assignment.place_id, assignment.role);
    if (assignment.ends_at && assignment.ends_at <= new Date()) throw identityError(IdentityErrorCode.AssignmentEnded, [{ field: 'assignment_id', reason: 'its term is over' }]);
    return this.dataSource.transaction(async (manager) => {
      const revoked = await this.roles.revoke(manager, assignment.id, request.actorUserId, reason);
      if (!revoked) throw identityError(IdentityErrorCode.AssignmentEnded, [{ field: 'assignment_id', reason: 'revoked already' }]);
      await this.audit.record(
        {
          chain: (await this.placesRepository.communityOf(assignment.place_id, manager)) ?? GLOBAL_CHAIN,
          actor: request.actorUserId,
          action: 'role_revoked',
          subject: assignment.user_id,
          details: { assignment: assignment.id, role: assignment.role, place: assignment.place_id, reason },
        },
        manager,
      );
      return toAssignment(revoked);
    });
  }

  /** Whoever grants or revokes `role` at a place may grant there, and holds a role at least as high. */
  private async requireEntitled(actorUserId: string, placeId: string, role: RoleName): Promise<void> {
    const held = await this.roles.effectiveAt(actorUserId, placeId);
    if (!held.some((assignment) => allows(assignment.role, Permission.GRANT))) throw identityError(IdentityErrorCode.NotEntitledHere);
    if (!held.some((assignment) => mayGrant(assignment.role, role))) throw identityError(IdentityErrorCode.RoleAboveYourOwn);
  }

  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    if (!isUuid(request.userId) || !isUuid(request.placeId)) return { allowed: false, reason: 'unknown user or place' };
    const granting = await this.roleAllowing(request.userId, request.placeId, request.permission);
    return granting ? { allowed: true, reason: granting } : { allowed: false, reason: 'no role here allows it' };
  }

  /** The role in force that lets the user do this at the place, if any. */
  async roleAllowing(userId: string, placeId: string, permission: Permission): Promise<RoleName | undefined> {
    const held = await this.roles.effectiveAt(userId, placeId);
    return held.find((assignment) => allows(assignment.role, permission))?.role;
  }
}

function date(value: string, field: string): Date {
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? invalid(field, 'must be an RFC 3339 time') : parsed;
}

function toAssignment(record: AssignmentRecord): Assignment {
  return {
    id: record.id,
    userId: record.user_id,
    role: WIRE_ROLES[record.role as RoleName],
    placeId: record.place_id,
    projectRef: record.project_ref,
    startsAt: record.starts_at.toISOString(),
    endsAt: record.ends_at?.toISOString() ?? '',
    revokedAt: record.revoked_at?.toISOString() ?? '',
  };
}
