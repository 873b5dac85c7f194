import { create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';

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
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const headers: Record<string, string> = { [Header.timeout]: String(timeoutMs) };
    const correlationId = currentCorrelationId();
    if (correlationId) headers[Header.correlationId] = correlationId;
    const request = packBody(encodeMessage(method.input, create(method.input, input)), headers);
    const reply = await this.transport.request(method.subject, request, timeoutMs);
    if (reply.headers[Header.replyKind] === 'error') throw decodeErrorReply(reply);
    return decodeMessage(method.output, unpackBody(reply));
  }
}
