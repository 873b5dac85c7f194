import { Client } from 'pg';

import { hexByteaArray, int2Array, int8Array, textArray, uuidArray, type ArrayParameter } from './array-parameters';

/** Postgres itself reads the parameters back: what it parses is what was meant. */
describe('array parameters', () => {
  const client = new Client({ connectionString: process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  const roundTrip = async (parameter: ArrayParameter, type: string): Promise<unknown[]> =>
    ((await client.query(`SELECT $1::${type}[]::text[] AS v`, [parameter])).rows[0] as { v: unknown[] }).v;

  it('keeps text exactly, whatever it holds', async () => {
    const texts = ['', 'NULL', 'null', 'a,b', '{x}', 'say "hi"', 'C:\\path\\', '\\"', ' padded ', '楼道扶手 55,000.00', 'line\nbreak', '{"k":"v"}'];
    expect(await roundTrip(textArray(texts), 'text')).toEqual(texts);
    expect(await roundTrip(textArray([null, 'x', null]), 'text')).toEqual([null, 'x', null]);
  });

  it('sends UUIDs in binary, nulls included, in either case', async () => {
    const ids = ['0190c6f4-7a1e-7cc2-9b7d-3f2a1d4e5b6c', null, 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF'];
    expect(await roundTrip(uuidArray(ids), 'uuid')).toEqual(['0190c6f4-7a1e-7cc2-9b7d-3f2a1d4e5b6c', null, 'ffffffff-ffff-4fff-bfff-ffffffffffff']);
  });

  it('refuses a malformed UUID instead of writing other bytes', () => {
    for (const bad of ['0190c6f4-7a1e-7cc2-9b7d-3f2a1d4e5b6', '0190c6f4-7a1e-7cc2-9b7d-3f2a1d4e5b6g', '0190c6f47a1e-7cc2-9b7d-3f2a1d4e5b6c-', '']) {
      expect(() => uuidArray([bad])).toThrow(TypeError);
    }
  });

  it('sends integers in binary across their whole range', async () => {
    expect(await roundTrip(int8Array([0n, -1n, 9223372036854775807n, -9223372036854775808n, null]), 'bigint')).toEqual([
      '0',
      '-1',
      '9223372036854775807',
      '-9223372036854775808',
      null,
    ]);
    expect(await roundTrip(int2Array([0, 1, 32767, -32768, null]), 'smallint')).toEqual(['0', '1', '32767', '-32768', null]);
  });

  it('sends hex digests as bytes, with empty and null as NULL', async () => {
    const digest = 'a0'.repeat(31) + 'fF';
    expect(await roundTrip(hexByteaArray([digest, '', null, '00']), 'bytea')).toEqual([`\\x${digest.toLowerCase()}`, null, null, '\\x00']);
  });

  it('refuses what is not hex instead of writing fewer bytes', () => {
    for (const bad of ['abc', 'zz', 'a0g1', '0x00']) expect(() => hexByteaArray([bad])).toThrow(TypeError);
  });

  it('sends an empty column as an empty array', async () => {
    expect(await roundTrip(uuidArray([]), 'uuid')).toEqual([]);
    expect(await roundTrip(int8Array([]), 'bigint')).toEqual([]);
    expect(await roundTrip(textArray([]), 'text')).toEqual([]);
    expect(await roundTrip(hexByteaArray([]), 'bytea')).toEqual([]);
  });
});
