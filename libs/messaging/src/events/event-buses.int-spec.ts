import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

import { createLogger } from '@yishi/logging';
import { eventually, testSubjectPrefix } from '@yishi/testing';

import type { EventBus, EventSubscription, OutboxEvent } from './event-bus';
import { JetStreamEventBus, consumerName, jetStreamNames } from './jetstream-event-bus';
import { LocalEventBus } from './local-event-bus';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const logger = createLogger('event-bus-spec', 'silent');
const limits = { maxDeliveries: 3, ackWaitMs: 1_000 };
const SUBJECT = 'evt.testing.counter_incremented';

function event(id: string): OutboxEvent {
  return { id, subject: SUBJECT, envelope: new TextEncoder().encode(`{"id":"${id}"}`) };
}

/** A consumer that fails every delivery and counts them. */
function poisonConsumer(): EventSubscription & { attempts: number } {
  const consumer = {
    consumer: 'testing.poison',
    subject: SUBJECT,
    attempts: 0,
    deliver: async () => {
      consumer.attempts += 1;
      throw new Error('cannot apply this event');
    },
  };
  return consumer;
}

describe('JetStream event bus', () => {
  let connection: NatsConnection;
  let jsm: JetStreamManager;
  let prefix: string;
  let bus: EventBus;

  beforeEach(async () => {
    connection = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(connection);
    prefix = testSubjectPrefix();
    bus = await JetStreamEventBus.connect({ connection, subjectPrefix: prefix, logger, limits });
  });

  afterEach(async () => {
    await bus.close();
    const names = jetStreamNames(prefix);
    await Promise.allSettled([jsm.streams.delete(names.events), jsm.streams.delete(names.deadLetters)]);
    await connection.close();
  });

  it('stores an event published twice with the same id once', async () => {
    await bus.publish(event('0195f3b4-0000-7000-8000-000000000001'));
    await bus.publish(event('0195f3b4-0000-7000-8000-000000000001'));
    expect((await jsm.streams.info(jetStreamNames(prefix).events)).state.messages).toBe(1);
  });

  it('moves an event that failed every allowed delivery to the dead-letter subject', async () => {
    const poison = poisonConsumer();
    await bus.subscribe(poison);
    await bus.publish(event('0195f3b4-0000-7000-8000-000000000002'));

    const deadLetters = jetStreamNames(prefix).deadLetters;
    await eventually(async () => expect((await jsm.streams.info(deadLetters)).state.messages).toBe(1), 20_000);
    const stored = await jsm.streams.getMessage(deadLetters, { last_by_subj: `${prefix}dlq.${SUBJECT}` });
    expect(stored?.header.get('yishi-consumer')).toBe('testing.poison');
    expect(stored?.header.get('yishi-error')).toContain('cannot apply this event');
    expect(poison.attempts).toBe(limits.maxDeliveries);
    await eventually(async () => {
      const info = await jsm.consumers.info(jetStreamNames(prefix).events, consumerName('testing.poison'));
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
  });
});

describe('local event bus (standalone)', () => {
  it('fails the publish while a consumer fails, so the outbox keeps the event, then dead-letters it after the last allowed delivery', async () => {
    const bus = new LocalEventBus({ logger, limits });
    const poison = poisonConsumer();
    await bus.subscribe(poison);
    const poisoned = event('0195f3b4-0000-7000-8000-000000000003');

    await expect(bus.publish(poisoned)).rejects.toThrow('cannot apply this event');
    await expect(bus.publish(poisoned)).rejects.toThrow('cannot apply this event');
    await expect(bus.publish(poisoned)).resolves.toBeUndefined();

    expect(poison.attempts).toBe(limits.maxDeliveries);
    expect(bus.deadLetters).toEqual([expect.objectContaining({ subject: `dlq.${SUBJECT}`, consumer: 'testing.poison' })]);
  });

  it('fails a delivery that hangs once the ack wait has passed, so a stuck consumer cannot stall the relay', async () => {
    const bus = new LocalEventBus({ logger, limits: { maxDeliveries: 2, ackWaitMs: 100 } });
    await bus.subscribe({ consumer: 'testing.stuck', subject: SUBJECT, deliver: () => new Promise(() => undefined) });
    const stuck = event('0195f3b4-0000-7000-8000-000000000004');
    await expect(bus.publish(stuck)).rejects.toThrow(/testing.stuck took more than 100 ms/);
    await expect(bus.publish(stuck)).resolves.toBeUndefined();
    expect(bus.deadLetters).toEqual([expect.objectContaining({ consumer: 'testing.stuck' })]);
  });
});
