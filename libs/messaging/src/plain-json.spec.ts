import { create, fromJson, ScalarType, toJson, toJsonString, type DescField, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';

import { contractsRegistry, EntryStatus, PostEntriesRequestSchema, PostEntriesResponseSchema } from '@yishi/contracts';

import { readPlainJson, toPlainJson } from './plain-json';

const schemas = [...contractsRegistry].filter((type): type is DescMessage => type.kind === 'message');

/** Text as senders write it, with non-ASCII and escapes, but well-formed. */
const text = fc.oneof(fc.string(), fc.constantFrom('楼梯扶手', '0196a4f0-0000-7000-8000-0000000000e1', '"\\\n', '__proto__'));

function scalarValue(scalar: ScalarType): fc.Arbitrary<unknown> {
  switch (scalar) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT32:
      return fc.integer();
    case ScalarType.INT64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 8 });
    default:
      throw new Error(`no values made for scalar type ${scalar}: add them here`);
  }
}

/** A message's fields with random values, as `create` takes them (nested messages to depth 3). */
function messageInit(schema: DescMessage, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const fields = schema.fields.map((field) => [field.localName, fc.option(fieldValue(field, depth), { nil: undefined })] as const);
  return fc.record(Object.fromEntries(fields), { requiredKeys: [] });
}

function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> {
  const enumValue = (values: readonly { number: number }[]) => fc.constantFrom(...values.map((value) => value.number));
  const message = (nested: DescMessage): fc.Arbitrary<unknown> =>
    nested.typeName === 'google.protobuf.Timestamp'
      ? fc.integer({ min: 0, max: 4_000_000_000_000 }).map(timestampFromMs)
      : depth >= 3
        ? fc.constant(undefined)
        : messageInit(nested, depth + 1);
  switch (field.fieldKind) {
    case 'scalar':
      return scalarValue(field.scalar);
    case 'enum':
      return enumValue(field.enum.values);
    case 'message':
      return message(field.message);
    case 'list': {
      const item = field.listKind === 'scalar' ? scalarValue(field.scalar) : field.listKind === 'enum' ? enumValue(field.enum.values) : message(field.message);
      return fc.array(item.filter((value) => value !== undefined), { maxLength: 3 });
    }
    case 'map':
      if (field.mapKind !== 'scalar') throw new Error(`no values made for map ${field.name}: add them here`);
      return fc.dictionary(text, scalarValue(field.scalar), { maxKeys: 3 });
  }
}

/** A message of the schema as `encodeMessage` writes it: canonical proto3 JSON. */
const canonicalJson = (schema: DescMessage): fc.Arbitrary<JsonValue> =>
  messageInit(schema).map((init) => toJson(schema, create(schema, init), { registry: contractsRegistry }));

/** Changes one value somewhere in the JSON, or in a message's fields, to something unusual: null, a number, a lone surrogate, a proto name, an unknown key. */
function mutated<T>(json: T): fc.Arbitrary<T> {
  const unusual = fc.constantFrom<JsonValue>(null, 0, 1.5, -7, '\ud800', 'ENTRY_KIND_NOPE', [], {}, true, '', 'x');
  return fc.tuple(fc.nat(), fc.oneof(unusual, fc.constantFrom(5n, 2n ** 64n, undefined)), fc.constantFrom('value', 'key', 'snake_key', 'unknown_key')).map(([pick, value, how]) => {
    const copy = structuredClone(json);
    const objects = objectsIn(copy);
    const target = objects[pick % objects.length]!;
    const keys = Object.keys(target);
    const key = keys[pick % Math.max(keys.length, 1)];
    if (how === 'unknown_key' || key === undefined) target['notAField'] = value as JsonValue;
    else if (how === 'value') target[key] = value as JsonValue;
    else {
      const renamed = how === 'key' ? '\ud800' : key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
      const moved = target[key]!;
      delete target[key];
      target[renamed] = moved;
    }
    return copy;
  });
}

function objectsIn(json: unknown): { [key: string]: JsonValue }[] {
  if (Array.isArray(json)) return json.flatMap(objectsIn);
  if (typeof json !== 'object' || json === null || json instanceof Uint8Array) return [];
  return [json as { [key: string]: JsonValue }, ...Object.values(json).flatMap(objectsIn)];
}

const readByFromJson = (schema: DescMessage, json: JsonValue): unknown => fromJson(schema, json, { registry: contractsRegistry });

/** What toJsonString writes for the message, or for a message made of the fields. */
const writtenByToJsonString = (schema: DescMessage, message: Record<string, unknown>): string =>
  toJsonString(schema, create(schema, message), { registry: contractsRegistry });

