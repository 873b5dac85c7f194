import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import { ElectorateKind, type ElectorateSchema, type GetElectorateRequest, type SnapshotElectorateRequest } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { IdentityErrorCode, identityError, invalid } from '../identity.error';
import { PlacesService } from '../places/places.service';
import { ElectoratesRepository, type ElectorateKindName, type ElectorateRecord } from './electorates.repository';

/** Who may vote, frozen: the voting service keeps the snapshot it was given. */
@Injectable()
export class ElectoratesService {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(ElectoratesRepository) private readonly electorates: ElectoratesRepository,
  ) {}

  async snapshot(request: SnapshotElectorateRequest): Promise<MessageInitShape<typeof ElectorateSchema>> {
    const place = await this.places.require(request.placeId, 'place_id');
    const id = await this.take(request.kind, place.id, place.kind);
    return toElectorate((await this.electorates.find(id))!);
  }

  private take(kind: ElectorateKind, placeId: string, placeKind: string): Promise<string> {
    const wrongPlace = (needed: string): never => invalid('place_id', `this electorate belongs to a ${needed}`);
    switch (kind) {
      case ElectorateKind.HOUSEHOLDS:
        return this.electorates.snapshotHouseholds(placeId);
      case ElectorateKind.ESTATE_REPRESENTATIVES:
        if (placeKind !== 'estate' && placeKind !== 'village_group') wrongPlace('estate');
        return this.electorates.snapshotRoleHolders(placeId, 'estate_representatives', 'estate_representative');
      case ElectorateKind.COUNCIL:
        if (placeKind !== 'community') wrongPlace('community');
        return this.electorates.snapshotRoleHolders(placeId, 'council', 'council_member');
      default:
        return invalid('kind', 'must be HOUSEHOLDS, ESTATE_REPRESENTATIVES or COUNCIL');
    }
  }

  async get(request: GetElectorateRequest): Promise<MessageInitShape<typeof ElectorateSchema>> {
    const electorate = isUuid(request.electorateId) ? await this.electorates.find(request.electorateId) : undefined;
    if (!electorate) throw identityError(IdentityErrorCode.ElectorateNotFound, [{ field: 'electorate_id', reason: 'no such electorate' }]);
    return toElectorate(electorate);
  }
}

const WIRE_KINDS: Record<ElectorateKindName, ElectorateKind> = {
  households: ElectorateKind.HOUSEHOLDS,
  estate_representatives: ElectorateKind.ESTATE_REPRESENTATIVES,
  council: ElectorateKind.COUNCIL,
};

function toElectorate(record: ElectorateRecord): MessageInitShape<typeof ElectorateSchema> {
  return {
    id: record.id,
    placeId: record.place_id,
    kind: WIRE_KINDS[record.kind],
    version: record.version,
    voters: record.voters.map((voter) =>
      voter.voter_kind === 'household' ? { householdId: voter.voter_id, label: voter.label } : { userId: voter.voter_id, label: voter.label },
    ),
    createdAt: record.created_at.toISOString(),
  };
}
