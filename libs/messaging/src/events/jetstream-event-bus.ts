import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';

import type { Logger } from '@yishi/logging';

import {
  DEAD_LETTER_PREFIX,
  DEFAULT_EVENT_BUS_LIMITS,
  type EventBus,
  type EventBusLimits,
  type EventSubscription,
  type OutboxEvent,
} from './event-bus';

export interface JetStreamEventBusOptions {
  readonly connection: NatsConnection;
  readonly logger: Logger;
  readonly subjectPrefix?: string;
  readonly limits?: EventBusLimits;
  /** Test seam for the crash suite: runs after a consumer committed, before it acks. */
  readonly beforeAck?: (eventId: string) => void;
}

const DUPLICATE_WINDOW_MS = 2 * 60_000;

function streamName(prefix: string, stream: 'EVENTS' | 'DEAD_LETTERS'): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}YISHI_${stream}`;
}

/** Stream and durable consumer names for a subject prefix, for operators and tests. */
export function jetStreamNames(prefix: string): { events: string; deadLetters: string } {
  return { events: streamName(prefix, 'EVENTS'), deadLetters: streamName(prefix, 'DEAD_LETTERS') };
}

export function consumerName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Events on JetStream: the event id is the Nats-Msg-Id, so a re-published outbox row is dropped
 * as a duplicate; durable pull consumers ack explicitly after the consumer's commit; a message
 * that fails `maxDeliveries` times is copied to `dlq.<subject>` and terminated.
 */
export class JetStreamEventBus implements EventBus {
  private readonly js: JetStreamClient;
  private readonly prefix: string;
  private readonly limits: EventBusLimits;
  private readonly running: { messages: ConsumerMessages; loop: Promise<void> }[] = [];

  private constructor(
    private readonly options: JetStreamEventBusOptions,
    private readonly jsm: JetStreamManager,
  ) {
    this.js = jetstream(options.connection);
    this.prefix = options.subjectPrefix ?? '';
    this.limits = options.limits ?? DEFAULT_EVENT_BUS_LIMITS;
  }

  /** Connects and makes sure the event and dead-letter streams exist. */
  static async connect(options: JetStreamEventBusOptions): Promise<JetStreamEventBus> {
    const bus = new JetStreamEventBus(options, await jetstreamManager(options.connection));
    await bus.ensureStream('EVENTS', `${bus.prefix}evt.>`);
    await bus.ensureStream('DEAD_LETTERS', `${bus.prefix}${DEAD_LETTER_PREFIX}>`);
    return bus;
  }

  async publish(event: OutboxEvent): Promise<void> {
    await this.js.publish(this.prefix + event.subject, event.envelope, { msgID: event.id });
  }

  async subscribe(subscription: EventSubscription): Promise<void> {
    const stream = streamName(this.prefix, 'EVENTS');
    const durable = consumerName(subscription.consumer);
    await this.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.prefix + subscription.subject,
      max_deliver: this.limits.maxDeliveries,
      ack_wait: nanos(this.limits.ackWaitMs),
    });
    const consumer = await this.js.consumers.get(stream, durable);
    const messages = await consumer.consume();
    this.running.push({ messages, loop: this.consumeLoop(messages, subscription) });
  }

  async close(): Promise<void> {
    for (const { messages } of this.running) await messages.close();
    await Promise.allSettled(this.running.splice(0).map(({ loop }) => loop));
  }

  private async consumeLoop(messages: ConsumerMessages, subscription: EventSubscription): Promise<void> {
    for await (const message of messages) {
      await this.handle(message, subscription);
    }
  }

  private async handle(message: JsMsg, subscription: EventSubscription): Promise<void> {
    const event: OutboxEvent = {
      id: message.headers?.get('Nats-Msg-Id') ?? '',
      subject: subscription.subject,
      envelope: message.data,
    };
    try {
      await subscription.deliver(event);
      this.options.beforeAck?.(event.id);
      await message.ackAck();
    } catch (error) {
      await this.redeliverOrDeadLetter(message, event, subscription, error);
    }
  }

  private async redeliverOrDeadLetter(
    message: JsMsg,
    event: OutboxEvent,
    subscription: EventSubscription,
    error: unknown,
  ): Promise<void> {
    const attempt = message.info.deliveryCount;
    if (attempt < this.limits.maxDeliveries) {
      this.options.logger.warn({ err: error, eventId: event.id, attempt }, 'event delivery failed; will retry');
      message.nak(Math.min(1_000 * 2 ** (attempt - 1), 30_000));
      return;
    }
    this.options.logger.error({ err: error, eventId: event.id, attempt }, 'event dead-lettered');
    const headers = natsHeaders();
    headers.set('Nats-Msg-Id', `${subscription.consumer}:${event.id}`);
    headers.set('yishi-consumer', subscription.consumer);
    headers.set('yishi-error', String(error).slice(0, 1_000));
    await this.js.publish(`${this.prefix}${DEAD_LETTER_PREFIX}${event.subject}`, event.envelope, { headers });
    message.term(String(error).slice(0, 200));
  }

  private async ensureStream(stream: 'EVENTS' | 'DEAD_LETTERS', subject: string): Promise<void> {
    const name = streamName(this.prefix, stream);
    const config = {
      name,
      subjects: [subject],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    };
    try {
      await this.jsm.streams.info(name);
      await this.jsm.streams.update(name, config);
    } catch {
      await this.jsm.streams.add(config);
    }
  }
}
