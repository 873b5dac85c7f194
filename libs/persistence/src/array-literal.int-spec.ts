import { Client } from 'pg';

import { arrayLiteral, type ArrayColumn } from './array-literal';

/** Postgres itself reads the literals back: what it parses is what was meant. */
describe('arrayLiteral', () => {
  const client = new Client({ connectionString: process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  const roundTrip = async (column: ArrayColumn, type: string): Promise<unknown[]> =>
    ((await client.query(`SELECT $1::${type}[] AS v`, [arrayLiteral(column)])).rows[0] as { v: unknown[] }).v;

  it('keeps text exactly, whatever it holds', async () => {
    const texts = ['', 'NULL', 'null', 'a,b', '{x}', 'say "hi"', 'C:\\path\\', '\\"', ' padded ', '楼道扶手 55,000.00', 'line\nbreak', '{"k":"v"}'];
    expect(await roundTrip(texts, 'text')).toEqual(texts);
  });

  it('writes null as SQL NULL and numbers as numbers', async () => {
    expect(await roundTrip([null, 'x', null], 'text')).toEqual([null, 'x', null]);
    expect(await roundTrip([0, 1, 32767, null], 'smallint')).toEqual([0, 1, 32767, null]);
    expect(await roundTrip(['9007199254740993', '-1'], 'bigint')).toEqual(['9007199254740993', '-1']);
  });

  it('writes an empty column as an empty array', async () => {
    expect(await roundTrip([], 'uuid')).toEqual([]);
  });
});
