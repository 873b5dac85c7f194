import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';

import {
  IdentityRpc,
  RepresentativesElectedSchema,
  eventSubjectOf,
  type AddOrganisationAgentRequest,
  type AuthorizeRequest,
  type BootstrapAdministratorRequest,
  type ChangePasswordRequest,
  type CreateMemberLoginRequest,
  type CreateOrganisationRequest,
  type CreatePlaceRequest,
  type GrantRoleRequest,
  type GetElectorateRequest,
  type GetPlaceHistoryRequest,
  type ListRepresentativesRequest,
  type LoginRequest,
  type RecordMandateRequest,
  type RepresentativesElected,
  type RevokeRoleRequest,
  type RefreshRequest,
  type RegisterUserRequest,
  type VerifyAccessTokenRequest,
  type MovePlaceRequest,
  type RenamePlaceRequest,
  type RosterRequest,
  type SetHouseholdVotersRequest,
  type SnapshotElectorateRequest,
  type VerifyAuditChainRequest,
} from '@yishi/contracts';
import { EventContext } from '@yishi/messaging';

import { AuditLog } from './audit/audit-log';
import { ElectoratesService } from './electorates/electorates.service';
import { HouseholdsService } from './households/households.service';
import { MemberLoginsService } from './households/member-logins.service';
import { MandatesService } from './mandates/mandates.service';
import { OrganisationsService } from './organisations/organisations.service';
import { PlacesService } from './places/places.service';
import { RepresentativesService } from './representatives/representatives.service';
import { RolesService } from './roles/roles.service';
import { RosterService } from './roster/roster.service';
import { SessionsService } from './sessions/sessions.service';

@Controller()
export class IdentityController {
  constructor(
    @Inject(PlacesService) private readonly places: PlacesService,
    @Inject(RosterService) private readonly roster: RosterService,
    @Inject(ElectoratesService) private readonly electorates: ElectoratesService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(RolesService) private readonly roles: RolesService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(OrganisationsService) private readonly organisations: OrganisationsService,
    @Inject(MandatesService) private readonly mandates: MandatesService,
    @Inject(HouseholdsService) private readonly households: HouseholdsService,
    @Inject(RepresentativesService) private readonly representatives: RepresentativesService,
    @Inject(MemberLoginsService) private readonly memberLogins: MemberLoginsService,
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

  @MessagePattern(IdentityRpc.registerUser.subject)
  registerUser(request: RegisterUserRequest) {
    return this.sessions.register(request);
  }

  @MessagePattern(IdentityRpc.login.subject)
  login(request: LoginRequest) {
    return this.sessions.login(request);
  }

  @MessagePattern(IdentityRpc.refresh.subject)
  refresh(request: RefreshRequest) {
    return this.sessions.refresh(request);
  }

  @MessagePattern(IdentityRpc.logout.subject)
  logout(request: RefreshRequest) {
    return this.sessions.logout(request);
  }

  @MessagePattern(IdentityRpc.createMemberLogin.subject)
  createMemberLogin(request: CreateMemberLoginRequest) {
    return this.memberLogins.create(request);
  }

  @MessagePattern(IdentityRpc.changePassword.subject)
  changePassword(request: ChangePasswordRequest) {
    return this.sessions.changePassword(request);
  }

  @MessagePattern(IdentityRpc.verifyAccessToken.subject)
  verifyAccessToken(request: VerifyAccessTokenRequest) {
    return this.sessions.verify(request);
  }

  @MessagePattern(IdentityRpc.bootstrapAdministrator.subject)
  bootstrapAdministrator(request: BootstrapAdministratorRequest) {
    return this.roles.bootstrap(request);
  }

  @MessagePattern(IdentityRpc.grantRole.subject)
  grantRole(request: GrantRoleRequest) {
    return this.roles.grant(request);
  }

  @MessagePattern(IdentityRpc.revokeRole.subject)
  revokeRole(request: RevokeRoleRequest) {
    return this.roles.revoke(request);
  }

  @MessagePattern(IdentityRpc.authorize.subject)
  authorize(request: AuthorizeRequest) {
    return this.roles.authorize(request);
  }

  @MessagePattern(IdentityRpc.verifyAuditChain.subject)
  async verifyAuditChain(request: VerifyAuditChainRequest) {
    return this.audit.verify(request.chain || 'global');
  }

  @MessagePattern(IdentityRpc.createOrganisation.subject)
  createOrganisation(request: CreateOrganisationRequest) {
    return this.organisations.create(request);
  }

  @MessagePattern(IdentityRpc.addOrganisationAgent.subject)
  addOrganisationAgent(request: AddOrganisationAgentRequest) {
    return this.organisations.addAgent(request);
  }

  @MessagePattern(IdentityRpc.recordMandate.subject)
  recordMandate(request: RecordMandateRequest) {
    return this.mandates.record(request);
  }

  @EventPattern(eventSubjectOf(RepresentativesElectedSchema))
  representativesElected(@Payload() event: RepresentativesElected, @Ctx() context: EventContext) {
    return this.mandates.recordElected(event, context.manager);
  }

  @MessagePattern(IdentityRpc.snapshotElectorate.subject)
  snapshotElectorate(request: SnapshotElectorateRequest) {
    return this.electorates.snapshot(request);
  }

  @MessagePattern(IdentityRpc.getElectorate.subject)
  getElectorate(request: GetElectorateRequest) {
    return this.electorates.get(request);
  }

  @MessagePattern(IdentityRpc.listRepresentatives.subject)
  listRepresentatives(request: ListRepresentativesRequest) {
    return this.representatives.listPublic(request);
  }

  @MessagePattern(IdentityRpc.setHouseholdVoters.subject)
  setHouseholdVoters(request: SetHouseholdVotersRequest) {
    return this.households.setVoters(request);
  }
}
