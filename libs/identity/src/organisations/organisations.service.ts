import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import { OrganisationKind, type AddOrganisationAgentRequest, type CreateOrganisationRequest, type OrganisationSchema } from '@yishi/contracts';
import { isUuid } from '@yishi/persistence';

import { invalid } from '../identity.error';
import { PlacesService } from '../places/places.service';
import { OrganisationsRepository, type OrganisationKindName, type OrganisationRecord } from './organisations.repository';

const KIND_NAMES: Partial<Record<OrganisationKind, OrganisationKindName>> = {
  [OrganisationKind.CO_SPONSOR]: 'co_sponsor',
  [OrganisationKind.PROPERTY_COMPANY]: 'property_company',
  [OrganisationKind.OWNERS_COMMITTEE]: 'owners_committee',
  [OrganisationKind.GOVERNMENT_DEPARTMENT]: 'government_department',
  [OrganisationKind.CONTRACTOR]: 'contractor',
};
const WIRE_KINDS = Object.fromEntries(Object.entries(KIND_NAMES).map(([wire, name]) => [name, Number(wire)])) as Record<OrganisationKindName, OrganisationKind>;

/** Co-sponsors, property companies, owners' committees, departments, contractors, and who acts for them. */
@Injectable()
export class OrganisationsService {
  constructor(
    @Inject(OrganisationsRepository) private readonly organisations: OrganisationsRepository,
    @Inject(PlacesService) private readonly places: PlacesService,
  ) {}

  async create(request: CreateOrganisationRequest): Promise<MessageInitShape<typeof OrganisationSchema>> {
    const kind = KIND_NAMES[request.kind] ?? invalid('kind', 'must name a kind of organisation');
    if (!request.nameZh.trim()) invalid('name_zh', 'must not be empty');
    const place = request.placeId ? await this.places.require(request.placeId, 'place_id') : null;
    const id = await this.organisations.insert({ kind, name_zh: request.nameZh.trim(), name_en: request.nameEn, place_id: place?.id ?? null });
    return toOrganisation((await this.organisations.find(id))!);
  }

  async addAgent(request: AddOrganisationAgentRequest): Promise<MessageInitShape<typeof OrganisationSchema>> {
    const organisation = isUuid(request.organisationId) ? await this.organisations.find(request.organisationId) : undefined;
    if (!organisation) invalid('organisation_id', 'no such organisation');
    if (!isUuid(request.userId) || !(await this.organisations.userExists(request.userId))) invalid('user_id', 'no such user');
    if (!request.capacity.trim()) invalid('capacity', 'must say in what capacity the person acts');
    await this.organisations.addAgent(organisation.id, request.userId, request.capacity.trim());
    return toOrganisation((await this.organisations.find(organisation.id))!);
  }
}

function toOrganisation(record: OrganisationRecord): MessageInitShape<typeof OrganisationSchema> {
  return {
    id: record.id,
    kind: WIRE_KINDS[record.kind],
    nameZh: record.name_zh,
    nameEn: record.name_en,
    placeId: record.place_id ?? '',
    agents: record.agents.map((agent) => ({ userId: agent.user_id, capacity: agent.capacity })),
  };
}