/** A message of any contract, as `create` takes its fields, or as the message made from them. */
const anyMessage = fc
  .constantFrom(...schemas)
  .chain((schema) => fc.tuple(fc.constant(schema), messageInit(schema), fc.boolean()))
  .map(([schema, init, made]) => [schema, made ? (create(schema, init) as Record<string, unknown>) : init] as const);

/** What JSON.stringify writes of the plain JSON, if there is any. */
function writePlainJson(schema: DescMessage, message: Record<string, unknown>): string | undefined {
  const json = toPlainJson(schema, message);
  return json && JSON.stringify(json);
}

/** A message of any contract as its canonical JSON. */
const anyMessageJson = fc.constantFrom(...schemas).chain((schema) => fc.tuple(fc.constant(schema), canonicalJson(schema)));

/**
 * On values of every contract, as they are and with one unusual value: wherever the plain
 * converter answers, protobuf-es's gives the same answer (rather than refusing, or answering
 * otherwise).
 */
function agreesOnEveryContract<T>(values: fc.Arbitrary<readonly [DescMessage, T]>, plain: (schema: DescMessage, value: T) => unknown, protobufEs: (schema: DescMessage, value: T) => unknown): void {
  const usualOrNot = values.chain(([schema, value]) => fc.tuple(fc.constant(schema), fc.oneof(fc.constant(value), mutated(value))));
  fc.assert(
    fc.property(usualOrNot, ([schema, value]) => {
      const answer = plain(schema, value);
      if (answer !== undefined) expect(answer).toStrictEqual(protobufEs(schema, value));
    }),
    { numRuns: 2_000 },
  );
}

describe('reading the plain JSON of messages', () => {
  it('reads a batch of entries as senders write it, to what fromJson reads', () => {
    fc.assert(
      fc.property(canonicalJson(PostEntriesRequestSchema), (json) => {
        const expected = readByFromJson(PostEntriesRequestSchema, json);
        const plain = readPlainJson(PostEntriesRequestSchema, json);
        // Only entries with an expiry (a timestamp) or a metadata key __proto__ are left to fromJson.
        const unusual = /"expiresAt"|"__proto__":/.test(JSON.stringify(json));
        expect(plain === undefined).toBe(unusual);
        if (plain !== undefined) expect(plain).toStrictEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('for every message of the contracts, either gives up or agrees with fromJson, on canonical and unusual JSON', () => {
    agreesOnEveryContract(anyMessageJson, readPlainJson, readByFromJson);
  });

  it.each<[string, JsonValue]>([
    ['null for a field', { entries: [{ id: null }] }],
    ['a field by its proto name', { entries: [{ book_id: 'b' }] }],
    ['an enum by number', { entries: [{ kind: 1 }] }],
    ['an unknown key', { entries: [{ bookid: 'b' }] }],
    ['a lone surrogate', { entries: [{ memo: '\ud800' }] }],
    ['a timestamp', { entries: [{ expiresAt: '2026-11-25T00:00:00Z' }] }],
    ['a list that is not an array', { entries: {} }],
    ['a map key __proto__', { entries: [{ metadata: JSON.parse('{"__proto__":"x"}') as JsonValue }] }],
  ])('leaves %s to fromJson', (_, json) => {
    expect(readPlainJson(PostEntriesRequestSchema, json)).toBeUndefined();
  });

});

describe('writing the plain JSON of messages', () => {
  it('writes the results of a batch as the ledger gives them, as toJsonString does', () => {
    const result = fc.record({
      id: text,
      status: fc.constantFrom(EntryStatus.APPLIED, EntryStatus.REFUSED),
      refusal: fc.constantFrom('', 'EXCEEDS_CREDITS'),
      sequence: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
      hash: fc.constantFrom('', 'ab'.repeat(32)),
      replayed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(result, { maxLength: 5 }), (results) => {
        expect(writePlainJson(PostEntriesResponseSchema, { results })).toBe(writtenByToJsonString(PostEntriesResponseSchema, { results }));
      }),
      { numRuns: 300 },
    );
  });

  it('for every message of the contracts, either gives up or writes what toJsonString writes, for usual and unusual values', () => {
    agreesOnEveryContract(anyMessage, writePlainJson, writtenByToJsonString);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a number for text', { results: [{ id: 7 }] }],
    ['an enum value the enum does not name', { results: [{ status: 9 }] }],
    ['a number for an int64', { results: [{ sequence: 5 }] }],
    ['an int64 out of range', { results: [{ sequence: 2n ** 63n }] }],
    ['a null item', { results: [null] }],
    ['a message of another type', { results: [{ $typeName: 'yishi.ledger.v1.Entry' }] }],
    ['a list for a message', { results: [[]] }],
  ])('leaves %s to toJsonString', (_, message) => {
    expect(toPlainJson(PostEntriesResponseSchema, message as never)).toBeUndefined();
  });
});
