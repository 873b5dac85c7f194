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
  try {
    const json = JSON.parse(decoder.decode(data)) as JsonValue;
    return readPlainJson(schema, json) ?? fromJson(schema, json, { registry: contractsRegistry });
  } catch (error) {
    throw new InvalidArgumentError(
      bilingual(`Malformed ${schema.typeName}: ${(error as Error).message}`, `消息格式错误：${schema.typeName}`),
      { reason: 'MALFORMED_MESSAGE' },
    );
  }
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
