import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';

import { EventEnvelopeSchema, contractsRegistry, type EventEnvelope } from '@yishi/contracts';

import { decodeMessage } from '../wire';

/** An event as the outbox stores it: the envelope in canonical JSON. */
export interface OutboxEvent {
  readonly id: string;
  readonly subject: string;
  readonly envelope: Uint8Array;
}

/** What a consumer does with one delivery; throwing asks for redelivery. */
export type EventDelivery = (event: OutboxEvent) => Promise<void>;

export interface EventSubscription {
  /** Durable consumer name, unique per service and handler, e.g. "ledger.ballot_closed". */
  readonly consumer: string;
  readonly subject: string;
  readonly deliver: EventDelivery;
}

export interface EventBusLimits {
  /** After this many failed deliveries an event goes to the dead-letter subject. */
  readonly maxDeliveries: number;
  /** How long a delivery may take before it is offered again. */
  readonly ackWaitMs: number;
}

export const DEFAULT_EVENT_BUS_LIMITS: EventBusLimits = { maxDeliveries: 5, ackWaitMs: 30_000 };

export const DEAD_LETTER_PREFIX = 'dlq.';

/**
 * Durable events between services: JetStream when distributed, in process when standalone.
 * `publish` resolves only once the event is safely accepted (stored by JetStream, or applied by
 * every local consumer), so the relay may then mark it published.
 */
export interface EventBus {
  publish(event: OutboxEvent): Promise<void>;
  subscribe(subscription: EventSubscription): Promise<EventConsumer>;
  close(): Promise<void>;
}

/** A running subscription; `stop` ends it and waits for the delivery in progress. */
export interface EventConsumer {
  stop(): Promise<void>;
}

/**
 * Runs one delivery, failing it if it takes longer than the bus allows: a hung consumer must not
 * hold the relay (standalone) or an ack slot (JetStream) for ever. If the abandoned work commits
 * later, the redelivery finds it in the inbox.
 */
export async function deliverWithin(subscription: EventSubscription, event: OutboxEvent, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${subscription.consumer} took more than ${limitMs} ms on event ${event.id}`)), limitMs);
  });
  try {
    await Promise.race([subscription.deliver(event), overdue]);
  } finally {
    clearTimeout(timer);
  }
}

export function decodeEnvelope(event: OutboxEvent): EventEnvelope {
  return decodeMessage(EventEnvelopeSchema, event.envelope);
}

export function unpackPayload<D extends DescMessage>(envelope: EventEnvelope, schema: D): MessageShape<D> {
  const payload = envelope.payload ? anyUnpack(envelope.payload, schema) : undefined;
  if (!payload) throw new Error(`event ${envelope.id} does not carry a ${schema.typeName}`);
  return payload;
}

export function unpackAnyPayload(envelope: EventEnvelope): unknown {
  return envelope.payload ? anyUnpack(envelope.payload, contractsRegistry) : undefined;
}
