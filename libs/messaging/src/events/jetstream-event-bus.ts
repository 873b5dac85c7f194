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
  deliverWithin,
  type EventBus,
  type EventBusLimits,
  type EventConsumer,
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

interface RunningConsumer {
  readonly messages: ConsumerMessages;
  loop: Promise<void>;
  stopping: boolean;
}

async function stopConsumer(running: RunningConsumer): Promise<void> {
  running.stopping = true;
  await running.messages.close();
  await running.loop;
}

const DUPLICATE_WINDOW_MS = 2 * 60_000;
const EVENT_RETENTION_MS = 30 * 24 * 60 * 60_000;

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
  private readonly running: RunningConsumer[] = [];

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

  async subscribe(subscription: EventSubscription): Promise<EventConsumer> {
    const stream = streamName(this.prefix, 'EVENTS');
    const durable = consumerName(subscription.consumer);
    await this.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.prefix + subscription.subject,
      // Unlimited on the server: a delivery lost to a crash on the last attempt must come back,
      // and it is this bus that dead-letters after maxDeliveries failures.
      max_deliver: -1,
      ack_wait: nanos(this.limits.ackWaitMs),
    });
    const messages = await (await this.js.consumers.get(stream, durable)).consume();
    const running: RunningConsumer = { messages, loop: Promise.resolve(), stopping: false };
    running.loop = this.consumeLoop(running, subscription);
    this.running.push(running);
    return { stop: () => stopConsumer(running) };
  }

  async close(): Promise<void> {
    await Promise.all(this.running.splice(0).map(stopConsumer));
  }

  /** One message at a time; nothing a message does can end the loop. */
  private async consumeLoop(running: RunningConsumer, subscription: EventSubscription): Promise<void> {
    try {
      for await (const message of running.messages) {
        await this.handle(message, subscription).catch((error: unknown) =>
          this.options.logger.error({ err: error, consumer: subscription.consumer }, 'event handling failed; it will be redelivered'),
        );
      }
    } catch (error) {
      this.options.logger.error({ err: error, consumer: subscription.consumer }, 'event consumer stopped');
    }
    if (!running.stopping) this.options.logger.error({ consumer: subscription.consumer }, 'event consumer ended unexpectedly');
  }

  private async handle(message: JsMsg, subscription: EventSubscription): Promise<void> {
    const event: OutboxEvent = {
      id: message.headers?.get('Nats-Msg-Id') ?? '',
      subject: subscription.subject,
      envelope: message.data,
    };
    try {
      await deliverWithin(subscription, event, this.limits.ackWaitMs);
    } catch (error) {
      await this.redeliverOrDeadLetter(message, event, subscription, error);
      return;
    }
    this.options.beforeAck?.(event.id);
    // A lost ack only means a redelivery, which the consumer's inbox turns into a no-op.
    await message.ackAck().catch((error: unknown) => this.options.logger.warn({ err: error, eventId: event.id }, 'ack not confirmed'));
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
    // No reason text: nats-server before 2.10.4 does not understand "+TERM <reason>" and redelivers.
    message.term();
  }

  private async ensureStream(stream: 'EVENTS' | 'DEAD_LETTERS', subject: string): Promise<void> {
    const name = streamName(this.prefix, stream);
    const config = {
      name,
      subjects: [subject],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      // The outbox keeps every event for good; the stream only has to outlast slow consumers.
      max_age: stream === 'EVENTS' ? nanos(EVENT_RETENTION_MS) : 0,
    };
    const exists = await this.jsm.streams.info(name).then(
      () => true,
      () => false,
    );
    if (exists) await this.jsm.streams.update(name, config);
    else await this.jsm.streams.add(config);
  }
}
