import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';

import { ErrorCode, type EventEnvelope, type RpcMethod } from '@yishi/contracts';
import { withCorrelationId, type Logger } from '@yishi/logging';

import { RpcError } from '../errors';
import { decodeEnvelope, unpackAnyPayload, type EventBus, type EventConsumer, type OutboxEvent } from '../events/event-bus';
import type { Inbox } from '../events/inbox';
import { Header, decodeRequest, encodeErrorReply, encodeMessage, packBody, unpackBody, type WireMessage } from '../wire';
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
  private readonly consumers: EventConsumer[] = [];

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
    const eventConsumer = await events.bus.subscribe({
      consumer,
      subject,
      deliver: (event) => this.apply(inbox, handler, event),
    });
    this.consumers.push(eventConsumer);
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

  /** Stops taking events and requests, and waits for those in progress (before the database closes). */
  async close(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((eventConsumer) => eventConsumer.stop()));
    await Promise.all(this.served.splice(0).map((served) => served.drain()));
  }

  on(): void {
    // Connection events belong to the transport's owner, not to this strategy.
  }

  unwrap<T>(): T {
    return this.options.transport as T;
  }

  private logFailure(subject: string, error: unknown, durationMs: number): void {
    if (failureLevel(error) === 'error') {
      this.options.logger.error({ err: error, subject, durationMs }, 'request failed');
      return;
    }
    const { code, reason } = error as RpcError;
    this.options.logger.info({ subject, code: ErrorCode[code], reason, durationMs }, 'request refused');
  }

  private answer(method: RpcMethod, handler: MessageHandler, request: WireMessage): Promise<WireMessage> {
    const correlationId = request.headers[Header.correlationId];
    const replyHeaders: Record<string, string> = correlationId ? { [Header.correlationId]: correlationId } : {};
    return withCorrelationId(correlationId, async () => {
      const started = performance.now();
      try {
        const input = decodeRequest(method.input, unpackBody(request));
        const output = await withinDeadline(method.subject, Number(request.headers[Header.timeout] ?? Number.NaN), async () => {
          const result: unknown = await handler(input);
          return lastValueFrom(this.transformToObservable(result));
        });
        const data = encodeMessage(method.output, output as never);
        this.options.logger.debug({ subject: method.subject, durationMs: performance.now() - started }, 'request handled');
        return packBody(data, { ...replyHeaders, [Header.replyKind]: 'ok' });
      } catch (error) {
        this.logFailure(method.subject, error, performance.now() - started);
        return encodeErrorReply(error, replyHeaders);
      }
    });
  }
}

/** Refusals the caller can act on are routine (info, no stack); anything else is an error. */
function failureLevel(error: unknown): 'info' | 'error' {
  return error instanceof RpcError && error.code !== ErrorCode.INTERNAL ? 'info' : 'error';
}

/** A handler that outlives its caller's wait is abandoned, so it cannot pin the server. */
async function withinDeadline<T>(subject: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return work();
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlinePassed(subject, timeoutMs)), timeoutMs);
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
