import { deflateRawSync, inflateRawSync } from 'node:zlib';

import { create, fromJson, toJson, type DescMessage, type JsonObject, type JsonValue, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';

import { ErrorEnvelopeSchema, contractsRegistry } from '@yishi/contracts';
import { bilingual } from '@yishi/logging';

import { InvalidArgumentError, fromErrorEnvelope, toErrorEnvelope, type RpcError } from './errors';
import { readPlainJson, toPlainJson } from './plain-json';

/** A message as both transports carry it: canonical proto3 JSON bytes plus string headers. */
export interface WireMessage {
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export const Header = {
  correlationId: 'yishi-correlation-id',
  /** How long the caller waits, in milliseconds (relative, so clocks need not agree). */
  timeout: 'yishi-timeout-ms',
  /** "ok" or "error": which schema the reply body follows. */
  replyKind: 'yishi-reply-kind',
  /** "deflate" when the body is compressed (large batches stay under the NATS payload limit). */
  encoding: 'yishi-encoding',
} as const;

/**
 * Bodies above this are deflated, so that they stay under NATS's 1 MiB payload limit (canonical JSON
 * of a batch of entries shrinks about tenfold). Smaller bodies travel as they are: deflating and
 * inflating a 1,000-entry batch cost the caller and the ledger more CPU than carrying it.
 */
const COMPRESS_ABOVE_BYTES = 512 * 1024;

/** The body as sent: deflated when large, with the header that says so. */
export function packBody(data: Uint8Array, headers: Record<string, string>): WireMessage {
  if (data.byteLength <= COMPRESS_ABOVE_BYTES) return { data, headers };
  return { data: deflateRawSync(data), headers: { ...headers, [Header.encoding]: 'deflate' } };
}

/** The body as written, whichever way it travelled. */
export function unpackBody(message: WireMessage): Uint8Array {
  return message.headers[Header.encoding] === 'deflate' ? inflateRawSync(message.data) : message.data;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The body of a message, given as one or as its fields (as `create` takes them). */
export function encodeMessage<D extends DescMessage>(schema: D, message: MessageInitShape<D>): Uint8Array {
  return encoder.encode(JSON.stringify(messageJson(schema, message)));
}

/** The message's proto3 JSON, as `toJson` writes it: by the compiled writer where it can, else by protobuf-es. */
export function messageJson<D extends DescMessage>(schema: D, message: MessageInitShape<D>): JsonObject {
  return toPlainJson(schema, message) ?? (toJson(schema, create(schema, message), { registry: contractsRegistry }) as JsonObject);
}

/**
 * Strict proto3 JSON: unknown fields are refused, so contract drift shows up at once. Parsed with
 * `JSON.parse` rather than `fromJsonString`, which also scans the whole text again in JavaScript for
 * duplicate object keys: that scan was 3 % of the ledger's CPU in batches. Every sender on the bus
 * writes its bodies with `encodeMessage`, which cannot repeat a key; JSON from outside has been
 * parsed once already, at the gateway. The plain JSON that senders write is read without protobuf-es's
 * general reader where it can be (see plain-json.ts).
 */
export function decodeMessage<D extends DescMessage>(schema: D, data: Uint8Array): MessageShape<D> {
  return readMessage(schema, decoder.decode(data));
}

/**
 * A request's body as its message, refused when a string in it holds NUL (U+0000), which no
 * Postgres text column can store: the write would fail as an internal error instead of naming the
 * field. JSON carries NUL only escaped, so one scan of the text finds it; the message is walked for
 * the field's name only then.
 */
export function decodeRequest<D extends DescMessage>(schema: D, data: Uint8Array): MessageShape<D> {
  const text = decoder.decode(data);
  const message = readMessage(schema, text);
  const field = text.includes('\\u0000') ? fieldHoldingNul(schema, message as Record<string, unknown>, '') : undefined;
  if (field !== undefined) {
    throw new InvalidArgumentError(bilingual(`${field} must not contain the NUL character (U+0000)`, `${field} 不能包含空字符（U+0000）`), {
      violations: [{ field, reason: 'must not contain the NUL character (U+0000)' }],
    });
  }
  return message;
}

function readMessage<D extends DescMessage>(schema: D, text: string): MessageShape<D> {
  try {
    const json = JSON.parse(text) as JsonValue;
    return readPlainJson(schema, json) ?? fromJson(schema, json, { registry: contractsRegistry });
  } catch (error) {
    throw new InvalidArgumentError(
      bilingual(`Malformed ${schema.typeName}: ${(error as Error).message}`, `消息格式错误：${schema.typeName}`),
      { reason: 'MALFORMED_MESSAGE' },
    );
  }
}

/** The path (field names as in the proto, list indexes, map keys) of the first string in the message that holds NUL. */
function fieldHoldingNul(schema: DescMessage, message: Record<string, unknown>, prefix: string): string | undefined {
  for (const field of schema.fields) {
    const value = field.oneof ? oneofValue(message[field.oneof.localName], field.localName) : message[field.localName];
    const path = `${prefix}${field.name}`;
    const found = valueHoldingNul(field.message, value, path);
    if (found !== undefined) return found;
  }
  return undefined;
}

function valueHoldingNul(schema: DescMessage | undefined, value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) return firstFound(value.map((item, index) => [`${path}[${index}]`, item] as const), schema);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return undefined;
  if (schema && '$typeName' in value) return fieldHoldingNul(schema, value as Record<string, unknown>, `${path}.`);
  const entries = Object.entries(value);
  const key = entries.find(([name]) => name.includes('\0'));
  return key ? path : firstFound(entries.map(([name, item]) => [`${path}.${name}`, item] as const), schema);
}

function firstFound(items: readonly (readonly [string, unknown])[], schema: DescMessage | undefined): string | undefined {
  for (const [path, item] of items) {
    const found = valueHoldingNul(schema, item, path);
    if (found !== undefined) return found;
  }
  return undefined;
}

function oneofValue(oneof: unknown, localName: string): unknown {
  const chosen = oneof as { case?: string; value?: unknown } | undefined;
  return chosen?.case === localName ? chosen.value : undefined;
}

export function encodeErrorReply(error: unknown, headers: Record<string, string>): WireMessage {
  return {
    data: encodeMessage(ErrorEnvelopeSchema, toErrorEnvelope(error)),
    headers: { ...headers, [Header.replyKind]: 'error' },
  };
}

export function decodeErrorReply(reply: WireMessage): RpcError {
  return fromErrorEnvelope(decodeMessage(ErrorEnvelopeSchema, unpackBody(reply)));
}
