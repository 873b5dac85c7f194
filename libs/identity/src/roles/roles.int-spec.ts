import { ElectorateKind, IdentityRpc, OrganisationKind, Permission, Role } from '@yishi/contracts';
import { ForbiddenError } from '@yishi/messaging';
import { startServiceFixture, type ServiceFixture } from '@yishi/service-kit';

import { seedIdentity, ZHUHAI } from '../identity.fixture';
import { identityService } from '../index';

describe('roles scoped to places', () => {
  let identity: ServiceFixture;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    identity = await startServiceFixture(identityService);
    const rpc = identity.rpc;
    await seedIdentity(rpc, ids, ZHUHAI, ['admin', 'staff-bailian', 'staff-nancun', 'rep', 'someone', 'treasurer', 'deputy']);
    await rpc.call(IdentityRpc.bootstrapAdministrator, { userId: ids['admin']!, placeId: ids['xiangzhou']! });
    await rpc.call(IdentityRpc.grantRole, { actorUserId: ids['admin']!, userId: ids['staff-bailian']!, role: Role.COMMUNITY_STAFF, placeId: ids['bailian']! });
    await rpc.call(IdentityRpc.grantRole, { actorUserId: ids['admin']!, userId: ids['staff-nancun']!, role: Role.COMMUNITY_STAFF, placeId: ids['nancun']! });
  });

  afterAll(async () => {
    await identity.stop();
  });

  const authorize = (user: string, place: string, permission: Permission) =>
    identity.rpc.call(IdentityRpc.authorize, { userId: ids[user]!, placeId: ids[place]!, permission });

  it('a staff member of one community reaches its estates and buildings, never a sibling community', async () => {
    expect(await authorize('staff-bailian', 'bailian', Permission.WRITE)).toMatchObject({ allowed: true, reason: 'community_staff' });
    expect(await authorize('staff-bailian', 'b45', Permission.WRITE)).toMatchObject({ allowed: true });
    for (const permission of [Permission.READ, Permission.WRITE, Permission.GRANT]) {
      expect(await authorize('staff-bailian', 'nancun', permission)).toMatchObject({ allowed: false });
      expect(await authorize('staff-bailian', 'ncc-plaza', permission)).toMatchObject({ allowed: false });
    }
    expect(await authorize('staff-bailian', 'jida', Permission.READ)).toMatchObject({ allowed: false });
  });

  it('grants within its community, but not in another one, and not a role above its own', async () => {
    const grant = (placeId: string, role: Role) => identity.rpc.call(IdentityRpc.grantRole, { actorUserId: ids['staff-bailian']!, userId: ids['rep']!, role, placeId });
    expect(await grant(ids['b45']!, Role.BUILDING_REPRESENTATIVE)).toMatchObject({ role: Role.BUILDING_REPRESENTATIVE, placeId: ids['b45'] });
    await expect(grant(ids['ncc-plaza']!, Role.ESTATE_REPRESENTATIVE)).rejects.toEqual(expect.objectContaining({ constructor: ForbiddenError, reason: 'NOT_ENTITLED_HERE' }));
    await expect(grant(ids['bailian']!, Role.ADMINISTRATOR)).rejects.toEqual(expect.objectContaining({ constructor: ForbiddenError, reason: 'ROLE_ABOVE_YOUR_OWN' }));
    expect(await authorize('rep', 'b45', Permission.WRITE)).toMatchObject({ allowed: true, reason: 'building_representative' });
    expect(await authorize('rep', 'bailian-xincun', Permission.WRITE)).toMatchObject({ allowed: false });
  });

  it('a revoked role no longer authorizes and is kept, ended and audit-logged; staff of another community cannot revoke it, nor anyone a role above their own', async () => {
    const rpc = identity.rpc;
    const granted = await rpc.call(IdentityRpc.grantRole, { actorUserId: ids['staff-bailian']!, userId: ids['treasurer']!, role: Role.FINANCE_OFFICER, placeId: ids['bailian-xincun']! });
    expect(await authorize('treasurer', 'bailian-xincun', Permission.WRITE)).toMatchObject({ allowed: true, reason: 'finance_officer' });
    const revoke = (actor: string, assignmentId: string, reason = 'moved away') => rpc.call(IdentityRpc.revokeRole, { actorUserId: ids[actor]!, assignmentId, reason });

    await expect(revoke('staff-nancun', granted.id)).rejects.toEqual(expect.objectContaining({ constructor: ForbiddenError, reason: 'NOT_ENTITLED_HERE' }));
    await expect(revoke('treasurer', granted.id)).rejects.toMatchObject({ reason: 'NOT_ENTITLED_HERE' });
    await expect(revoke('staff-bailian', granted.id, ' ')).rejects.toMatchObject({ violations: [{ field: 'reason', reason: 'must say why the role is revoked' }] });
    expect(await authorize('treasurer', 'bailian-xincun', Permission.WRITE)).toMatchObject({ allowed: true });

    const revoked = await revoke('staff-bailian', granted.id);
    expect(revoked).toMatchObject({ id: granted.id, role: Role.FINANCE_OFFICER, revokedAt: expect.stringMatching(/^\d{4}-/) });
    for (const permission of [Permission.READ, Permission.WRITE]) expect(await authorize('treasurer', 'bailian-xincun', permission)).toMatchObject({ allowed: false });
    const [kept] = await identity.dataSource.query(`SELECT revoked_by, revoke_reason FROM identity_role_assignment WHERE id = $1`, [granted.id]);
    expect(kept).toEqual({ revoked_by: ids['staff-bailian'], revoke_reason: 'moved away' });
    const [audit] = await identity.dataSource.query(`SELECT actor, subject, details FROM identity_audit WHERE action = 'role_revoked'`);
    expect(audit).toEqual({ actor: ids['staff-bailian'], subject: ids['treasurer'], details: expect.objectContaining({ assignment: granted.id, reason: 'moved away' }) });
    await expect(revoke('staff-bailian', granted.id)).rejects.toMatchObject({ reason: 'ASSIGNMENT_ENDED' });

    const deputy = await rpc.call(IdentityRpc.grantRole, { actorUserId: ids['admin']!, userId: ids['deputy']!, role: Role.ADMINISTRATOR, placeId: ids['bailian']! });
    await expect(revoke('staff-bailian', deputy.id)).rejects.toMatchObject({ reason: 'ROLE_ABOVE_YOUR_OWN' });
    expect(await authorize('deputy', 'bailian', Permission.GRANT)).toMatchObject({ allowed: true });
  });

  it('a mandate recorded by staff gives the role for exactly its term, and representatives form an electorate', async () => {
    const rpc = identity.rpc;
    const inTerm = { termStart: new Date(Date.now() - 86_400_000).toISOString(), termEnd: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString() };
    const mandate = await rpc.call(IdentityRpc.recordMandate, {
      actorUserId: ids['staff-bailian']!,
      userId: ids['rep']!,
      role: Role.ESTATE_REPRESENTATIVE,
      placeId: ids['bailian-xincun']!,
      decisionRef: 'paper election 2026-03-01, tally sheet 7',
      ...inTerm,
    });
    expect(mandate).toMatchObject({ role: Role.ESTATE_REPRESENTATIVE, source: 'paper' });
    expect(await authorize('rep', 'bailian-xincun', Permission.WRITE)).toMatchObject({ allowed: true, reason: 'estate_representative' });
    await rpc.call(IdentityRpc.recordMandate, {
      actorUserId: ids['staff-bailian']!,
      userId: ids['someone']!,
      role: Role.ESTATE_REPRESENTATIVE,
      placeId: ids['bailian-xincun']!,
      decisionRef: 'paper election 2023',
      termStart: '2023-03-01T00:00:00Z',
      termEnd: '2026-03-01T00:00:00Z',
    });
    const representatives = await rpc.call(IdentityRpc.snapshotElectorate, { placeId: ids['bailian-xincun']!, kind: ElectorateKind.ESTATE_REPRESENTATIVES });
    expect(representatives.voters).toEqual([expect.objectContaining({ userId: ids['rep'], label: 'rep' })]);
    await expect(rpc.call(IdentityRpc.snapshotElectorate, { placeId: ids['b45']!, kind: ElectorateKind.COUNCIL })).rejects.toMatchObject({
      violations: [{ field: 'place_id', reason: 'this electorate belongs to a community' }],
    });
    await expect(
      rpc.call(IdentityRpc.recordMandate, { actorUserId: ids['staff-bailian']!, userId: ids['rep']!, role: Role.COUNCIL_MEMBER, placeId: ids['nancun']!, decisionRef: 'x', ...inTerm }),
    ).rejects.toMatchObject({ reason: 'NOT_ENTITLED_HERE' });
  });

  it('organisations have people acting for them', async () => {
    const rpc = identity.rpc;
    const brigade = await rpc.call(IdentityRpc.createOrganisation, { kind: OrganisationKind.GOVERNMENT_DEPARTMENT, nameZh: '香洲消防救援大队', nameEn: 'Xiangzhou fire brigade' });
    const withAgent = await rpc.call(IdentityRpc.addOrganisationAgent, { organisationId: brigade.id, userId: ids['someone']!, capacity: 'liaison' });
    expect(withAgent.agents).toEqual([expect.objectContaining({ userId: ids['someone'], capacity: 'liaison' })]);
    const committee = await rpc.call(IdentityRpc.createOrganisation, { kind: OrganisationKind.OWNERS_COMMITTEE, nameZh: '百联新村业委会', placeId: ids['bailian-xincun']! });
    expect(committee).toMatchObject({ placeId: ids['bailian-xincun'] });
    await expect(rpc.call(IdentityRpc.addOrganisationAgent, { organisationId: committee.id, userId: ids['someone']!, capacity: '' })).rejects.toMatchObject({
      violations: [{ field: 'capacity', reason: expect.any(String) }],
    });
  });

  it('records grants and logins in hash-chained audit logs that reveal a later edit', async () => {
    const rpc = identity.rpc;
    await rpc.call(IdentityRpc.login, { login: 'rep', password: 'long enough password', address: '10.9.0.1' });
    await expect(rpc.call(IdentityRpc.login, { login: 'rep', password: 'wrong password', address: '10.9.0.1' })).rejects.toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    const bailian = await rpc.call(IdentityRpc.verifyAuditChain, { chain: ids['bailian']! });
    expect(bailian.entries).toBeGreaterThanOrEqual(2);
    expect(bailian.firstBadSequence).toBe(0);
    const global = await rpc.call(IdentityRpc.verifyAuditChain, { chain: 'global' });
    expect(global).toMatchObject({ firstBadSequence: 0 });
    const actions: { action: string }[] = await identity.dataSource.query(`SELECT action FROM identity_audit WHERE chain = 'global' ORDER BY sequence DESC LIMIT 2`);
    expect(actions.map((row) => row.action)).toEqual(['login_failed', 'login']);

    await expect(identity.dataSource.query(`DELETE FROM identity_audit WHERE chain = $1`, [ids['bailian']])).rejects.toThrow(/immutable/);
    await identity.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL session_replication_role = replica`);
      await manager.query(`UPDATE identity_audit SET subject = 'someone-else' WHERE chain = $1 AND sequence = 2`, [ids['bailian']]);
    });
    expect(await rpc.call(IdentityRpc.verifyAuditChain, { chain: ids['bailian']! })).toMatchObject({ firstBadSequence: 2 });
  });

  it('someone without a role can neither grant nor read, an auditor only reads, and bootstrapping happens once', async () => {
    await expect(
      identity.rpc.call(IdentityRpc.grantRole, { actorUserId: ids['someone']!, userId: ids['someone']!, role: Role.ADMINISTRATOR, placeId: ids['bailian']! }),
    ).rejects.toMatchObject({ reason: 'NOT_ENTITLED_HERE' });
    expect(await authorize('someone', 'bailian', Permission.READ)).toMatchObject({ allowed: false });
    await identity.rpc.call(IdentityRpc.grantRole, { actorUserId: ids['admin']!, userId: ids['someone']!, role: Role.AUDITOR, placeId: ids['bailian']! });
    expect(await authorize('someone', 'bailian', Permission.READ)).toMatchObject({ allowed: true, reason: 'auditor' });
    expect(await authorize('someone', 'bailian', Permission.WRITE)).toMatchObject({ allowed: false });
    await expect(identity.rpc.call(IdentityRpc.bootstrapAdministrator, { userId: ids['someone']!, placeId: ids['xiangzhou']! })).rejects.toMatchObject({ reason: 'ALREADY_BOOTSTRAPPED' });
  });
});
