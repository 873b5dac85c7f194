/**
 * Columns sent to Postgres as one array parameter each (`$n::type[]`), for statements that write
 * many rows at once. Ids, integers, hashes, dates and moments go in Postgres's binary array format:
 * nothing to escape on our side and nothing to parse on the server's, which otherwise read every
 * UUID, bigint, digest, date and timestamp from text. Text goes as array literals (Postgres reads
 * those about as fast as binary).
 */
export type ArrayParameter = string | Buffer;

/** A column of text, or of values Postgres reads from text (JSON): null is SQL NULL. */
export type TextColumn = readonly (string | null)[];

const ESCAPED = /["\\]/g;

/**
 * The column as a Postgres array literal. node-postgres builds the same literal but runs two
 * regular-expression replacements over every element; most elements need neither.
 */
export function textArray(column: TextColumn): string {
  let literal = '{';
  for (let index = 0; index < column.length; index += 1) {
    if (index > 0) literal += ',';
    const value = column[index];
    if (value === null || value === undefined) literal += 'NULL';
    else literal += value.includes('"') || value.includes('\\') ? `"${value.replace(ESCAPED, '\\$&')}"` : `"${value}"`;
  }
  return `${literal}}`;
}

/** Element type oids of the binary columns (pg_type). */
const OID = { bytea: 17, int2: 21, int8: 20, date: 1082, timestamptz: 1184, uuid: 2950 } as const;

export const uuidArray = (column: readonly (string | null)[]): Buffer => binaryArray(OID.uuid, () => 16, column, writeUuid);
export const int8Array = (column: readonly (bigint | null)[]): Buffer =>
  binaryArray(OID.int8, () => 8, column, (buffer, offset, value) => buffer.writeBigInt64BE(value, offset));
export const int2Array = (column: readonly (number | null)[]): Buffer =>
  binaryArray(OID.int2, () => 2, column, (buffer, offset, value) => buffer.writeInt16BE(value, offset));
/** Bytes given as hex (digests), sent as `bytea[]`; '' and null are SQL NULL. */
export const hexByteaArray = (column: readonly (string | null)[]): Buffer =>
  binaryArray(OID.bytea, hexBytes, column.map((value) => value || null), writeHex);
/** Moments, as Postgres stores them: microseconds since 2000-01-01 UTC. */
export const timestamptzArray = (column: readonly (Date | null)[]): Buffer => binaryArray(OID.timestamptz, () => 8, column, writeMoment);
/** Calendar dates given as YYYY-MM-DD, as Postgres stores them: days since 2000-01-01. */
export const dateArray = (column: readonly (string | null)[]): Buffer => binaryArray(OID.date, () => 4, column, writeDate);

/**
 * A one-dimensional array in Postgres's binary format (array_send): dimensions, a has-nulls flag,
 * the element type, the length and lower bound, then each element as its length (-1 for NULL)
 * and its bytes.
 */
function binaryArray<T>(
  oid: number,
  sizeOf: (value: T) => number,
  column: readonly (T | null)[],
  write: (buffer: Buffer, offset: number, value: T) => void,
): Buffer {
  let nulls = 0;
  let bytes = 0;
  for (const value of column) {
    if (value === null) nulls += 1;
    else bytes += sizeOf(value);
  }
  const dimensions = column.length === 0 ? 0 : 1;
  const buffer = Buffer.allocUnsafe(12 + dimensions * 8 + column.length * 4 + bytes);
  buffer.writeInt32BE(dimensions, 0);
  buffer.writeInt32BE(nulls > 0 ? 1 : 0, 4);
  buffer.writeInt32BE(oid, 8);
  let offset = 12;
  if (dimensions > 0) {
    buffer.writeInt32BE(column.length, offset);
    buffer.writeInt32BE(1, offset + 4);
    offset += 8;
  }
  for (const value of column) {
    if (value === null) {
      buffer.writeInt32BE(-1, offset);
      offset += 4;
      continue;
    }
    const size = sizeOf(value);
    buffer.writeInt32BE(size, offset);
    write(buffer, offset + 4, value);
    offset += 4 + size;
  }
  return buffer;
}

/** Hex digit values by character code; -1 where the character is not a hex digit. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (const [digits, base] of [['0123456789', 0], ['abcdef', 10], ['ABCDEF', 10]] as const) {
  for (let index = 0; index < digits.length; index += 1) HEX_VALUE[digits.charCodeAt(index)] = base + index;
}
const DASH = 45;

/** Writes the UUID's 16 bytes; anything not in the 8-4-4-4-12 hex form is refused rather than garbled. */
function writeUuid(buffer: Buffer, offset: number, uuid: string): void {
  if (uuid.length !== 36) throw notUuid(uuid);
  let byte = offset;
  for (let at = 0; at < 36; at += 2) {
    if (at === 8 || at === 13 || at === 18 || at === 23) {
      if (uuid.charCodeAt(at) !== DASH) throw notUuid(uuid);
      at -= 1;
      continue;
    }
    const high = hexValue(uuid.charCodeAt(at));
    const low = hexValue(uuid.charCodeAt(at + 1));
    if (high < 0 || low < 0) throw notUuid(uuid);
    buffer[byte++] = (high << 4) | low;
  }
}

const hexValue = (code: number): number => (code < 128 ? HEX_VALUE[code]! : -1);
const notUuid = (value: string): TypeError => new TypeError(`not a UUID: ${value}`);

const hexBytes = (hex: string): number => {
  if (hex.length % 2 !== 0) throw notHex(hex);
  return hex.length / 2;
};

/** Writes the bytes the hex spells; Node stops at the first pair that is not hex, which is refused rather than truncated. */
function writeHex(buffer: Buffer, offset: number, hex: string): void {
  if (buffer.write(hex, offset, hex.length / 2, 'hex') !== hex.length / 2) throw notHex(hex);
}

const notHex = (value: string): TypeError => new TypeError(`not hex bytes: ${value}`);

/** Postgres's epoch, 2000-01-01 UTC, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const MS_PER_DAY = 86_400_000;
const TWO_TO_32 = 2 ** 32;

/** Writes the moment as a 64-bit count of microseconds, in two halves (a JS number holds it exactly from 1715 to 2285). */
function writeMoment(buffer: Buffer, offset: number, moment: Date): void {
  const micros = (moment.getTime() - POSTGRES_EPOCH_MS) * 1000;
  if (!Number.isSafeInteger(micros)) throw new TypeError(`not a moment Postgres can store exactly: ${String(moment)}`);
  const high = Math.floor(micros / TWO_TO_32);
  buffer.writeInt32BE(high, offset);
  buffer.writeUInt32BE(micros - high * TWO_TO_32, offset + 4);
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The last date written: a batch's rows mostly share one. */
let lastDate = { text: '', days: 0 };

/** Writes the date as days since 2000-01-01; text that is not a real YYYY-MM-DD date is refused rather than rolled over. */
function writeDate(buffer: Buffer, offset: number, date: string): void {
  if (date !== lastDate.text) lastDate = { text: date, days: daysSinceEpoch(date) };
  buffer.writeInt32BE(lastDate.days, offset);
}

function daysSinceEpoch(date: string): number {
  const [, year, month, day] = CALENDAR_DATE.exec(date)?.map(Number) ?? [];
  const moment = new Date(POSTGRES_EPOCH_MS);
  // setUTCFullYear, unlike Date.UTC, reads years 0–99 as they are.
  moment.setUTCFullYear(year ?? NaN, (month ?? NaN) - 1, day ?? NaN);
  if (moment.getUTCFullYear() !== year || moment.getUTCMonth() !== month! - 1 || moment.getUTCDate() !== day) {
    throw new TypeError(`not a calendar date: ${date}`);
  }
  return (moment.getTime() - POSTGRES_EPOCH_MS) / MS_PER_DAY;
}

/** One column of a multi-row write: what to read from each row, sent as one array parameter. */
export type Column<R> = (rows: readonly R[]) => ArrayParameter;

/** Columns of one kind: each row's value read, the whole column encoded as one parameter. */
const columnOf =
  <V>(encode: (values: readonly V[]) => ArrayParameter) =>
  <R>(read: (row: R) => V): Column<R> =>
  (rows) =>
    encode(rows.map(read));

export const uuidColumn = columnOf<string | null>(uuidArray);
export const int8Column = columnOf<bigint | null>(int8Array);
export const int2Column = columnOf<number>(int2Array);
export const textColumn = columnOf<string | null>(textArray);
export const hexByteaColumn = columnOf<string | null>(hexByteaArray);
export const timestamptzColumn = columnOf<Date | null>(timestamptzArray);
export const dateColumn = columnOf<string | null>(dateArray);
