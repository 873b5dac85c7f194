import { Client } from 'pg';

import { dateArray, hexByteaArray, int2Array, int8Array, textArray, timestamptzArray, uuidArray, type ArrayParameter } from './array-parameters';

/** Postgres itself reads the parameters back: what it parses is what was meant. */
describe('array parameters', () => {
  const client = new Client({ connectionString: process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  const roundTrip = async (parameter: ArrayParameter, type: string): Promise<unknown[]> =>
    ((await client.query(`SELECT $1::${type}[]::text[] AS v`, [parameter])).rows[0] as { v: unknown[] }).v;

  it('keeps text exactly, whatever it holds', async () => {
    const texts = ['', 'NULL', 'null', 'a,b', '{x}', 'say "hi"', 'C:\\path\\', '\\"', ' padded ', '楼道扶手 55,000.00', 'line\nbreak', '{"k":"v"}', '🏠 楼 é', 'x'.repeat(65), `${'长'.repeat(40)}${'y'.repeat(40)}`];
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

  it('refuses an integer out of its range instead of wrapping it around', () => {
    expect(() => int8Array([9223372036854775808n])).toThrow(RangeError);
    expect(() => int8Array([-9223372036854775809n])).toThrow(RangeError);
    expect(() => int2Array([32768])).toThrow(RangeError);
    expect(() => int2Array([-32769])).toThrow(RangeError);
    expect(() => int2Array([1.5])).toThrow(RangeError);
  });

  it('sends hex digests as bytes, with empty and null as NULL', async () => {
    const digest = 'a0'.repeat(31) + 'fF';
    expect(await roundTrip(hexByteaArray([digest, '', null, '00']), 'bytea')).toEqual([`\\x${digest.toLowerCase()}`, null, null, '\\x00']);
  });

  it('refuses what is not hex instead of writing fewer bytes', () => {
    for (const bad of ['abc', 'zz', 'a0g1', '0x00']) expect(() => hexByteaArray([bad])).toThrow(TypeError);
  });

  /** Whether Postgres reads the binary column as the same values it parses from their text. */
  const readsAsText = async (parameter: ArrayParameter, texts: readonly (string | null)[], type: string): Promise<boolean> =>
    ((await client.query(`SELECT $1::${type}[] = $2::text[]::${type}[] AS same`, [parameter, textArray(texts)])).rows[0] as { same: boolean }).same;

  it('sends moments in binary, to the millisecond, on both sides of 2000', async () => {
    const moments = ['2026-11-24T06:19:43.691Z', '2000-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2204-02-29T12:00:00.001Z'];
    expect(await readsAsText(timestamptzArray([...moments.map((moment) => new Date(moment)), null]), [...moments, null], 'timestamptz')).toBe(true);
    expect(await readsAsText(timestamptzArray([new Date(moments[0]!)]), [moments[1]!], 'timestamptz')).toBe(false);
  });

  it('refuses an invalid moment instead of writing another', () => {
    expect(() => timestamptzArray([new Date(Number.NaN)])).toThrow(TypeError);
    expect(() => timestamptzArray([new Date(8.64e15)])).toThrow(TypeError);
  });

  it('sends dates in binary, years before 100 included', async () => {
    const dates = ['2026-11-24', '2000-01-01', '1999-12-31', '2024-02-29', '0099-03-01', null];
    expect(await readsAsText(dateArray(dates), dates, 'date')).toBe(true);
    expect(await readsAsText(dateArray(['2026-11-24']), ['2026-11-25'], 'date')).toBe(false);
  });

  it('refuses what is not a calendar date instead of rolling it over', () => {
    for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-1-1', '26-01-01', '2026-01-01T00:00', '']) expect(() => dateArray([bad])).toThrow(TypeError);
  });

  it('sends an empty column as an empty array', async () => {
    expect(await roundTrip(uuidArray([]), 'uuid')).toEqual([]);
    expect(await roundTrip(int8Array([]), 'bigint')).toEqual([]);
    expect(await roundTrip(textArray([]), 'text')).toEqual([]);
    expect(await roundTrip(hexByteaArray([]), 'bytea')).toEqual([]);
    expect(await roundTrip(timestamptzArray([]), 'timestamptz')).toEqual([]);
    expect(await roundTrip(dateArray([]), 'date')).toEqual([]);
  });
});
