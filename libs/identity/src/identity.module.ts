import { Module } from '@nestjs/common';

import { IdentityRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

import { ElectoratesRepository } from './electorates/electorates.repository';
import { ElectoratesService } from './electorates/electorates.service';
import { IdentityController } from './identity.controller';
import { PlacesRepository } from './places/places.repository';
import { PlacesService } from './places/places.service';
import { RosterRepository } from './roster/roster.repository';
import { RosterService } from './roster/roster.service';

@Module({
  imports: [HealthModule.forService('identity', IdentityRpc.checkHealth)],
  controllers: [IdentityController],
  providers: [ElectoratesRepository, ElectoratesService, PlacesRepository, PlacesService, RosterRepository, RosterService],
})
export class IdentityModule {}
