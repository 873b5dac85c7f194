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

/** The column as `text[]` in binary: each element's UTF-8 bytes. */
export const textArray = (column: TextColumn): Buffer => sizedArray(TEXT, column);

const SHORT_TEXT = 64;

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

/** The buffer an array is written into, with a view for its integers (DataView's are several times faster than Buffer's). */
interface Out {
  readonly bytes: Buffer;
  readonly view: DataView;
}

/** An element type of the binary array format: its oid, and how to write one, returning its size. */
interface Element<T> {
  readonly oid: number;
  readonly write: (out: Out, offset: number, value: T) => number;
}

/** Elements of one size, whose room is known before any is read. */
interface FixedElement<T> extends Element<T> {
  readonly size: number;
}

/** Elements whose room (at most their size, where only writing one tells, as for text) is known once each is read. */
interface SizedElement<T> extends Element<T> {
  readonly room: (value: T) => number;
}

/**
 * Text, with room for the worst case: three bytes per UTF-16 unit. Most of a journal's text is short
 * and ASCII (kinds, sides, currencies, empty memos), which is copied a character at a time, faster
 * than a call into Node's encoder; long or other values are encoded by Node.
 */
const TEXT: SizedElement<string> = {
  oid: OID.text,
  room: (value) => value.length * 3,
  write: ({ bytes }, offset, value) => writeAscii(bytes, offset, value) ?? bytes.write(value, offset, 'utf8'),
};

const fixed = <T>(oid: number, size: number, write: (view: DataView, offset: number, value: T, bytes: Buffer) => void): FixedElement<T> => ({
  oid,
  size,
  write: ({ view, bytes }, offset, value) => {
    write(view, offset, value, bytes);
    return size;
  },
});

const UUID = fixed<string>(OID.uuid, 16, (_view, offset, value, bytes) => writeUuid(bytes, offset, value));
const INT8_MAX = 2n ** 63n - 1n;
const INT8_MIN = -INT8_MAX - 1n;
const INT8 = fixed<bigint>(OID.int8, 8, (view, offset, value) => {
  // DataView would wrap a larger value around rather than refuse it.
  if (value > INT8_MAX || value < INT8_MIN) throw new RangeError(`not a bigint Postgres can store: ${value}`);
  view.setBigInt64(offset, value);
});
const INT2 = fixed<number>(OID.int2, 2, (view, offset, value) => {
  // DataView would wrap a larger value around rather than refuse it.
  if (value !== (value << 16) >> 16) throw new RangeError(`not a smallint: ${value}`);
  view.setInt16(offset, value);
});
const TIMESTAMPTZ = fixed<Date>(OID.timestamptz, 8, writeMoment);
const DATE = fixed<string>(OID.date, 4, writeDate);
/** Bytes given as hex (digests); '' is written as NULL, like null. */
const HEX_BYTEA: SizedElement<string> = { oid: OID.bytea, room: hexBytes, write: ({ bytes }, offset, hex) => writeHex(bytes, offset, hex) };

const itself = <T>(value: T): T => value;

export const uuidArray = (column: readonly (string | null)[]): Buffer => fixedArray(UUID, column, itself);
export const int8Array = (column: readonly (bigint | null)[]): Buffer => fixedArray(INT8, column, itself);
export const int2Array = (column: readonly (number | null)[]): Buffer => fixedArray(INT2, column, itself);
/** Bytes given as hex (digests), sent as `bytea[]`; '' and null are SQL NULL. */
export const hexByteaArray = (column: readonly (string | null)[]): Buffer => sizedArray(HEX_BYTEA, column.map((value) => value || null));
/** Moments, as Postgres stores them: microseconds since 2000-01-01 UTC. */
export const timestamptzArray = (column: readonly (Date | null)[]): Buffer => fixedArray(TIMESTAMPTZ, column, itself);
/** Calendar dates given as YYYY-MM-DD, as Postgres stores them: days since 2000-01-01. */
export const dateArray = (column: readonly (string | null)[]): Buffer => fixedArray(DATE, column, itself);

/**
 * A one-dimensional array in Postgres's binary format (array_send): dimensions, a has-nulls flag,
 * the element type, the length and lower bound, then each element as its length (-1 for NULL)
 * and its bytes. `room` is at least what the elements take; each is read from its row as it is
 * written.
 */
function binaryArray<R, T>(element: Element<T>, rows: readonly R[], read: (row: R) => T | null | undefined, room: number): Buffer {
  const out = outFor(arrayHeaderBytes(rows.length) + rows.length * 4 + room);
  let offset = writeArrayHeader(out.view, element.oid, rows.length);
  let nulls = 0;
  for (const row of rows) {
    const value = read(row);
    if (value === null || value === undefined) {
      nulls += 1;
      out.view.setInt32(offset, -1);
      offset += 4;
      continue;
    }
    const size = element.write(out, offset + 4, value);
    out.view.setInt32(offset, size);
    offset += 4 + size;
  }
  return finished(out, offset, nulls);
}

/** Elements of one size: room is made as if none were NULL, and the rows are read in one pass. */
const fixedArray = <R, T>(element: FixedElement<T>, rows: readonly R[], read: (row: R) => T | null | undefined): Buffer =>
  binaryArray(element, rows, read, rows.length * element.size);

/** Elements whose room is known only once each is read (text, hex). */
function sizedArray<T>(element: SizedElement<T>, column: readonly (T | null | undefined)[]): Buffer {
  let room = 0;
  for (const value of column) if (value !== null && value !== undefined) room += element.room(value);
  return binaryArray(element, column, itself, room);
}

