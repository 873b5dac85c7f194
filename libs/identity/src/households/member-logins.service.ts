import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import { Permission, type CreateMemberLoginRequest, type UserSchema } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { IdentityErrorCode, identityError } from '../identity.error';
import { PlacesRepository } from '../places/places.repository';
import { RolesService } from '../roles/roles.service';
import { SessionsService } from '../sessions/sessions.service';
import { HouseholdsRepository } from './households.repository';

/**
 * Most residents are recorded by staff from a roster; when one wants to log in, staff who may
 * write where they live give them a login, so the person (and their household role) and the user
 * are one.
 */
@Injectable()
export class MemberLoginsService {
  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(HouseholdsRepository) private readonly households: HouseholdsRepository,
    @Inject(RolesService) private readonly roles: RolesService,
    @Inject(PlacesRepository) private readonly places: PlacesRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async create(request: CreateMemberLoginRequest): Promise<MessageInitShape<typeof UserSchema>> {
    const homes = isUuid(request.personId) ? await this.households.placesOfMember(request.personId) : [];
    if (homes.length === 0) throw identityError(IdentityErrorCode.PersonNotFound, [{ field: 'person_id', reason: 'not a member of any household' }]);
    const entitledAt = await this.placeWhereMayWrite(request.actorUserId, homes);
    if (!entitledAt) throw identityError(IdentityErrorCode.NotEntitledHere);
    return this.sessions.createUser({ id: request.personId }, request.login, request.password, async (manager, userId) =>
      this.audit.record(
        {
          chain: (await this.places.communityOf(entitledAt, manager)) ?? GLOBAL_CHAIN,
          actor: request.actorUserId,
          action: 'member_login_created',
          subject: request.personId,
          details: { user: userId },
        },
        manager,
      ),
    );
  }

  private async placeWhereMayWrite(actorUserId: string, places: readonly string[]): Promise<string | undefined> {
    if (!isUuid(actorUserId)) return undefined;
    for (const place of places) if (await this.roles.roleAllowing(actorUserId, place, Permission.WRITE)) return place;
    return undefined;
  }
}
