import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import { ElectorateKind, type ElectorateSchema, type GetElectorateRequest, type SnapshotElectorateRequest } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { IdentityErrorCode, identityError } from '../identity.error';
import { PlacesService } from '../places/places.service';
import { ElectoratesRepository, type ElectorateRecord } from './electorates.repository';

/** Who may vote, frozen: the voting service keeps the snapshot it was given. */
@Injectable()
export class ElectoratesService {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(ElectoratesRepository) private readonly electorates: ElectoratesRepository,
  ) {}

  async snapshot(request: SnapshotElectorateRequest): Promise<MessageInitShape<typeof ElectorateSchema>> {
    const place = await this.places.require(request.placeId, 'place_id');
    if (request.kind !== ElectorateKind.HOUSEHOLDS) {
      throw identityError(IdentityErrorCode.InvalidRequest, [{ field: 'kind', reason: 'only HOUSEHOLDS electorates exist so far' }]);
    }
    const id = await this.electorates.snapshotHouseholds(place.id);
    return toElectorate((await this.electorates.find(id))!);
  }

  async get(request: GetElectorateRequest): Promise<MessageInitShape<typeof ElectorateSchema>> {
    const electorate = isUuid(request.electorateId) ? await this.electorates.find(request.electorateId) : undefined;
    if (!electorate) throw identityError(IdentityErrorCode.ElectorateNotFound, [{ field: 'electorate_id', reason: 'no such electorate' }]);
    return toElectorate(electorate);
  }
}

function toElectorate(record: ElectorateRecord): MessageInitShape<typeof ElectorateSchema> {
  return {
    id: record.id,
    placeId: record.place_id,
    kind: ElectorateKind.HOUSEHOLDS,
    version: record.version,
    voters: record.voters.map((voter) => ({ householdId: voter.household_id, label: voter.label })),
    createdAt: record.created_at.toISOString(),
  };
}
