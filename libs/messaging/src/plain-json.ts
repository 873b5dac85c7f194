import { create, ScalarType, type DescEnum, type DescField, type DescMessage, type JsonObject, type JsonValue, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { getTextEncoding } from '@bufbuild/protobuf/wire';

/*
 * Messages read from and written as the plain proto3 JSON that travels on the bus, by functions
 * compiled for each message, without protobuf-es's general reader and writer (ADR 0024). They take
 * only the plain case and give up on anything else, which protobuf-es then reads or writes as
 * before; what they do return equals what protobuf-es returns (plain-json.spec.ts holds them to
 * that, on random messages of every contract).
 */

/**
 * A value read or written at a depth of nested messages, or GIVE_UP. Written values inside a
 * message made by `create` (rather than given as its fields) must be made messages too.
 */
type Convert = (value: unknown, depth: number, inMade: boolean) => unknown;

const GIVE_UP = Symbol('give up');

/** Deeper messages are left to protobuf-es, which refuses JSON nested beyond its recursion limit (100). */
const MAX_DEPTH = 32;

/**
 * The converter of each message, made on first use. It is registered before it is compiled, so
 * that a message that holds itself finds it.
 */
function cached(cache: WeakMap<DescMessage, Convert>, schema: DescMessage, compile: (schema: DescMessage) => Convert | undefined): Convert {
  let convert = cache.get(schema);
  if (convert) return convert;
  let compiled: Convert = () => GIVE_UP;
  convert = (value, depth, inMade) => compiled(value, depth, inMade);
  cache.set(schema, convert);
  compiled = compile(schema) ?? compiled;
  return convert;
}

/** A function from generated source: one object shape per message and plain property accesses, as in hand-written code. */
const generated = (body: string, converters: readonly Convert[]): Convert => new Function('f', 'GIVE_UP', body)(converters, GIVE_UP) as Convert;

/** Well-known types have JSON forms of their own (a timestamp is a string), left to protobuf-es. */
const isWellKnown = (schema: DescMessage): boolean => schema.typeName.startsWith('google.protobuf.');

// Reading

const readers = new WeakMap<DescMessage, Convert>();

/**
 * The message the JSON that `encodeMessage` writes stands for, as `fromJson` reads it; undefined
 * where anything is unusual (null, a proto field name, a number for an enum, a timestamp, an
 * unknown key, text that is not well-formed UTF-16), for `fromJson` to accept or refuse. It takes
 * keys by JSON name, strings, booleans, enums by name, nested messages, lists of these and maps of
 * strings to strings; protobuf-es's reader builds a Map, a Set and a key array for every message
 * it reads, five per transfer in a batch of entries.
 */
export function readPlainJson<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> | undefined {
  const message = messageReader(schema)(json, 0, false);
  return message === GIVE_UP ? undefined : (message as MessageShape<D>);
}

const messageReader = (schema: DescMessage): Convert => cached(readers, schema, compileReader);

/** A message literal with the zero values `create` gives, then a switch over the JSON names. */
function compileReader(schema: DescMessage): Convert | undefined {
  const zero = create(schema) as Record<string, unknown>;
  if (Object.getPrototypeOf(zero) !== Object.prototype) return undefined;
  const literal: string[] = [];
  for (const [name, value] of Object.entries(zero)) {
    const text = zeroLiteral(value);
    if (text === undefined) return undefined;
    literal.push(`${JSON.stringify(name)}: ${text}`);
  }
  const converters: Convert[] = [];
  const cases: string[] = [];
  for (const field of schema.fields) {
    const read = fieldReader(field);
    if (!read) continue;
    const index = converters.push(read) - 1;
    cases.push(`case ${JSON.stringify(field.jsonName)}: value = f[${index}](json[key], depth + 1, false); if (value === GIVE_UP) return GIVE_UP; message[${JSON.stringify(field.localName)}] = value; break;`);
  }
  return generated(
    `return (json, depth) => {
      if (depth > ${MAX_DEPTH} || typeof json !== 'object' || json === null || Array.isArray(json)) return GIVE_UP;
      const message = { ${literal.join(', ')} };
      let value;
      for (const key in json) {
        switch (key) {
          ${cases.join('\n')}
          default: return GIVE_UP;
        }
      }
      return message;
    };`,
    converters,
  );
}

/** A zero value as a literal: '', 0, false, a fresh [] for a list or {} for a map; undefined for anything else (bytes, int64). */
function zeroLiteral(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  return value?.constructor === Object && Object.keys(value).length === 0 ? '{}' : undefined;
}

/** How the field is read, or undefined where it is not (its key makes the reader give up). */
function fieldReader(field: DescField): Convert | undefined {
  if (field.oneof !== undefined) return undefined;
  switch (field.fieldKind) {
    case 'list': {
      const readItem = valueReader(field.listKind, field);
      return readItem && listOf(readItem);
    }
    case 'map':
      return isStringMap(field) ? readStringMap : undefined;
    default:
      return valueReader(field.fieldKind, field);
  }
}

/** A single value of the field, or an item of its list. */
function valueReader(kind: 'scalar' | 'enum' | 'message', field: ValueDesc): Convert | undefined {
  if (kind === 'enum') return byName(field.enum!);
  if (kind === 'message') return isWellKnown(field.message!) ? undefined : messageReader(field.message!);
  if (field.scalar === ScalarType.STRING) return (json) => (isWellFormed(json) ? json : GIVE_UP);
  if (field.scalar === ScalarType.BOOL) return (json) => (typeof json === 'boolean' ? json : GIVE_UP);
  return undefined;
}

/** What a field holds, whichever kind of field it is. */
type ValueDesc = { scalar?: ScalarType; enum?: DescEnum; message?: DescMessage };

const isStringMap = (field: DescField & { fieldKind: 'map' }): boolean => field.mapKey === ScalarType.STRING && field.mapKind === 'scalar' && field.scalar === ScalarType.STRING;

/** Text as protobuf-es reads it: a well-formed UTF-16 string. */
const isWellFormed = (value: unknown): value is string => typeof value === 'string' && getTextEncoding().checkUtf8(value);

/** Enum values by name (proto3 JSON writes enums by name). */
function byName(schema: DescEnum): Convert {
  const numbers = new Map(schema.values.map((value) => [value.name, value.number]));
  return (json) => (typeof json === 'string' ? (numbers.get(json) ?? GIVE_UP) : GIVE_UP);
}

/** A list converted item by item; null items are left to protobuf-es. */
function listOf(convertItem: Convert): Convert {
  return (list, depth, inMade) => {
    if (!Array.isArray(list)) return GIVE_UP;
    const items: unknown[] = [];
    for (const item of list) {
      const converted = item === null ? GIVE_UP : convertItem(item, depth, inMade);
      if (converted === GIVE_UP) return GIVE_UP;
      items.push(converted);
    }
    return items;
  };
}

/**
 * A map of text to text, copied, where its keys and values are `text`; the key __proto__ is left to
 * protobuf-es, which sets it as an own property.
 */
function copyStringMap(map: unknown, isText: (value: unknown) => value is string): Record<string, string> | typeof GIVE_UP {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return GIVE_UP;
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (key === '__proto__' || !isText(key) || !isText(value)) return GIVE_UP;
    copy[key] = value;
  }
  return copy;
}

