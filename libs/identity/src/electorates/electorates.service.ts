import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import { ElectorateKind, type ElectorateSchema, type GetElectorateRequest, type SnapshotElectorateRequest } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { IdentityErrorCode, identityError, invalid } from '../identity.error';
import { PlacesRepository, type PlaceRecord } from '../places/places.repository';
import { PlacesService } from '../places/places.service';
import { maskName } from '../privacy';
import { ElectoratesRepository, type ElectorateKindName, type ElectorateRecord, type VoterRecord } from './electorates.repository';

/** More than the largest community holds. */
const MAX_GIVEN_VOTERS = 20_000;

/** Who may vote, frozen: the voting service keeps the snapshot it was given. */
@Injectable()
export class ElectoratesService {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(PlacesRepository) private readonly placesRepository: PlacesRepository,
    @Inject(ElectoratesRepository) private readonly electorates: ElectoratesRepository,
  ) {}

  async snapshot(request: SnapshotElectorateRequest): Promise<MessageInitShape<typeof ElectorateSchema>> {
    const place = await this.places.require(request.placeId, 'place_id');
    if (request.kind !== ElectorateKind.GIVEN_LIST && (request.householdIds.length > 0 || request.personIds.length > 0)) {
      invalid(request.householdIds.length > 0 ? 'household_ids' : 'person_ids', 'only a GIVEN_LIST electorate takes a list');
    }
    const id = await this.take(request, place);
    return toElectorate((await this.electorates.find(id))!);
  }

  private take(request: SnapshotElectorateRequest, place: PlaceRecord): Promise<string> {
    const wrongPlace = (needed: string): never => invalid('place_id', `this electorate belongs to a ${needed}`);
    switch (request.kind) {
      case ElectorateKind.HOUSEHOLDS:
        return this.electorates.snapshotHouseholds(place.id);
      case ElectorateKind.ESTATE_REPRESENTATIVES:
        if (place.kind !== 'estate' && place.kind !== 'village_group') wrongPlace('estate');
        return this.electorates.snapshotRoleHolders(place.id, 'estate_representatives', 'estate_representative');
      case ElectorateKind.COUNCIL:
        if (place.kind !== 'community') wrongPlace('community');
        return this.electorates.snapshotRoleHolders(place.id, 'council', 'council_member');
      case ElectorateKind.GIVEN_LIST:
        return this.takeGivenList(request, place);
      default:
        return invalid('kind', 'must be HOUSEHOLDS, ESTATE_REPRESENTATIVES, COUNCIL or GIVEN_LIST');
    }
  }

  /** The households, or persons, the caller names: each must exist and belong to the place's community. */
  private async takeGivenList(request: SnapshotElectorateRequest, place: PlaceRecord): Promise<string> {
    const community = (await this.placesRepository.communityOf(place.id)) ?? invalid('place_id', 'a given list belongs to a community or a place within one');
    if (request.householdIds.length > 0 && request.personIds.length > 0) invalid('person_ids', 'name households or persons, not both');
    const [field, ids] = request.householdIds.length > 0 ? ['household_ids', request.householdIds] : ['person_ids', request.personIds];
    if (ids.length === 0) invalid('household_ids', 'a given list names at least one household or person');
    if (ids.length > MAX_GIVEN_VOTERS) invalid(field, `names more than ${MAX_GIVEN_VOTERS}`);
    const notId = ids.find((id) => !isUuid(id));
    if (notId !== undefined) invalid(field, `"${notId.slice(0, 40)}" is not an id`);
    const twice = ids.find((id, index) => ids.indexOf(id) !== index);
    if (twice) invalid(field, `names ${twice} twice`);
    const voters: VoterRecord[] =
      field === 'household_ids'
        ? (await this.electorates.householdsOf(community, ids)).map((household) => ({ voter_id: household.id, voter_kind: 'household', label: household.label }))
        : (await this.electorates.membersOf(community, ids)).map((person) => ({ voter_id: person.id, voter_kind: 'person', label: maskName(person.name) }));
    const found = new Set(voters.map((voter) => voter.voter_id));
    const strangers = ids.filter((id) => !found.has(id));
    if (strangers.length > 0) {
      const what = field === 'household_ids' ? 'active households' : 'members of a household';
      invalid(field, `not ${what} of this community: ${strangers.slice(0, 10).join(', ')}${strangers.length > 10 ? ', …' : ''}`);
    }
    return this.electorates.snapshotList(place.id, voters);
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
  given_list: ElectorateKind.GIVEN_LIST,
};

function toElectorate(record: ElectorateRecord): MessageInitShape<typeof ElectorateSchema> {
  return {
    id: record.id,
    placeId: record.place_id,
    kind: WIRE_KINDS[record.kind],
    version: record.version,
    voters: record.voters.map((voter) => {
      switch (voter.voter_kind) {
        case 'household':
          return { householdId: voter.voter_id, label: voter.label, casters: voter.casters.map((caster) => ({ personId: caster.person_id, userId: caster.user_id ?? '' })) };
        case 'user':
          return { userId: voter.voter_id, label: voter.label };
        case 'person':
          return { personId: voter.voter_id, label: voter.label };
      }
    }),
    createdAt: record.created_at.toISOString(),
  };
}
