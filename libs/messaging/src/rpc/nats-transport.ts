import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { ClosedConnectionError, DrainingConnectionError, RequestError, TimeoutError } from '@nats-io/nats-core';

import { encodeErrorReply, type WireMessage } from '../wire';
import { deadlinePassed, nobodyServes } from './failures';
import { settleWithinGrace, type RequestHandler, type RequestTransport, type Served } from './transport';

function toNatsHeaders(values: Readonly<Record<string, string>>): MsgHdrs {
  const result = natsHeaders();
  for (const [key, value] of Object.entries(values)) result.set(key, value);
  return result;
}

function fromNatsHeaders(values: MsgHdrs | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of values?.keys() ?? []) result[key] = values!.get(key);
  return result;
}

/** Distributed request/reply: core NATS with queue groups, so replicas share the load. */
export class NatsRequestTransport implements RequestTransport {
  constructor(
    private readonly connection: NatsConnection,
    private readonly subjectPrefix = '',
  ) {}

  async request(subject: string, request: WireMessage, timeoutMs: number): Promise<WireMessage> {
    const fullSubject = this.subjectPrefix + subject;
    try {
      const reply = await this.connection.request(fullSubject, request.data, {
        timeout: timeoutMs,
        headers: toNatsHeaders(request.headers),
      });
      return { data: reply.data, headers: fromNatsHeaders(reply.headers) };
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders()) throw nobodyServes(subject);
      if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) throw nobodyServes(subject);
      if (error instanceof TimeoutError || (error instanceof Error && error.cause instanceof TimeoutError)) {
        throw deadlinePassed(subject, timeoutMs);
      }
      throw error;
    }
  }

  serve(subject: string, queueGroup: string, handler: RequestHandler): Served {
    const inFlight = new Set<Promise<void>>();
    const subscription = this.connection.subscribe(this.subjectPrefix + subject, {
      queue: queueGroup,
      callback: (error, message) => {
        if (error) return;
        const work = handler({ data: message.data, headers: fromNatsHeaders(message.headers) })
          .then((reply) => {
            message.respond(reply.data, { headers: toNatsHeaders(reply.headers) });
          })
          .catch((error: unknown) => {
            // The reply could not be sent (too large, connection closing): tell the caller what we can.
            const fallback = encodeErrorReply(error, {});
            try {
              message.respond(fallback.data, { headers: toNatsHeaders(fallback.headers) });
            } catch {
              // The caller's deadline will report it.
            }
          })
          .finally(() => inFlight.delete(work));
        inFlight.add(work);
      },
    });
    return {
      drain: async () => {
        await subscription.drain();
        await settleWithinGrace([...inFlight]);
      },
    };
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}
