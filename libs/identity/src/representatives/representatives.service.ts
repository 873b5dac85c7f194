import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import type { ListRepresentativesRequest, PublicRepresentativesSchema } from '@yishi/contracts';

import { PlacesService } from '../places/places.service';
import { maskName, maskPhone } from '../privacy';
import { WIRE_ROLES } from '../roles/role-rules';
import { RepresentativesRepository } from './representatives.repository';

/** What residents see of their representatives: who holds which office where, never a full name or phone. */
@Injectable()
export class RepresentativesService {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(RepresentativesRepository) private readonly representatives: RepresentativesRepository,
  ) {}

  async listPublic(request: ListRepresentativesRequest): Promise<MessageInitShape<typeof PublicRepresentativesSchema>> {
    const place = await this.places.require(request.placeId, 'place_id');
    const inOffice = await this.representatives.inOfficeBelow(place.id);
    return {
      placeId: place.id,
      representatives: inOffice.map((representative) => ({
        role: WIRE_ROLES[representative.role],
        placeId: representative.place_id,
        placeNameZh: representative.place_name_zh,
        maskedName: maskName(representative.name),
        maskedPhone: representative.phone ? maskPhone(representative.phone) : '',
        termEnd: representative.ends_at?.toISOString() ?? '',
      })),
    };
  }
}
