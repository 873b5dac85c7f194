import { createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';

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

interface AwaitedReply {
  readonly subject: string;
  readonly timer: NodeJS.Timeout;
  resolve(reply: Msg): void;
  reject(error: unknown): void;
}

/**
 * The replies to one connection's requests, on one wildcard inbox subscription, as nats-core's own
 * `request` receives them. That one also builds a `RequestError`, with its stack trace, for every
 * request it answers (`RequestOne.cancel`, nats-core 3.3–3.4): a tenth of a busy caller's CPU
 * (ADR 0020).
 */
class ReplyInbox {
  private readonly prefix = `${createInbox()}.`;
  private readonly awaited = new Map<string, AwaitedReply>();
  private lastToken = 0;

  constructor(private readonly connection: NatsConnection) {
    connection.subscribe(`${this.prefix}*`, { callback: (error, message) => this.receive(error, message) });
    void connection.closed().then(() => this.giveUpAll());
  }

  /** Publishes the request and waits for its reply; `subject` (without the prefix) names it in errors. */
  request(subject: string, fullSubject: string, request: WireMessage, timeoutMs: number): Promise<Msg> {
    const token = (this.lastToken += 1).toString(36);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(token)?.reject(deadlinePassed(subject, timeoutMs)), timeoutMs);
      this.awaited.set(token, { subject, timer, resolve, reject });
      try {
        this.connection.publish(fullSubject, request.data, { reply: this.prefix + token, headers: toNatsHeaders(request.headers) });
      } catch (error) {
        this.settle(token)?.reject(error);
      }
    });
  }

  /** A reply, or the server's 503 status when no one subscribes to the request's subject. */
  private receive(error: Error | null, message: Msg): void {
    if (error) return this.giveUpAll();
    const awaited = this.settle(message.subject.slice(this.prefix.length));
    if (!awaited) return; // answered after its deadline
    if (message.data.length === 0 && message.headers?.code === 503) awaited.reject(nobodyServes(awaited.subject));
    else awaited.resolve(message);
  }

  private settle(token: string): AwaitedReply | undefined {
    const awaited = this.awaited.get(token);
    if (!awaited) return undefined;
    this.awaited.delete(token);
    clearTimeout(awaited.timer);
    return awaited;
  }

  /** The connection closed or the inbox failed: no reply will come. */
  private giveUpAll(): void {
    for (const token of [...this.awaited.keys()]) {
      const awaited = this.settle(token)!;
      awaited.reject(nobodyServes(awaited.subject));
    }
  }
}

/** Distributed request/reply: core NATS with queue groups, so replicas share the load. */
export class NatsRequestTransport implements RequestTransport {
  private inbox: ReplyInbox | null = null;

  constructor(
    private readonly connection: NatsConnection,
    private readonly subjectPrefix = '',
  ) {}

  async request(subject: string, request: WireMessage, timeoutMs: number): Promise<WireMessage> {
    if (this.connection.isClosed() || this.connection.isDraining()) throw nobodyServes(subject);
    this.inbox ??= new ReplyInbox(this.connection);
    const reply = await this.inbox.request(subject, this.subjectPrefix + subject, request, timeoutMs);
    return { data: reply.data, headers: fromNatsHeaders(reply.headers) };
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