const readStringMap: Convert = (map) => copyStringMap(map, isWellFormed);

// Writing

const writers = new WeakMap<DescMessage, Convert>();

/**
 * The JSON value `toJson` gives for the message, or for a message's fields as `create` takes them,
 * without building the message; undefined where anything is unusual (a value of another type than
 * its field's, an unknown enum value, a timestamp, bytes, a proto3 optional field), for
 * protobuf-es to write. Zero values are left out, as proto3 JSON does, by leaving them undefined:
 * JSON.stringify skips them, and writes what `toJsonString` writes.
 */
export function toPlainJson<D extends DescMessage>(schema: D, message: MessageInitShape<D>): JsonObject | undefined {
  const json = messageWriter(schema)(message, 0, false);
  return json === GIVE_UP ? undefined : (json as JsonObject);
}

const messageWriter = (schema: DescMessage): Convert => cached(writers, schema, compileWriter);

/** Each field's JSON, in field-number order as protobuf-es writes them, into one object literal. */
function compileWriter(schema: DescMessage): Convert | undefined {
  const fields = [...schema.fields].sort((a, b) => a.number - b.number);
  if (fields.some((field) => field.jsonName === '__proto__')) return undefined;
  const zero = create(schema) as Record<string, unknown>;
  const converters = fields.map((field) => fieldWriter(field, zero[field.localName]));
  const values = fields.map((field, index) => {
    const value = `message[${JSON.stringify(field.localName)}]`;
    // A field left out of the fields is its zero value, or unset; a message lacks only unset message
    // fields. A message field set to null is left to protobuf-es, which keeps it and then fails to
    // write it (found by the property test's seed -262184011).
    const absent = field.fieldKind === 'message' ? `${value} === null ? GIVE_UP : undefined` : 'made ? GIVE_UP : undefined';
    return `const v${index} = ${value} == null ? ${absent} : f[${index}](${value}, depth + 1, made); if (v${index} === GIVE_UP) return GIVE_UP;`;
  });
  const literal = fields.map((field, index) => `${JSON.stringify(field.jsonName)}: v${index}`);
  return generated(
    `return (message, depth, inMade) => {
      if (depth > ${MAX_DEPTH} || typeof message !== 'object' || message === null || Array.isArray(message)) return GIVE_UP;
      const made = message.$typeName !== undefined;
      if (made ? message.$typeName !== ${JSON.stringify(schema.typeName)} : inMade) return GIVE_UP;
      ${values.join('\n')}
      return { ${literal.join(', ')} };
    };`,
    converters,
  );
}

