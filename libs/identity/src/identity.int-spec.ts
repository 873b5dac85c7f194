import ExcelJS from 'exceljs';

import { ElectorateKind, IdentityRpc, PlaceKind } from '@yishi/contracts';
import { InvalidArgumentError } from '@yishi/messaging';
import { startServiceFixture, type ServiceFixture } from '@yishi/service-kit';

import { identityService } from './index';

const HEADER = 'building,unit,door,type,floor_area,name,phone,relation';
/** Where the bad rosters below are wrong: line 2 in every field but unit and door, line 3 in its door. */
const BAD_LINES = [
  [2, 'building'],
  [2, 'type'],
  [2, 'floor_area'],
  [2, 'name'],
  [2, 'phone'],
  [2, 'relation'],
  [3, 'door'],
];

describe('identity: places, roster import and electorates', () => {
  let identity: ServiceFixture;
  let estateId: string;
  let communityId: string;

  beforeAll(async () => {
    identity = await startServiceFixture(identityService);
    const place = (parentId: string, kind: PlaceKind, code: string, nameZh: string) => identity.rpc.call(IdentityRpc.createPlace, { parentId, kind, code, nameZh });
    const district = await place('', PlaceKind.DISTRICT, 'xiangzhou', '香洲区');
    const street = await place(district.id, PlaceKind.STREET, 'jida', '吉大街道');
    const community = await place(street.id, PlaceKind.COMMUNITY, 'bailian', '百联社区');
    communityId = community.id;
    estateId = (await place(community.id, PlaceKind.ESTATE, 'bailian-xincun', '百联新村')).id;
  });

  afterAll(async () => {
    await identity.stop();
  });

  const count = async (table: string): Promise<number> => Number((await identity.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const counts = async () => [await count('identity_place'), await count('identity_household'), await count('identity_person'), await count('identity_household_member')];

  describe('roster import', () => {
    const good = [
      HEADER,
      'b45,u1,301,occupied,86.5,张三,13800001234,owner',
      'b45,u1,301,occupied,86.5,李四,,family',
      'b45,u1,302,vacant,72,王五,13900005678,owner',
      'b46,,101,occupied,,"赵六",13700009999,tenant',
    ].join('\n');

    it('refuses a file with bad lines, reporting every one of them, and writes nothing', async () => {
      const before = await counts();
      const bad = [HEADER, 'b45,u1,303,occupied,80,钱七,13800000000,owner', 'B-45,u1,304,rented,big,,12345,boss', 'b45,u1,,occupied,80,孙八,13800000001,owner'].join('\n');
      const preview = await identity.rpc.call(IdentityRpc.previewRoster, { estateId, csv: bad });
      expect(preview.valid).toBe(false);
      expect(preview.problems.map((problem) => [problem.line, problem.field])).toEqual(BAD_LINES);
      expect(await identity.rpc.call(IdentityRpc.applyRoster, { estateId, csv: bad })).toMatchObject({ applied: false, problems: preview.problems });
      expect(await counts()).toEqual(before);
    });

    it('applies a good file, and the same file again changes nothing', async () => {
      expect(await identity.rpc.call(IdentityRpc.previewRoster, { estateId, csv: good })).toMatchObject({ valid: true, lines: 4, households: 3, people: 4 });
      expect(await identity.rpc.call(IdentityRpc.applyRoster, { estateId, csv: good })).toMatchObject({
        applied: true,
        buildingsCreated: 2,
        householdsCreated: 3,
        peopleCreated: 4,
      });
      const after = await counts();
      expect(await identity.rpc.call(IdentityRpc.applyRoster, { estateId, csv: good })).toMatchObject({
        applied: true,
        buildingsCreated: 0,
        householdsCreated: 0,
        peopleCreated: 0,
      });
      expect(await counts()).toEqual(after);
    });
  });

  describe('roster import from a workbook', () => {
    /** The lines as a spreadsheet would hold them: numbers where the cell is numeric. */
    const workbook = async (rows: (string | number | null)[][]): Promise<Uint8Array> => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('住户');
      for (const row of rows) sheet.addRow(row);
      return new Uint8Array(await book.xlsx.writeBuffer());
    };
    const toCsv = (rows: (string | number | null)[][]): string => rows.map((row) => row.map((cell) => cell ?? '').join(',')).join('\n');
    const header = HEADER.split(',');
    let plazaId: string;

    beforeAll(async () => {
      plazaId = (await identity.rpc.call(IdentityRpc.createPlace, { parentId: communityId, kind: PlaceKind.ESTATE, code: 'bailian-plaza', nameZh: '百联广场' })).id;
    });

    it('reports the same bad lines as the same roster in CSV, and writes nothing', async () => {
      const before = await counts();
      const bad = [header, ['b1', null, 101, 'occupied', 80, '钱七', 13800000000, 'owner'], ['B 1', null, 102, 'rented', 'big', null, 12345, 'boss'], ['b1', 'u1', null, 'vacant', 60.25, '孙八', null, 'owner']];
      const preview = await identity.rpc.call(IdentityRpc.previewRoster, { estateId: plazaId, xlsx: await workbook(bad) });
      expect(preview.valid).toBe(false);
      expect(preview.problems.map((problem) => [problem.line, problem.field])).toEqual(BAD_LINES);
      expect(preview.problems).toEqual((await identity.rpc.call(IdentityRpc.previewRoster, { estateId: plazaId, csv: toCsv(bad) })).problems);
      expect(await identity.rpc.call(IdentityRpc.applyRoster, { estateId: plazaId, xlsx: await workbook(bad) })).toMatchObject({ applied: false, problems: preview.problems });
      expect(await counts()).toEqual(before);
    });

    it('applies a good workbook, and the same workbook again changes nothing', async () => {
      const xlsx = await workbook([header, ['b1', 'u1', 101, 'occupied', 86.5, '周九', 13600001112, 'owner'], [], ['b1', 'u1', 101, 'occupied', 86.5, '吴十', null, 'family'], ['b2', null, 201, 'vacant', 72, '郑一', 13600001113, 'owner']]);
      expect(await identity.rpc.call(IdentityRpc.previewRoster, { estateId: plazaId, xlsx })).toMatchObject({ valid: true, lines: 3, households: 2, people: 3 });
      expect(await identity.rpc.call(IdentityRpc.applyRoster, { estateId: plazaId, xlsx })).toMatchObject({ applied: true, buildingsCreated: 2, householdsCreated: 2, peopleCreated: 3 });
      const after = await counts();
      expect(await identity.rpc.call(IdentityRpc.applyRoster, { estateId: plazaId, xlsx })).toMatchObject({ applied: true, buildingsCreated: 0, householdsCreated: 0, peopleCreated: 0 });
      expect(await counts()).toEqual(after);
      const [household]: { floor_area: string }[] = await identity.dataSource.query(
        `SELECT h.floor_area FROM identity_household h JOIN identity_place u ON u.id = h.place_id JOIN identity_place b ON b.id = u.parent_id WHERE b.parent_id = $1 AND h.door = '101'`,
        [plazaId],
      );
      expect(household).toEqual({ floor_area: '86.50' });
    });

    it('refuses bytes that are not a workbook, or a roster given both as CSV and as XLSX, naming the field', async () => {
      await expect(identity.rpc.call(IdentityRpc.previewRoster, { estateId: plazaId, xlsx: new TextEncoder().encode(HEADER) })).rejects.toEqual(
        expect.objectContaining({ constructor: InvalidArgumentError, violations: [{ field: 'xlsx', reason: 'is not an XLSX workbook' }] }),
      );
      await expect(identity.rpc.call(IdentityRpc.applyRoster, { estateId: plazaId, csv: HEADER, xlsx: await workbook([header]) })).rejects.toMatchObject({
        violations: [{ field: 'xlsx', reason: 'give the roster as CSV or as XLSX, not both' }],
      });
    });
  });

  describe('electorates', () => {
    it('a household snapshot of the estate has one voter per active household, and does not change when a household is added', async () => {
      const first = await identity.rpc.call(IdentityRpc.snapshotElectorate, { placeId: estateId, kind: ElectorateKind.HOUSEHOLDS });
      expect(first.voters.map((voter) => voter.label)).toEqual(['b45-u1-301', 'b45-u1-302', 'b46-101']);

      await identity.rpc.call(IdentityRpc.applyRoster, { estateId, csv: [HEADER, 'b46,,102,occupied,,周九,13600001111,owner'].join('\n') });
      await identity.dataSource.query(`UPDATE identity_household SET status = 'gone' WHERE door = '302'`);

      expect((await identity.rpc.call(IdentityRpc.getElectorate, { electorateId: first.id })).voters).toEqual(first.voters);
      const second = await identity.rpc.call(IdentityRpc.snapshotElectorate, { placeId: estateId, kind: ElectorateKind.HOUSEHOLDS });
      expect(second).toMatchObject({ version: first.version + 1 });
      expect(second.voters.map((voter) => voter.label)).toEqual(['b45-u1-301', 'b46-101', 'b46-102']);
      await expect(identity.dataSource.query(`DELETE FROM identity_electorate_voter WHERE electorate_id = $1`, [first.id])).rejects.toThrow(/immutable/);
    });
  });

  describe('places', () => {
    it('keep their history through renames and moves, and refuse a move below themselves', async () => {
      const estate = estateId;
      await identity.rpc.call(IdentityRpc.renamePlace, { placeId: estate, nameZh: '百联新村（一期）', nameEn: 'Bailian Xincun I' });
      const history = await identity.rpc.call(IdentityRpc.getPlaceHistory, { placeId: estate });
      expect(history.versions.map((version) => version.nameZh)).toEqual(['百联新村', '百联新村（一期）']);
      const building = (await identity.dataSource.query(`SELECT id FROM identity_place WHERE code = 'b45'`))[0].id as string;
      await expect(identity.rpc.call(IdentityRpc.movePlace, { placeId: building, newParentId: building })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(identity.rpc.call(IdentityRpc.createPlace, { parentId: building, kind: PlaceKind.COMMUNITY, code: 'x', nameZh: 'x' })).rejects.toMatchObject({
        violations: [{ field: 'parent_id', reason: 'a community cannot sit under building' }],
      });
    });
  });
});
