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

export interface LocalEventBusOptions {
  readonly logger: Logger;
  readonly limits?: EventBusLimits;
}

/**
 * Standalone events: the relay hands each event straight to the consumers in this process. The
 * producer's outbox row stays unpublished until every consumer applied it (through its inbox), so
 * the outbox is the retry queue; after `maxDeliveries` failures an event is dead-lettered.
 */
export class LocalEventBus implements EventBus {
  private readonly subscriptions: EventSubscription[] = [];
  private readonly failures = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limits: EventBusLimits;
  readonly deadLetters: { subject: string; consumer: string; event: OutboxEvent; error: string }[] = [];

  constructor(private readonly options: LocalEventBusOptions) {
    this.limits = options.limits ?? DEFAULT_EVENT_BUS_LIMITS;
  }

  async publish(event: OutboxEvent): Promise<void> {
    const interested = this.subscriptions.filter((subscription) => subscription.subject === event.subject);
    const outcomes = await Promise.allSettled(interested.map((subscription) => this.deliver(subscription, event)));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async subscribe(subscription: EventSubscription): Promise<EventConsumer> {
    this.subscriptions.push(subscription);
    return {
      stop: async () => {
        const index = this.subscriptions.indexOf(subscription);
        if (index >= 0) this.subscriptions.splice(index, 1);
        await Promise.allSettled([...this.inFlight]);
      },
    };
  }

  async close(): Promise<void> {
    this.subscriptions.splice(0);
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(subscription: EventSubscription, event: OutboxEvent): Promise<void> {
    const key = `${subscription.consumer}:${event.id}`;
    const delivery = deliverWithin(subscription, event, this.limits.ackWaitMs);
    this.inFlight.add(delivery);
    try {
      await delivery;
      this.failures.delete(key);
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      if (attempt < this.limits.maxDeliveries) throw error;
      this.failures.delete(key);
      this.deadLetter(subscription, event, error);
    } finally {
      this.inFlight.delete(delivery);
    }
  }

  private deadLetter(subscription: EventSubscription, event: OutboxEvent, error: unknown): void {
    const subject = DEAD_LETTER_PREFIX + event.subject;
    this.deadLetters.push({ subject, consumer: subscription.consumer, event, error: String(error) });
    this.options.logger.error({ err: error, eventId: event.id, consumer: subscription.consumer, subject }, 'event dead-lettered');
  }
}
