import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { DataSource } from 'typeorm';

import { Permission, type HouseholdVotersSchema, type SetHouseholdVotersRequest } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { IdentityErrorCode, identityError, invalid } from '../identity.error';
import { PlacesRepository } from '../places/places.repository';
import { RolesService } from '../roles/roles.service';
import { HouseholdsRepository, type HouseholdRecord } from './households.repository';

/**
 * A household has one vote whoever casts it; it names which of its members may cast it. Staff who
 * may write at its place, or one of its owners, name them.
 */
@Injectable()
export class HouseholdsService {
  constructor(
    @Inject(HouseholdsRepository) private readonly households: HouseholdsRepository,
    @Inject(RolesService) private readonly roles: RolesService,
    @Inject(PlacesRepository) private readonly places: PlacesRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async setVoters(request: SetHouseholdVotersRequest): Promise<MessageInitShape<typeof HouseholdVotersSchema>> {
    const household = isUuid(request.householdId) ? await this.households.find(request.householdId) : undefined;
    if (!household) throw identityError(IdentityErrorCode.HouseholdNotFound, [{ field: 'household_id', reason: 'no such household' }]);
    const voters = [...new Set(request.personIds)];
    if (voters.length === 0) invalid('person_ids', 'must name at least one member: the household keeps its vote');
    const members = new Set(household.members.map((member) => member.person_id));
    const strangers = voters.filter((personId) => !members.has(personId));
    if (strangers.length > 0) invalid('person_ids', `not members of this household: ${strangers.slice(0, 10).join(', ')}`);
    if (!(await this.mayName(request.actorUserId, household))) throw identityError(IdentityErrorCode.NotEntitledHere);
    await this.dataSource.transaction(async (manager) => {
      await this.households.setVoters(manager, household.id, voters);
      await this.audit.record(
        {
          chain: (await this.places.communityOf(household.place_id, manager)) ?? GLOBAL_CHAIN,
          actor: request.actorUserId,
          action: 'household_voters_named',
          subject: household.id,
          details: { voters: [...voters].sort().join(',') },
        },
        manager,
      );
    });
    return { householdId: household.id, personIds: [...voters].sort() };
  }

  private async mayName(actorUserId: string, household: HouseholdRecord): Promise<boolean> {
    if (!isUuid(actorUserId)) return false;
    const person = await this.households.personOf(actorUserId);
    if (household.members.some((member) => member.person_id === person && member.relation === 'owner')) return true;
    return (await this.roles.roleAllowing(actorUserId, household.place_id, Permission.WRITE)) !== undefined;
  }
}
