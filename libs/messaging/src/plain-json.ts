import { create, ScalarType, type DescEnum, type DescField, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { getTextEncoding } from '@bufbuild/protobuf/wire';

/** A field's value read from JSON at a depth of nested messages, or GIVE_UP. */
type FieldReader = (json: JsonValue, depth: number) => unknown;

const GIVE_UP = Symbol('give up');

/** Deeper messages are left to `fromJson`, which refuses JSON nested beyond its recursion limit (100). */
const MAX_DEPTH = 32;

const readers = new WeakMap<DescMessage, FieldReader>();

/**
 * Reads a message from the JSON that `encodeMessage` writes, without protobuf-es's general reader:
 * that one builds a Map, a Set and a key array for every message it reads, five per transfer in a
 * batch of entries, and a fresh message by walking the descriptor (ADR 0024).
 *
 * It takes only the plain case: keys by JSON name, strings, booleans, enums by name, nested
 * messages, lists of these and maps of strings to strings. Anything else (null, a proto field name, a
 * number for an enum, a timestamp, an unknown key, text that is not well-formed UTF-16) makes it
 * give up and return undefined, and the caller reads the JSON with `fromJson`, which accepts or
 * refuses it by the proto3 JSON rules. What it does return equals what `fromJson` returns (the
 * property test in plain-json-reader.spec.ts holds it to that).
 */
export function readPlainJson<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> | undefined {
  const message = messageReader(schema)(json, 0);
  return message === GIVE_UP ? undefined : (message as MessageShape<D>);
}

function messageReader(schema: DescMessage): FieldReader {
  let read = readers.get(schema);
  if (read) return read;
  // Registered before the fields are compiled, so that a message that holds itself finds this reader.
  let compiled: FieldReader = () => GIVE_UP;
  read = (json, depth) => compiled(json, depth);
  readers.set(schema, read);
  compiled = compileReader(schema) ?? compiled;
  return read;
}

/**
 * The reader of one message, as a function written for it: a message literal with the zero values
 * `create` gives, and a switch over its JSON names, so that V8 sees one shape per message and
 * plain property stores, as in hand-written code. undefined if a zero value has no literal.
 */
function compileReader(schema: DescMessage): FieldReader | undefined {
  const zero = create(schema) as Record<string, unknown>;
  if (Object.getPrototypeOf(zero) !== Object.prototype) return undefined;
  const literal: string[] = [];
  for (const [name, value] of Object.entries(zero)) {
    const text = zeroLiteral(value);
    if (text === undefined) return undefined;
    literal.push(`${JSON.stringify(name)}: ${text}`);
  }
  const fieldReaders: FieldReader[] = [];
  const cases: string[] = [];
  for (const field of schema.fields) {
    const readField = fieldReader(field);
    if (!readField) continue;
    cases.push(`case ${JSON.stringify(field.jsonName)}: value = fields[${fieldReaders.push(readField) - 1}](json[key], depth + 1); if (value === GIVE_UP) return GIVE_UP; message[${JSON.stringify(field.localName)}] = value; break;`);
  }
  const body = `return (json, depth) => {
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
  };`;
  return new Function('fields', 'GIVE_UP', body)(fieldReaders, GIVE_UP) as FieldReader;
}

/** A zero value as a literal: '', 0, false, a fresh [] for a list or {} for a map; undefined for anything else (bytes, int64). */
function zeroLiteral(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  return value?.constructor === Object && Object.keys(value).length === 0 ? '{}' : undefined;
}

/** How the field is read from JSON, or undefined where the field is never read here (its key makes the reader give up). */
function fieldReader(field: DescField): FieldReader | undefined {
  if (field.oneof !== undefined) return undefined;
  switch (field.fieldKind) {
    case 'list': {
      const readItem = valueReader(field.listKind, field);
      return readItem && listReader(readItem);
    }
    case 'map':
      return field.mapKey === ScalarType.STRING && field.mapKind === 'scalar' && field.scalar === ScalarType.STRING ? readStringMap : undefined;
    default:
      return valueReader(field.fieldKind, field);
  }
}

/** A single value of the field, or an item of its list. */
function valueReader(kind: 'scalar' | 'enum' | 'message', field: { scalar?: ScalarType; enum?: DescEnum; message?: DescMessage }): FieldReader | undefined {
  if (kind === 'scalar') return scalarReader(field.scalar!);
  if (kind === 'enum') return enumReader(field.enum!);
  return nestedMessageReader(field.message!);
}

/** Well-known types have JSON forms of their own (a timestamp is a string), which `fromJson` reads. */
const nestedMessageReader = (schema: DescMessage): FieldReader | undefined => (schema.typeName.startsWith('google.protobuf.') ? undefined : messageReader(schema));

function scalarReader(scalar: ScalarType): FieldReader | undefined {
  if (scalar === ScalarType.STRING) return readString;
  if (scalar === ScalarType.BOOL) return (json) => (typeof json === 'boolean' ? json : GIVE_UP);
  return undefined;
}

const checkUtf8 = (text: string): boolean => getTextEncoding().checkUtf8(text);

const readString: FieldReader = (json) => (typeof json === 'string' && checkUtf8(json) ? json : GIVE_UP);

/** Enum values by name (proto3 JSON writes enums by name). */
function enumReader(schema: DescEnum): FieldReader {
  const numbers = new Map(schema.values.map((value) => [value.name, value.number]));
  return (json) => (typeof json === 'string' ? (numbers.get(json) ?? GIVE_UP) : GIVE_UP);
}

function listReader(readItem: FieldReader): FieldReader {
  return (json, depth) => {
    if (!Array.isArray(json)) return GIVE_UP;
    const items: unknown[] = [];
    for (const itemJson of json) {
      const item = readItem(itemJson, depth);
      if (item === GIVE_UP) return GIVE_UP;
      items.push(item);
    }
    return items;
  };
}

const readStringMap: FieldReader = (json) => {
  if (!isPlainObject(json)) return GIVE_UP;
  const map: Record<string, string> = {};
  for (const key in json) {
    const value = json[key];
    if (key === '__proto__' || !checkUtf8(key) || typeof value !== 'string' || !checkUtf8(value)) return GIVE_UP;
    map[key] = value;
  }
  return map;
};

const isPlainObject = (json: JsonValue): json is { [key: string]: JsonValue } => typeof json === 'object' && json !== null && !Array.isArray(json);
