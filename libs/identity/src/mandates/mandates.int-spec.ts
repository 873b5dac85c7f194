import type { MessageInitShape } from '@bufbuild/protobuf';

import { IdentityRpc, Permission, PlaceKind, RepresentativeOffice, RepresentativesElectedSchema, Role } from '@yishi/contracts';
import { outboxRows, type OutboxEvent } from '@yishi/messaging';
import { uuidv7 } from '@yishi/persistence';
import { startServiceFixture, type ServiceFixture } from '@yishi/service-kit';
import { eventually } from '@yishi/testing';

import { seedIdentity, ZHUHAI } from '../identity.fixture';
import { identityService } from '../index';

type ElectionResult = MessageInitShape<typeof RepresentativesElectedSchema>;

describe('mandates from the voting service’s election results', () => {
  let identity: ServiceFixture;
  const ids: Record<string, string> = {};
  const term = { termStart: new Date(Date.now() - 86_400_000).toISOString(), termEnd: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString() };

  beforeAll(async () => {
    identity = await startServiceFixture(identityService);
    await seedIdentity(identity.rpc, ids, [...ZHUHAI, ['b46', 'bailian-xincun', PlaceKind.BUILDING]], ['zhangsan', 'lisi', 'wangwu']);
  });

  afterAll(async () => {
    await identity.stop();
  });

  /** The voting service's side: the event as its outbox would write it. */
  const announce = (result: ElectionResult): OutboxEvent => {
    const rows = outboxRows(RepresentativesElectedSchema, [result]);
    return { id: rows.ids[0]!, subject: rows.subjects[0]!, envelope: Buffer.from(rows.envelopes[0]!) };
  };
  const mandatesOf = async (electionId: string): Promise<{ user_id: string; role: string; source: string }[]> =>
    identity.dataSource.query(`SELECT user_id, role, source FROM identity_mandate WHERE decision_ref = $1 ORDER BY user_id`, [electionId]);
  const count = async (sql: string, parameters: unknown[]): Promise<number> => Number((await identity.dataSource.query(sql, parameters))[0].n);

  it('an election result gives each elected person the representative role for exactly the term, audit-logged', async () => {
    const electionId = uuidv7();
    await identity.events.publish(
      announce({ electionId, placeId: ids['b45']!, office: RepresentativeOffice.BUILDING_REPRESENTATIVE, electedUserIds: [ids['zhangsan']!, ids['lisi']!], ...term }),
    );

    await eventually(async () => expect(await mandatesOf(electionId)).toHaveLength(2));
    expect(await mandatesOf(electionId)).toEqual(
      [ids['zhangsan'], ids['lisi']].sort().map((userId) => ({ user_id: userId, role: 'building_representative', source: 'election' })),
    );
    for (const login of ['zhangsan', 'lisi']) {
      expect(await identity.rpc.call(IdentityRpc.authorize, { userId: ids[login]!, placeId: ids['b45']!, permission: Permission.WRITE })).toMatchObject({
        allowed: true,
        reason: 'building_representative',
      });
      expect(await identity.rpc.call(IdentityRpc.authorize, { userId: ids[login]!, placeId: ids['b46']!, permission: Permission.WRITE })).toMatchObject({ allowed: false });
    }
    const [assignment] = await identity.dataSource.query(`SELECT starts_at, ends_at FROM identity_role_assignment WHERE user_id = $1`, [ids['zhangsan']]);
    expect([assignment.starts_at.toISOString(), assignment.ends_at.toISOString()]).toEqual([term.termStart, term.termEnd]);
    expect(await count(`SELECT count(*) AS n FROM identity_audit WHERE action = 'mandate_recorded' AND details->>'decision' = $1 AND actor = 'voting'`, [electionId])).toBe(2);
    expect(await identity.rpc.call(IdentityRpc.verifyAuditChain, { chain: ids['bailian']! })).toMatchObject({ firstBadSequence: 0 });
  });

  it('the same result delivered again, or announced again under a new event id, records nothing twice', async () => {
    const electionId = uuidv7();
    const result: ElectionResult = { electionId, placeId: ids['bailian-xincun']!, office: RepresentativeOffice.ESTATE_REPRESENTATIVE, electedUserIds: [ids['wangwu']!], ...term };
    const event = announce(result);
    await identity.events.publish(event);
    await eventually(async () => expect(await mandatesOf(electionId)).toHaveLength(1));

    // Outside JetStream's duplicate window the same envelope is stored and delivered again.
    await identity.events.publish({ ...event, id: uuidv7() });
    await identity.events.publish(announce(result));
    // Events reach the consumer in order: once this later election is in, the repeats were handled.
    const later = uuidv7();
    await identity.events.publish(announce({ electionId: later, placeId: ids['b46']!, office: RepresentativeOffice.BUILDING_REPRESENTATIVE, electedUserIds: [ids['wangwu']!], ...term }));
    await eventually(async () => expect(await mandatesOf(later)).toHaveLength(1));

    expect(await mandatesOf(electionId)).toHaveLength(1);
    expect(await count(`SELECT count(*) AS n FROM identity_role_assignment WHERE user_id = $1 AND role = 'estate_representative'`, [ids['wangwu']])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM identity_audit WHERE action = 'mandate_recorded' AND details->>'decision' = $1`, [electionId])).toBe(1);
  });

  it('a result whose office does not fit the place, or naming someone unknown, records nothing', async () => {
    const wrongPlace = uuidv7();
    const unknownPerson = uuidv7();
    await identity.events.publish(announce({ electionId: wrongPlace, placeId: ids['b45']!, office: RepresentativeOffice.COUNCIL_MEMBER, electedUserIds: [ids['lisi']!], ...term }));
    await identity.events.publish(
      announce({ electionId: unknownPerson, placeId: ids['b46']!, office: RepresentativeOffice.BUILDING_REPRESENTATIVE, electedUserIds: [ids['lisi']!, uuidv7()], ...term }),
    );
    const later = uuidv7();
    await identity.events.publish(announce({ electionId: later, placeId: ids['bailian']!, office: RepresentativeOffice.COUNCIL_MEMBER, electedUserIds: [ids['zhangsan']!], ...term }));
    await eventually(async () => expect(await mandatesOf(later)).toHaveLength(1));

    expect(await mandatesOf(wrongPlace)).toEqual([]);
    expect(await mandatesOf(unknownPerson)).toEqual([]);
    expect(await identity.rpc.call(IdentityRpc.authorize, { userId: ids['lisi']!, placeId: ids['b46']!, permission: Permission.WRITE })).toMatchObject({ allowed: false });
  });

  it('the public list of an estate’s representatives in office shows masked names and phones, never in full', async () => {
    const chen = (await identity.rpc.call(IdentityRpc.registerUser, { name: '陈大文', login: '13912345678', password: 'long enough password' })).id;
    const electionId = uuidv7();
    await identity.events.publish(announce({ electionId, placeId: ids['bailian-xincun']!, office: RepresentativeOffice.ESTATE_REPRESENTATIVE, electedUserIds: [chen], ...term }));
    await eventually(async () => expect(await mandatesOf(electionId)).toHaveLength(1));

    const board = await identity.rpc.call(IdentityRpc.listRepresentatives, { placeId: ids['bailian-xincun']! });
    expect(board.representatives).toContainEqual(
      expect.objectContaining({ role: Role.ESTATE_REPRESENTATIVE, placeId: ids['bailian-xincun'], maskedName: '陈**', maskedPhone: '139****5678', termEnd: term.termEnd }),
    );
    // Estate representatives first, then each building's; the council above the estate is not its board.
    expect(board.representatives.map((representative) => [representative.role, representative.placeNameZh])).toEqual([
      [Role.ESTATE_REPRESENTATIVE, 'bailian-xincun'],
      [Role.ESTATE_REPRESENTATIVE, 'bailian-xincun'],
      [Role.BUILDING_REPRESENTATIVE, 'b45'],
      [Role.BUILDING_REPRESENTATIVE, 'b45'],
      [Role.BUILDING_REPRESENTATIVE, 'b46'],
    ]);
    const shown = JSON.stringify(board);
    for (const secret of ['陈大文', '大文', '13912345678', '12345678', 'zhangsan', 'lisi', 'wangwu']) expect(shown).not.toContain(secret);
  });
});
