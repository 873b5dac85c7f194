import { Module } from '@nestjs/common';

import { IdentityRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

import { AuditLog } from './audit/audit-log';
import { ElectoratesRepository } from './electorates/electorates.repository';
import { ElectoratesService } from './electorates/electorates.service';
import { HouseholdsRepository } from './households/households.repository';
import { HouseholdsService } from './households/households.service';
import { MemberLoginsService } from './households/member-logins.service';
import { IdentityController } from './identity.controller';
import { MandatesRepository } from './mandates/mandates.repository';
import { MandatesService } from './mandates/mandates.service';
import { OrganisationsRepository } from './organisations/organisations.repository';
import { OrganisationsService } from './organisations/organisations.service';
import { PlacesRepository } from './places/places.repository';
import { PlacesService } from './places/places.service';
import { RepresentativesRepository } from './representatives/representatives.repository';
import { RepresentativesService } from './representatives/representatives.service';
import { RosterRepository } from './roster/roster.repository';
import { RolesRepository } from './roles/roles.repository';
import { RolesService } from './roles/roles.service';
import { RosterService } from './roster/roster.service';
import { PasswordHasher } from './sessions/password-hasher';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { SigningKey } from './sessions/signing-key';

@Module({
  imports: [HealthModule.forService('identity', IdentityRpc.checkHealth)],
  controllers: [IdentityController],
  providers: [
    AuditLog,
    ElectoratesRepository,
    ElectoratesService,
    HouseholdsRepository,
    HouseholdsService,
    MemberLoginsService,
    MandatesRepository,
    MandatesService,
    OrganisationsRepository,
    OrganisationsService,
    PasswordHasher,
    PlacesRepository,
    PlacesService,
    RepresentativesRepository,
    RepresentativesService,
    RolesRepository,
    RolesService,
    RosterRepository,
    RosterService,
    SessionsRepository,
    SessionsService,
    SigningKey,
  ],
})
export class IdentityModule {}
