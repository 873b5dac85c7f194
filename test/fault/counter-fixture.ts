import { NatsConnection } from '@nats-io/nats-core';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';

import { CounterIncrementedSchema, eventSubjectOf } from '@yishi/contracts';
import { createLogger } from '@yishi/logging';
import {
  Inbox,
  JetStreamEventBus,
  MESSAGING_MIGRATIONS,
  decodeEnvelope,
  unpackPayload,
  type EventBus,
  type EventSubscription,
} from '@yishi/messaging';

/** The effect the crash suite counts: each CounterIncremented adds `by` to a row, exactly once. */
export class CounterTable1763900000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE test_counter (name text PRIMARY KEY, value bigint NOT NULL DEFAULT 0)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE test_counter`);
  }
}

export const COUNTER_MIGRATIONS = [...MESSAGING_MIGRATIONS, CounterTable1763900000001];
export const CONSUMER = 'testing.counter';
export const quietLogger = createLogger('crash-suite', 'silent');

async function increment(manager: EntityManager, counter: string, by: bigint): Promise<void> {
  await manager.query(
    `INSERT INTO test_counter (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = test_counter.value + EXCLUDED.value`,
    [counter, by.toString()],
  );
}

export function counterSubscription(dataSource: DataSource): EventSubscription {
  const inbox = new Inbox(dataSource, CONSUMER);
  return {
    consumer: CONSUMER,
    subject: eventSubjectOf(CounterIncrementedSchema),
    deliver: async (event) => {
      const envelope = decodeEnvelope(event);
      const payload = unpackPayload(envelope, CounterIncrementedSchema);
      await inbox.process(envelope.id, (manager) => increment(manager, payload.counter, payload.by));
    },
  };
}

export async function counterValue(dataSource: DataSource, counter: string): Promise<bigint> {
  const rows: { value: string }[] = await dataSource.query(`SELECT value FROM test_counter WHERE name = $1`, [counter]);
  return BigInt(rows[0]?.value ?? 0);
}

export function connectJetStream(connection: NatsConnection, subjectPrefix: string, beforeAck?: (id: string) => void): Promise<EventBus> {
  return JetStreamEventBus.connect({
    connection,
    subjectPrefix,
    logger: quietLogger,
    limits: { maxDeliveries: 5, ackWaitMs: 1_000 },
    beforeAck,
  });
}
