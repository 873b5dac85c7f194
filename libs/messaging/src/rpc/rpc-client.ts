import { type DescMessage, type JsonValue, type MessageInitShape, type MessageJsonType, type MessageShape } from '@bufbuild/protobuf';

import type { RpcMethod } from '@yishi/contracts';
import { currentCorrelationId } from '@yishi/logging';

import { Header, decodeErrorReply, decodeMessage, encodeMessage, packBody, unpackBody } from '../wire';
import type { RequestTransport } from './transport';

export interface CallOptions {
  /** Overrides the client's default deadline for this call. */
  readonly timeoutMs?: number;
}

/**
 * The only way one service asks another: every call has a deadline, carries the correlation id,
 * and turns an error envelope back into the typed error the handler threw.
 */
export class RpcClient {
  constructor(
    private readonly transport: RequestTransport,
    private readonly defaultTimeoutMs: number,
  ) {}

  async call<I extends DescMessage, O extends DescMessage>(
    method: RpcMethod<I, O>,
    input: MessageInitShape<I>,
    options: CallOptions = {},
  ): Promise<MessageShape<O>> {
    return decodeMessage(method.output, await this.exchange(method, encodeMessage(method.input, input), options));
  }

  /**
   * The same call, for a caller that holds the input as the wire's JSON already, typed by the
   * generated JSON types; the reply comes back as that JSON too. No message is built on this side:
   * a load generator (`npm run bench:ledger`) spends its CPU on sending, not on codecs. The server
   * checks the input as strictly as ever.
   */
  async callJson<I extends DescMessage, O extends DescMessage>(
    method: RpcMethod<I, O>,
    input: MessageJsonType<I>,
    options: CallOptions = {},
  ): Promise<MessageJsonType<O>> {
    const reply = await this.exchange(method, encoder.encode(JSON.stringify(input as JsonValue)), options);
    return JSON.parse(decoder.decode(reply)) as MessageJsonType<O>;
  }

  /** Sends the body with a deadline and the correlation id; returns the reply's body, or throws the error it carries. */
  private async exchange(method: RpcMethod<DescMessage, DescMessage>, body: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const headers: Record<string, string> = { [Header.timeout]: String(timeoutMs) };
    const correlationId = currentCorrelationId();
    if (correlationId) headers[Header.correlationId] = correlationId;
    const reply = await this.transport.request(method.subject, packBody(body, headers), timeoutMs);
    if (reply.headers[Header.replyKind] === 'error') throw decodeErrorReply(reply);
    return unpackBody(reply);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