/** The JSON of a set field (undefined for its zero value, as `create` gives it), or GIVE_UP where protobuf-es must write it. */
function fieldWriter(field: DescField, zero: unknown): Convert {
  if (field.oneof !== undefined) return () => GIVE_UP;
  switch (field.fieldKind) {
    case 'list': {
      const writeItem = valueWriter(field.listKind, field);
      if (!writeItem) return () => GIVE_UP;
      const writeList = listOf(writeItem);
      return (list, depth, inMade) => (Array.isArray(list) && list.length === 0 ? undefined : writeList(list, depth, inMade));
    }
    case 'map':
      return isStringMap(field) ? writeStringMap : () => GIVE_UP;
    case 'message':
      return valueWriter('message', field) ?? (() => GIVE_UP);
    default: {
      const write = field.presence === IMPLICIT ? valueWriter(field.fieldKind, field) : undefined;
      // Implicit presence: protobuf-es leaves out '', false, 0 and 0n.
      return write ? (value, depth, inMade) => (value === zero ? undefined : write(value, depth, inMade)) : () => GIVE_UP;
    }
  }
}

/** FieldPresence.IMPLICIT: a proto3 field without `optional`. */
const IMPLICIT = 2;

/** A single value's JSON, or an item's of a list. */
function valueWriter(kind: 'scalar' | 'enum' | 'message', field: ValueDesc & { longAsString?: boolean }): Convert | undefined {
  if (kind === 'enum') return toName(field.enum!);
  if (kind === 'message') return isWellKnown(field.message!) ? undefined : messageWriter(field.message!);
  if (field.longAsString) return undefined;
  switch (field.scalar) {
    case ScalarType.STRING:
      return (value) => (typeof value === 'string' ? value : GIVE_UP);
    case ScalarType.BOOL:
      return (value) => (typeof value === 'boolean' ? value : GIVE_UP);
    case ScalarType.INT32:
      return (value) => (typeof value === 'number' && (value | 0) === value ? value : GIVE_UP);
    case ScalarType.INT64:
      return (value) => (typeof value === 'bigint' && BigInt.asIntN(64, value) === value ? value.toString() : GIVE_UP);
    default:
      return undefined;
  }
}

/** Enum values by JSON name; a number the enum does not name is left to protobuf-es. */
function toName(schema: DescEnum): Convert {
  return (value) => (typeof value === 'number' ? (schema.value[value]?.jsonName ?? GIVE_UP) : GIVE_UP);
}

/** A map of strings, copied; an empty one is left out, as protobuf-es leaves it. */
const writeStringMap: Convert = (map) => {
  const copy = copyStringMap(map, isString);
  return copy !== GIVE_UP && Object.keys(copy).length === 0 ? undefined : copy;
};

const isString = (value: unknown): value is string => typeof value === 'string';
