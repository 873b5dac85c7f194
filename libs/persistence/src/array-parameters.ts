import { daysSince2000, POSTGRES_EPOCH_MS } from './calendar-date';

/**
 * Columns sent to Postgres as one array parameter each (`$n::type[]`), for statements that write
 * many rows at once. Ids, integers, hashes, dates and moments go in Postgres's binary array format:
 * nothing to escape on our side and nothing to parse on the server's, which otherwise read every
 * UUID, bigint, digest, date and timestamp from text. Text goes in binary too: no literal to build
 * and escape here, and none for node-postgres to encode again.
 */
export type ArrayParameter = Buffer;

/** Element type oids of the binary columns (pg_type). */
const OID = { bytea: 17, int2: 21, int8: 20, text: 25, date: 1082, timestamptz: 1184, uuid: 2950 } as const;

/** A column of text (JSON included): null is SQL NULL. */
export type TextColumn = readonly (string | null)[];

/**
 * The column as `text[]` in binary: each element's UTF-8 bytes. Most of a journal's text is short
 * and ASCII (kinds, sides, currencies, empty memos), which is copied a character at a time, faster
 * than a call into Node's encoder; long or other values are encoded by Node. Room is made for the
 * worst case, three bytes per UTF-16 unit.
 */
export const textArray = (column: TextColumn): Buffer => binaryArray(OID.text, (value) => value.length * 3, column, writeText);

const SHORT_TEXT = 64;

function writeText(buffer: Buffer, offset: number, value: string): number {
  return writeAscii(buffer, offset, value) ?? buffer.write(value, offset, 'utf8');
}

/** Copies a short ASCII string byte by byte and returns its length; undefined (to be written again) if it is long or not ASCII. */
function writeAscii(buffer: Buffer, offset: number, value: string): number | undefined {
  if (value.length > SHORT_TEXT) return undefined;
  for (let at = 0; at < value.length; at += 1) {
    const code = value.charCodeAt(at);
    if (code >= 0x80) return undefined;
    buffer[offset + at] = code;
  }
  return value.length;
}

export const uuidArray = (column: readonly (string | null)[]): Buffer => binaryArray(OID.uuid, () => 16, column, writeUuid);
export const int8Array = (column: readonly (bigint | null)[]): Buffer =>
  binaryArray(OID.int8, () => 8, column, (buffer, offset, value) => buffer.writeBigInt64BE(value, offset) - offset);
export const int2Array = (column: readonly (number | null)[]): Buffer =>
  binaryArray(OID.int2, () => 2, column, (buffer, offset, value) => buffer.writeInt16BE(value, offset) - offset);
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
 * and its bytes. `roomFor` is an element's size, or at most its size where only writing it tells
 * (text); `write` writes it and returns its size.
 */
function binaryArray<T>(
  oid: number,
  roomFor: (value: T) => number,
  column: readonly (T | null)[],
  write: (buffer: Buffer, offset: number, value: T) => number,
): Buffer {
  let nulls = 0;
  let room = 0;
  for (const value of column) {
    if (value === null || value === undefined) nulls += 1;
    else room += roomFor(value);
  }
  const buffer = Buffer.allocUnsafe(arrayHeaderBytes(column.length) + column.length * 4 + room);
  let offset = writeArrayHeader(buffer, oid, column.length, nulls > 0);
  for (const value of column) {
    if (value === null || value === undefined) {
      buffer.writeInt32BE(-1, offset);
      offset += 4;
      continue;
    }
    const size = write(buffer, offset + 4, value);
    buffer.writeInt32BE(size, offset);
    offset += 4 + size;
  }
  return offset === buffer.length ? buffer : buffer.subarray(0, offset);
}

/** Dimensions, a has-nulls flag and the element type; then, unless the array is empty, its length and lower bound. */
const arrayHeaderBytes = (length: number): number => (length === 0 ? 12 : 20);

function writeArrayHeader(buffer: Buffer, oid: number, length: number, hasNulls: boolean): number {
  buffer.writeInt32BE(length === 0 ? 0 : 1, 0);
  buffer.writeInt32BE(hasNulls ? 1 : 0, 4);
  buffer.writeInt32BE(oid, 8);
  if (length === 0) return 12;
  buffer.writeInt32BE(length, 12);
  buffer.writeInt32BE(1, 16);
  return 20;
}

/** Hex digit values by character code; -1 where the character is not a hex digit. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (const [digits, base] of [['0123456789', 0], ['abcdef', 10], ['ABCDEF', 10]] as const) {
  for (let index = 0; index < digits.length; index += 1) HEX_VALUE[digits.charCodeAt(index)] = base + index;
}
const DASH = 45;

/** Writes the UUID's 16 bytes; anything not in the 8-4-4-4-12 hex form is refused rather than garbled. */
function writeUuid(buffer: Buffer, offset: number, uuid: string): number {
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
  return 16;
}

const hexValue = (code: number): number => (code < 128 ? HEX_VALUE[code]! : -1);
const notUuid = (value: string): TypeError => new TypeError(`not a UUID: ${value}`);

const hexBytes = (hex: string): number => {
  if (hex.length % 2 !== 0) throw notHex(hex);
  return hex.length / 2;
};

/** Writes the bytes the hex spells; Node stops at the first pair that is not hex, which is refused rather than truncated. */
function writeHex(buffer: Buffer, offset: number, hex: string): number {
  const size = hex.length / 2;
  if (buffer.write(hex, offset, size, 'hex') !== size) throw notHex(hex);
  return size;
}

const notHex = (value: string): TypeError => new TypeError(`not hex bytes: ${value}`);

const TWO_TO_32 = 2 ** 32;

/** Writes the moment as a 64-bit count of microseconds, in two halves (a JS number holds it exactly from 1715 to 2285). */
function writeMoment(buffer: Buffer, offset: number, moment: Date): number {
  const micros = (moment.getTime() - POSTGRES_EPOCH_MS) * 1000;
  if (!Number.isSafeInteger(micros)) throw new TypeError(`not a moment Postgres can store exactly: ${String(moment)}`);
  const high = Math.floor(micros / TWO_TO_32);
  buffer.writeInt32BE(high, offset);
  return buffer.writeUInt32BE(micros - high * TWO_TO_32, offset + 4) - offset;
}

/** The last date written: a batch's rows mostly share one. */
let lastDate = { text: '', days: 0 };

/** Writes the date as days since 2000-01-01; text that is not a real YYYY-MM-DD date is refused rather than rolled over. */
function writeDate(buffer: Buffer, offset: number, date: string): number {
  if (date !== lastDate.text) lastDate = { text: date, days: daysSince2000(date) ?? notCalendarDate(date) };
  return buffer.writeInt32BE(lastDate.days, offset) - offset;
}

const notCalendarDate = (value: string): never => {
  throw new TypeError(`not a calendar date: ${value}`);
};

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
