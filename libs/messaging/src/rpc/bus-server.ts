import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { create } from '@bufbuild/protobuf';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';

import type { EventEnvelope, RpcMethod } from '@yishi/contracts';
import { withCorrelationId, type Logger } from '@yishi/logging';

import { decodeEnvelope, unpackAnyPayload, type EventBus, type OutboxEvent } from '../events/event-bus';
import type { Inbox } from '../events/inbox';
import { Header, decodeMessage, encodeErrorReply, encodeMessage, packBody, unpackBody, type WireMessage } from '../wire';
import { deadlinePassed } from './failures';
import type { RequestTransport, Served } from './transport';

export interface BusServerOptions {
  readonly transport: RequestTransport;
  /** Queue group: replicas of one service share its requests. */
  readonly queueGroup: string;
  /** The methods this service answers; their subjects come from proto options. */
  readonly methods: readonly RpcMethod[];
  readonly logger: Logger;
  /** Where `@EventPattern` handlers get their events, and the inbox that applies each once. */
  readonly events?: {
    readonly bus: EventBus;
    /** Durable consumer names are `<service>.<event subject>`. */
    readonly service: string;
    readonly inboxFor: (consumer: string) => Inbox;
  };
}

/** What an `@EventPattern` handler gets besides the payload: write its effect through `manager`. */
export class EventContext extends BaseRpcContext<[EntityManager, EventEnvelope]> {
  get manager(): EntityManager {
    return this.args[0];
  }
  get envelope(): EventEnvelope {
    return this.args[1];
  }
}

/**
 * Nest transport strategy for Yishi request/reply. Handlers registered with
 * `@MessagePattern(method.subject)` receive the decoded proto message and return its reply shape;
 * errors they throw reach the caller as the typed error envelope.
 */
export class BusServer extends Server implements CustomTransportStrategy {
  private readonly served: Served[] = [];

  constructor(private readonly options: BusServerOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [subject, handler] of this.getHandlers()) {
        if (handler.isEventHandler) await this.consume(subject, handler);
        else this.serve(subject, handler);
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private serve(subject: string, handler: MessageHandler): void {
    const method = this.options.methods.find((candidate) => candidate.subject === subject);
    if (!method) throw new Error(`@MessagePattern(${subject}) is not a method this service declares`);
    this.served.push(
      this.options.transport.serve(subject, this.options.queueGroup, (request) => this.answer(method, handler, request)),
    );
  }

  private async consume(subject: string, handler: MessageHandler): Promise<void> {
    const events = this.options.events;
    if (!events) throw new Error(`@EventPattern(${subject}) needs an event bus`);
    const consumer = `${events.service}.${subject}`;
    const inbox = events.inboxFor(consumer);
    await events.bus.subscribe({
      consumer,
      subject,
      deliver: (event) => this.apply(inbox, handler, event),
    });
  }

  private async apply(inbox: Inbox, handler: MessageHandler, event: OutboxEvent): Promise<void> {
    const envelope = decodeEnvelope(event);
    await withCorrelationId(envelope.correlationId || undefined, () =>
      inbox.process(envelope.id, async (manager) => {
        const result: unknown = await handler(unpackAnyPayload(envelope), new EventContext([manager, envelope]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.served.splice(0).map((served) => served.drain()));
  }

  on(): void {
    // Connection events belong to the transport's owner, not to this strategy.
  }

  unwrap<T>(): T {
    return this.options.transport as T;
  }

  private answer(method: RpcMethod, handler: MessageHandler, request: WireMessage): Promise<WireMessage> {
    const correlationId = request.headers[Header.correlationId];
    const replyHeaders: Record<string, string> = correlationId ? { [Header.correlationId]: correlationId } : {};
    return withCorrelationId(correlationId, async () => {
      const started = performance.now();
      try {
        const input = decodeMessage(method.input, unpackBody(request));
        const output = await withinDeadline(method.subject, request.headers[Header.deadline], async () => {
          const result: unknown = await handler(input);
          return lastValueFrom(this.transformToObservable(result));
        });
        const data = encodeMessage(method.output, create(method.output, output as never));
        this.options.logger.debug({ subject: method.subject, durationMs: performance.now() - started }, 'request handled');
        return packBody(data, { ...replyHeaders, [Header.replyKind]: 'ok' });
      } catch (error) {
        const durationMs = performance.now() - started;
        this.options.logger.warn({ err: error, subject: method.subject, durationMs }, 'request failed');
        return encodeErrorReply(error, replyHeaders);
      }
    });
  }
}

/** A handler that outlives its caller's deadline is abandoned, so it cannot pin the server. */
async function withinDeadline<T>(subject: string, deadline: string | undefined, work: () => Promise<T>): Promise<T> {
  const remainingMs = deadline ? Number(deadline) - Date.now() : Number.POSITIVE_INFINITY;
  if (!Number.isFinite(remainingMs)) return work();
  if (remainingMs <= 0) throw deadlinePassed(subject, 0);
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlinePassed(subject, remainingMs)), remainingMs);
  });
  return Promise.race([work(), expiry]).finally(() => clearTimeout(timer));
}

/** Nest would turn any non-RpcException into "Internal server error"; let BusServer map it instead. */
@Catch()
export class PassErrorsToBusFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
