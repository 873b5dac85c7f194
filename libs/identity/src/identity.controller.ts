import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import {
  IdentityRpc,
  type CreatePlaceRequest,
  type GetElectorateRequest,
  type GetPlaceHistoryRequest,
  type MovePlaceRequest,
  type RenamePlaceRequest,
  type RosterRequest,
  type SnapshotElectorateRequest,
} from '@yishi/contracts';

import { ElectoratesService } from './electorates/electorates.service';
import { PlacesService } from './places/places.service';
import { RosterService } from './roster/roster.service';

@Controller()
export class IdentityController {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(RosterService) private readonly roster: RosterService,
    @Inject(ElectoratesService) private readonly electorates: ElectoratesService,
  ) {}

  @MessagePattern(IdentityRpc.createPlace.subject)
  createPlace(request: CreatePlaceRequest) {
    return this.places.create(request);
  }

  @MessagePattern(IdentityRpc.renamePlace.subject)
  renamePlace(request: RenamePlaceRequest) {
    return this.places.rename(request);
  }

  @MessagePattern(IdentityRpc.movePlace.subject)
  movePlace(request: MovePlaceRequest) {
    return this.places.move(request);
  }

  @MessagePattern(IdentityRpc.getPlaceHistory.subject)
  placeHistory(request: GetPlaceHistoryRequest) {
    return this.places.history(request);
  }

  @MessagePattern(IdentityRpc.previewRoster.subject)
  previewRoster(request: RosterRequest) {
    return this.roster.preview(request);
  }

  @MessagePattern(IdentityRpc.applyRoster.subject)
  applyRoster(request: RosterRequest) {
    return this.roster.apply(request);
  }

  @MessagePattern(IdentityRpc.snapshotElectorate.subject)
  snapshotElectorate(request: SnapshotElectorateRequest) {
    return this.electorates.snapshot(request);
  }

  @MessagePattern(IdentityRpc.getElectorate.subject)
  getElectorate(request: GetElectorateRequest) {
    return this.electorates.get(request);
  }
}
