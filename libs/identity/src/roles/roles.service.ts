import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import {
  Permission,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type BootstrapAdministratorRequest,
  type GrantRoleRequest,
  type RoleAssignmentSchema,
} from '@yishi/contracts';
import { bilingual } from '@yishi/logging';
import { ForbiddenError, type RpcError } from '@yishi/messaging';
import { isUuid } from '@yishi/persistence';

import { invalid } from '../identity.error';
import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { PlacesRepository } from '../places/places.repository';
import { PlacesService } from '../places/places.service';
import { ROLE_NAMES, WIRE_ROLES, allows, mayGrant, type RoleName } from './role-rules';
import { RolesRepository, type AssignmentRecord } from './roles.repository';

type Assignment = MessageInitShape<typeof RoleAssignmentSchema>;

function forbidden(reason: string, en: string, zh: string): RpcError {
  return new ForbiddenError(bilingual(en, zh), { reason });
}

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
  ) {}

  async bootstrap(request: BootstrapAdministratorRequest): Promise<Assignment> {
    const place = await this.places.require(request.placeId, 'place_id');
    if (await this.roles.anyAdministrator()) throw forbidden('ALREADY_BOOTSTRAPPED', 'An administrator exists already', '已有管理员');
    return toAssignment(await this.roles.insert({ user_id: request.userId, role: 'administrator', place_id: place.id, project_ref: '', starts_at: null, ends_at: null, granted_by: null }));
  }

  async grant(request: Pick<GrantRoleRequest, 'actorUserId' | 'userId' | 'role' | 'placeId' | 'projectRef' | 'startsAt' | 'endsAt'>): Promise<Assignment> {
    const role = ROLE_NAMES[request.role] ?? invalid('role', 'must name a role');
    if (!isUuid(request.userId)) invalid('user_id', 'must be a user id');
    const place = await this.places.require(request.placeId, 'place_id');
    if (role === 'fundraising_member' && !request.projectRef.trim()) invalid('project_ref', 'a fundraising group belongs to a project');
    const held = await this.roles.effectiveAt(request.actorUserId, place.id);
    if (!held.some((assignment) => allows(assignment.role, Permission.GRANT))) {
      throw forbidden('NOT_ENTITLED_HERE', 'You cannot grant roles at this place', '您无权在此处授予角色');
    }
    if (!held.some((assignment) => mayGrant(assignment.role, role))) {
      throw forbidden('ROLE_ABOVE_YOUR_OWN', 'You cannot grant a role above your own', '不能授予高于自身的角色');
    }
    const granted = toAssignment(
      await this.roles.insert({
        user_id: request.userId,
        role,
        place_id: place.id,
        project_ref: request.projectRef,
        starts_at: request.startsAt ? date(request.startsAt, 'starts_at') : null,
        ends_at: request.endsAt ? date(request.endsAt, 'ends_at') : null,
        granted_by: request.actorUserId,
      }),
    );
    await this.audit.record({
      chain: (await this.placesRepository.communityOf(place.id)) ?? GLOBAL_CHAIN,
      actor: request.actorUserId,
      action: 'role_granted',
      subject: request.userId,
      details: { role, place: place.id },
    });
    return granted;
  }

  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    if (!isUuid(request.userId) || !isUuid(request.placeId)) return { allowed: false, reason: 'unknown user or place' };
    const held = await this.roles.effectiveAt(request.userId, request.placeId);
    const granting = held.find((assignment) => allows(assignment.role, request.permission));
    return granting ? { allowed: true, reason: granting.role } : { allowed: false, reason: 'no role here allows it' };
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
  };
}