function outFor(room: number): Out {
  const bytes = Buffer.allocUnsafe(room);
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Sets the has-nulls flag, now that the elements are written, and cuts the room left over. */
function finished({ bytes, view }: Out, length: number, nulls: number): Buffer {
  view.setInt32(4, nulls > 0 ? 1 : 0);
  return length === bytes.length ? bytes : bytes.subarray(0, length);
}

/** Dimensions, a has-nulls flag and the element type; then, unless the array is empty, its length and lower bound. */
const arrayHeaderBytes = (length: number): number => (length === 0 ? 12 : 20);

/** Writes the header, with the has-nulls flag left for `finished`. */
function writeArrayHeader(view: DataView, oid: number, length: number): number {
  view.setInt32(0, length === 0 ? 0 : 1);
  view.setInt32(8, oid);
  if (length === 0) return 12;
  view.setInt32(12, length);
  view.setInt32(16, 1);
  return 20;
}

/** Hex digit values by character code; -1 where the character is not a hex digit. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (const [digits, base] of [['0123456789', 0], ['abcdef', 10], ['ABCDEF', 10]] as const) {
  for (let index = 0; index < digits.length; index += 1) HEX_VALUE[digits.charCodeAt(index)] = base + index;
}

/** Byte values by pair of character codes (`first << 7 | second`, both below 128); -1 where either is not a hex digit. */
const HEX_PAIR = new Int16Array(1 << 14).fill(-1);
for (let first = 0; first < 128; first += 1) {
  for (let second = 0; second < 128; second += 1) {
    if (HEX_VALUE[first]! >= 0 && HEX_VALUE[second]! >= 0) HEX_PAIR[(first << 7) | second] = (HEX_VALUE[first]! << 4) | HEX_VALUE[second]!;
  }
}

/** Where each of a UUID's 16 bytes starts in its 8-4-4-4-12 text. */
const UUID_BYTE_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const DASH = 45;

/** Writes the UUID's 16 bytes; anything not in the 8-4-4-4-12 hex form is refused rather than garbled. */
function writeUuid(buffer: Buffer, offset: number, uuid: string): void {
  const dashed = uuid.charCodeAt(8) === DASH && uuid.charCodeAt(13) === DASH && uuid.charCodeAt(18) === DASH && uuid.charCodeAt(23) === DASH;
  if (uuid.length !== 36 || !dashed) throw notUuid(uuid);
  let bad = 0;
  for (let byte = 0; byte < 16; byte += 1) {
    const at = UUID_BYTE_AT[byte]!;
    const first = uuid.charCodeAt(at);
    const second = uuid.charCodeAt(at + 1);
    const value = (first | second) < 128 ? HEX_PAIR[(first << 7) | second]! : -1;
    bad |= value;
    buffer[offset + byte] = value;
  }
  if (bad < 0) throw notUuid(uuid);
}

const notUuid = (value: string): TypeError => new TypeError(`not a UUID: ${value}`);

function hexBytes(hex: string): number {
  if (hex.length % 2 !== 0) throw notHex(hex);
  return hex.length / 2;
}

/** Writes the bytes the hex spells; Node stops at the first pair that is not hex, which is refused rather than truncated. */
function writeHex(buffer: Buffer, offset: number, hex: string): number {
  const size = hex.length / 2;
  if (buffer.write(hex, offset, size, 'hex') !== size) throw notHex(hex);
  return size;
}

const notHex = (value: string): TypeError => new TypeError(`not hex bytes: ${value}`);

const TWO_TO_32 = 2 ** 32;

/** Writes the moment as a 64-bit count of microseconds, in two halves (a JS number holds it exactly from 1715 to 2285). */
function writeMoment(view: DataView, offset: number, moment: Date): void {
  const micros = (moment.getTime() - POSTGRES_EPOCH_MS) * 1000;
  if (!Number.isSafeInteger(micros)) throw new TypeError(`not a moment Postgres can store exactly: ${String(moment)}`);
  const high = Math.floor(micros / TWO_TO_32);
  view.setInt32(offset, high);
  view.setUint32(offset + 4, micros - high * TWO_TO_32);
}

/** The last date written: a batch's rows mostly share one. */
let lastDate = { text: '', days: 0 };

/** Writes the date as days since 2000-01-01; text that is not a real YYYY-MM-DD date is refused rather than rolled over. */
function writeDate(view: DataView, offset: number, date: string): void {
  if (date !== lastDate.text) lastDate = { text: date, days: daysSince2000(date) ?? notCalendarDate(date) };
  view.setInt32(offset, lastDate.days);
}

const notCalendarDate = (value: string): never => {
  throw new TypeError(`not a calendar date: ${value}`);
};

/** One column of a multi-row write: what to read from each row, sent as one array parameter. */
export type Column<R> = (rows: readonly R[]) => ArrayParameter;

/** Columns of one size, read from the rows as they are written. */
const fixedColumn =
  <T>(element: FixedElement<T>) =>
  <R>(read: (row: R) => T | null): Column<R> =>
  (rows) =>
    fixedArray(element, rows, read);

/** Columns whose values are read first, to make room for them. */
const sizedColumn =
  <V>(encode: (values: readonly V[]) => ArrayParameter) =>
  <R>(read: (row: R) => V): Column<R> =>
  (rows) =>
    encode(rows.map(read));

export const uuidColumn = fixedColumn(UUID);
export const int8Column = fixedColumn(INT8);
export const textColumn = sizedColumn<string | null>(textArray);
export const hexByteaColumn = sizedColumn<string | null>(hexByteaArray);
export const timestamptzColumn = fixedColumn(TIMESTAMPTZ);
export const dateColumn = fixedColumn(DATE);
