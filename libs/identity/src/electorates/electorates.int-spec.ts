import { ElectorateKind, IdentityRpc, Role } from '@yishi/contracts';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '@yishi/messaging';
import { uuidv7 } from '@yishi/persistence';
import { startServiceFixture, type ServiceFixture } from '@yishi/service-kit';

import { seedIdentity, ZHUHAI } from '../identity.fixture';
import { identityService } from '../index';

const HEADER = 'building,unit,door,type,floor_area,name,phone,relation';

describe('electorates from a given list, and who may cast a household’s vote', () => {
  let identity: ServiceFixture;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    identity = await startServiceFixture(identityService);
    const rpc = identity.rpc;
    await seedIdentity(rpc, ids, ZHUHAI, ['admin', 'staff-bailian', 'staff-nancun', 'zhangsan']);
    await rpc.call(IdentityRpc.bootstrapAdministrator, { userId: ids['admin']!, placeId: ids['xiangzhou']! });
    for (const community of ['bailian', 'nancun']) {
      await rpc.call(IdentityRpc.grantRole, { actorUserId: ids['admin']!, userId: ids[`staff-${community}`]!, role: Role.COMMUNITY_STAFF, placeId: ids[community]! });
    }
    const roster = (estateId: string, lines: string[]) => rpc.call(IdentityRpc.applyRoster, { estateId, csv: [HEADER, ...lines].join('\n') });
    await roster(ids['bailian-xincun']!, [
      'b45,u1,301,occupied,86.5,张三,13800001234,owner',
      'b45,u1,301,occupied,86.5,李四,,family',
      'b45,u1,302,vacant,72,王五,13900005678,owner',
      'b46,,101,occupied,,赵六,13700009999,tenant',
    ]);
    await roster(ids['ncc-plaza']!, ['b9,,201,occupied,90,钱七,13600002222,owner']);
    const rows: { id: string; door: string }[] = await identity.dataSource.query(`SELECT id, door FROM identity_household`);
    for (const row of rows) ids[`door-${row.door}`] = row.id;
    // Roster people, by name (the users registered above are people too, but in no household).
    const people: { id: string; name: string }[] = await identity.dataSource.query(
      `SELECT p.id, p.name FROM identity_person p WHERE EXISTS (SELECT 1 FROM identity_household_member m WHERE m.person_id = p.id)`,
    );
    for (const person of people) ids[person.name] = person.id;
  });

  afterAll(async () => {
    await identity.stop();
  });

  const count = async (table: string): Promise<number> => Number((await identity.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const given = (placeId: string, list: { householdIds?: string[]; personIds?: string[] }) =>
    identity.rpc.call(IdentityRpc.snapshotElectorate, { placeId, kind: ElectorateKind.GIVEN_LIST, ...list });

  it('a given list of households becomes an immutable electorate, versioned per place, one voter per household', async () => {
    const first = await given(ids['bailian-xincun']!, { householdIds: [ids['door-302']!, ids['door-301']!] });
    expect(first).toMatchObject({ kind: ElectorateKind.GIVEN_LIST, version: 1 });
    expect(first.voters.map((voter) => [voter.householdId, voter.label])).toEqual([
      [ids['door-301'], 'bailian-xincun-b45-u1-301'],
      [ids['door-302'], 'bailian-xincun-b45-u1-302'],
    ]);
    const second = await given(ids['bailian-xincun']!, { householdIds: [ids['door-101']!] });
    expect(second).toMatchObject({ version: 2, voters: [expect.objectContaining({ householdId: ids['door-101'] })] });
    expect((await identity.rpc.call(IdentityRpc.getElectorate, { electorateId: first.id })).voters).toEqual(first.voters);
    await expect(identity.dataSource.query(`DELETE FROM identity_electorate_voter WHERE electorate_id = $1`, [first.id])).rejects.toThrow(/immutable/);
  });

  it('a given list of persons names members of the community’s households, labelled without their full names', async () => {
    const electorate = await given(ids['bailian']!, { personIds: [ids['张三']!, ids['赵六']!] });
    expect(electorate.voters.map((voter) => voter.personId).sort()).toEqual([ids['张三'], ids['赵六']].sort());
    expect(electorate.voters.map((voter) => voter.label).sort()).toEqual(['张*', '赵*']);
  });

  it('a given list naming a household or person of another community, an unknown one, or the same one twice is refused naming the field, and nothing is written', async () => {
    const before = [await count('identity_electorate'), await count('identity_electorate_voter')];
    const refusals: [Parameters<typeof given>[1], string, RegExp][] = [
      [{ householdIds: [ids['door-301']!, ids['door-201']!] }, 'household_ids', new RegExp(`not active households of this community: ${ids['door-201']}`)],
      [{ householdIds: [uuidv7()] }, 'household_ids', /not active households of this community/],
      [{ personIds: [ids['钱七']!] }, 'person_ids', /not members of a household of this community/],
      [{ householdIds: [ids['door-301']!, ids['door-301']!] }, 'household_ids', /twice/],
      [{ householdIds: [ids['door-301']!], personIds: [ids['张三']!] }, 'person_ids', /not both/],
      [{ personIds: ['301'] }, 'person_ids', /is not an id/],
      [{}, 'household_ids', /at least one/],
    ];
    for (const [list, field, reason] of refusals) {
      await expect(given(ids['bailian-xincun']!, list)).rejects.toEqual(
        expect.objectContaining({ constructor: InvalidArgumentError, violations: [{ field, reason: expect.stringMatching(reason) }] }),
      );
    }
    await expect(given(ids['jida']!, { householdIds: [ids['door-301']!] })).rejects.toMatchObject({ violations: [{ field: 'place_id', reason: expect.any(String) }] });
    await expect(
      identity.rpc.call(IdentityRpc.snapshotElectorate, { placeId: ids['bailian-xincun']!, kind: ElectorateKind.HOUSEHOLDS, householdIds: [ids['door-301']!] }),
    ).rejects.toMatchObject({ violations: [{ field: 'household_ids', reason: 'only a GIVEN_LIST electorate takes a list' }] });
    expect([await count('identity_electorate'), await count('identity_electorate_voter')]).toEqual(before);
  });

  it('a household names which members may cast its one vote, and the household snapshot carries exactly them', async () => {
    const named = await identity.rpc.call(IdentityRpc.setHouseholdVoters, { actorUserId: ids['staff-bailian']!, householdId: ids['door-301']!, personIds: [ids['李四']!] });
    expect(named).toMatchObject({ householdId: ids['door-301'], personIds: [ids['李四']] });

    const electorate = await identity.rpc.call(IdentityRpc.snapshotElectorate, { placeId: ids['bailian-xincun']!, kind: ElectorateKind.HOUSEHOLDS });
    const byHousehold = Object.fromEntries(electorate.voters.map((voter) => [voter.householdId, voter.casters.map((caster) => caster.personId)]));
    expect(electorate.voters).toHaveLength(3);
    expect(byHousehold[ids['door-301']!]).toEqual([ids['李四']]);
    expect(byHousehold[ids['door-302']!]).toEqual([ids['王五']]);

    await identity.rpc.call(IdentityRpc.setHouseholdVoters, { actorUserId: ids['staff-bailian']!, householdId: ids['door-301']!, personIds: [ids['张三']!, ids['李四']!] });
    const kept = await identity.rpc.call(IdentityRpc.getElectorate, { electorateId: electorate.id });
    expect(kept.voters.find((voter) => voter.householdId === ids['door-301'])!.casters.map((caster) => caster.personId)).toEqual([ids['李四']]);
    const audit: { action: string }[] = await identity.dataSource.query(`SELECT action FROM identity_audit WHERE subject = $1`, [ids['door-301']]);
    expect(audit.map((entry) => entry.action)).toEqual(['household_voters_named', 'household_voters_named']);
  });

  it('only members may be named, only by staff of the household’s community or one of its owners', async () => {
    const setVoters = (actor: string, household: string, people: string[]) =>
      identity.rpc.call(IdentityRpc.setHouseholdVoters, { actorUserId: ids[actor]!, householdId: ids[household]!, personIds: people.map((name) => ids[name]!) });
    await expect(setVoters('staff-bailian', 'door-302', ['张三'])).rejects.toEqual(
      expect.objectContaining({ constructor: InvalidArgumentError, violations: [{ field: 'person_ids', reason: `not members of this household: ${ids['张三']}` }] }),
    );
    await expect(setVoters('staff-bailian', 'door-302', [])).rejects.toMatchObject({ violations: [{ field: 'person_ids', reason: expect.stringMatching(/at least one/) }] });
    await expect(setVoters('staff-nancun', 'door-302', ['王五'])).rejects.toEqual(expect.objectContaining({ constructor: ForbiddenError, reason: 'NOT_ENTITLED_HERE' }));
    await expect(setVoters('zhangsan', 'door-302', ['王五'])).rejects.toMatchObject({ reason: 'NOT_ENTITLED_HERE' });
    await expect(identity.rpc.call(IdentityRpc.setHouseholdVoters, { actorUserId: ids['admin']!, householdId: uuidv7(), personIds: [] })).rejects.toBeInstanceOf(NotFoundError);

    // Staff give the roster's 张三, an owner of 301, a login: as that user, he names his household's voters.
    const login = await memberLogin('staff-bailian', '张三', 'zhangsan.301');
    await identity.rpc.call(IdentityRpc.login, { login: 'zhangsan.301', password: 'long enough password', address: '10.0.0.3' });
    ids['zhangsan.301'] = login.id;
    expect(await setVoters('zhangsan.301', 'door-301', ['张三'])).toMatchObject({ personIds: [ids['张三']] });
    const [{ casters }] = (await given(ids['bailian-xincun']!, { householdIds: [ids['door-301']!] })).voters;
    expect(casters).toEqual([expect.objectContaining({ personId: ids['张三'], userId: login.id })]);
  });

  const memberLogin = (actor: string, person: string, login: string, password = 'long enough password') =>
    identity.rpc.call(IdentityRpc.createMemberLogin, { actorUserId: ids[actor]!, personId: ids[person] ?? person, login, password });

  it('a login for a recorded resident is given only by staff where they live, once, and a bad request writes nothing', async () => {
    const users = await count('identity_user');
    await expect(memberLogin('staff-nancun', '王五', 'wangwu')).rejects.toEqual(expect.objectContaining({ constructor: ForbiddenError, reason: 'NOT_ENTITLED_HERE' }));
    await expect(memberLogin('staff-bailian', uuidv7(), 'nobody')).rejects.toEqual(
      expect.objectContaining({ constructor: NotFoundError, violations: [{ field: 'person_id', reason: 'not a member of any household' }] }),
    );
    await expect(memberLogin('staff-bailian', '王五', 'wangwu', 'short')).rejects.toMatchObject({ violations: [{ field: 'password', reason: expect.stringMatching(/10 to 200/) }] });
    await expect(memberLogin('staff-bailian', '王五', 'zhangsan')).rejects.toMatchObject({ reason: 'LOGIN_TAKEN', violations: [{ field: 'login' }] });
    expect(await count('identity_user')).toBe(users);

    const wangwu = await memberLogin('staff-bailian', '王五', '13900005678');
    await expect(memberLogin('staff-bailian', '王五', 'wangwu.again')).rejects.toMatchObject({ reason: 'PERSON_HAS_LOGIN', violations: [{ field: 'person_id' }] });
    const [user] = await identity.dataSource.query(`SELECT person_id FROM identity_user WHERE id = $1`, [wangwu.id]);
    expect(user.person_id).toBe(ids['王五']);
    const [audited] = await identity.dataSource.query(`SELECT action, subject FROM identity_audit WHERE action = 'member_login_created' AND subject = $1`, [ids['王五']]);
    expect(audited).toMatchObject({ action: 'member_login_created' });
  });
});
