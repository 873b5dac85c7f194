import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import {
  PlaceKind,
  type CreatePlaceRequest,
  type GetPlaceHistoryRequest,
  type MovePlaceRequest,
  type PlaceHistorySchema,
  type PlaceSchema,
  type RenamePlaceRequest,
} from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { IdentityErrorCode, identityError, invalid } from '../identity.error';
import { PlacesRepository, type PlaceKindName, type PlaceRecord } from './places.repository';

type PlaceInit = MessageInitShape<typeof PlaceSchema>;

const KIND_NAMES: Partial<Record<PlaceKind, PlaceKindName>> = {
  [PlaceKind.DISTRICT]: 'district',
  [PlaceKind.STREET]: 'street',
  [PlaceKind.COMMUNITY]: 'community',
  [PlaceKind.ESTATE]: 'estate',
  [PlaceKind.VILLAGE_GROUP]: 'village_group',
  [PlaceKind.BUILDING]: 'building',
  [PlaceKind.UNIT]: 'unit',
};
const WIRE_KINDS = Object.fromEntries(Object.entries(KIND_NAMES).map(([wire, name]) => [name, Number(wire)])) as Record<PlaceKindName, PlaceKind>;

/** What may sit directly below each kind of place: district → street → community → estate → building → unit. */
const ALLOWED_PARENTS: Record<PlaceKindName, readonly (PlaceKindName | null)[]> = {
  district: [null],
  street: ['district'],
  community: ['street'],
  estate: ['community'],
  village_group: ['community'],
  building: ['estate', 'village_group'],
  unit: ['building'],
};

const CODE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function toPlace(record: PlaceRecord): PlaceInit {
  return { id: record.id, parentId: record.parent_id ?? '', kind: WIRE_KINDS[record.kind], code: record.code, nameZh: record.name_zh, nameEn: record.name_en };
}

/** The tree of places; renames and moves keep every earlier version. */
@Injectable()
export class PlacesService {
  constructor(@Inject(PlacesRepository) private readonly places: PlacesRepository) {}

  async create(request: CreatePlaceRequest): Promise<PlaceInit> {
    const kind = KIND_NAMES[request.kind] ?? invalid('kind', 'must name a kind of place');
    if (!CODE.test(request.code)) invalid('code', 'must be 1–40 of a-z, 0-9, "_", "-"');
    if (!request.nameZh.trim()) invalid('name_zh', 'must not be empty');
    const parent = request.parentId ? await this.require(request.parentId, 'parent_id') : null;
    if (!ALLOWED_PARENTS[kind].includes(parent?.kind ?? null)) invalid('parent_id', `a ${kind} cannot sit under ${parent?.kind ?? 'nothing'}`);
    const created = await this.places.insert({ parent_id: parent?.id ?? null, kind, code: request.code, name_zh: request.nameZh, name_en: request.nameEn });
    if (!created) throw identityError(IdentityErrorCode.PlaceCodeTaken, [{ field: 'code', reason: 'already used here' }]);
    return toPlace(created);
  }

  async rename(request: RenamePlaceRequest): Promise<PlaceInit> {
    const place = await this.require(request.placeId, 'place_id');
    if (!request.nameZh.trim()) invalid('name_zh', 'must not be empty');
    return toPlace((await this.places.update(place.id, { name_zh: request.nameZh, name_en: request.nameEn, parent_id: place.parent_id }))!);
  }

  async move(request: MovePlaceRequest): Promise<PlaceInit> {
    const place = await this.require(request.placeId, 'place_id');
    const parent = await this.require(request.newParentId, 'new_parent_id');
    if (!ALLOWED_PARENTS[place.kind].includes(parent.kind)) invalid('new_parent_id', `a ${place.kind} cannot sit under a ${parent.kind}`);
    if (await this.places.isWithin(parent.id, place.id)) invalid('new_parent_id', 'a place cannot move below itself');
    return toPlace((await this.places.update(place.id, { name_zh: place.name_zh, name_en: place.name_en, parent_id: parent.id }))!);
  }

  async history(request: GetPlaceHistoryRequest): Promise<MessageInitShape<typeof PlaceHistorySchema>> {
    const place = await this.require(request.placeId, 'place_id');
    const versions = await this.places.history(place.id);
    return {
      placeId: place.id,
      versions: versions.map((version) => ({ nameZh: version.name_zh, nameEn: version.name_en, parentId: version.parent_id ?? '', validFrom: version.valid_from.toISOString() })),
    };
  }

  async require(id: string, field: string): Promise<PlaceRecord> {
    const place = isUuid(id) ? await this.places.find(id) : undefined;
    if (!place) throw identityError(IdentityErrorCode.PlaceNotFound, [{ field, reason: 'no such place' }]);
    return place;
  }
}
