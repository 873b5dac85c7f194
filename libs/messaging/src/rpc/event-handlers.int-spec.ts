import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import { CounterIncrementedSchema, eventSubjectOf, type CounterIncremented } from '@yishi/contracts';
import { createLogger } from '@yishi/logging';
import { createServiceDataSource } from '@yishi/persistence';
import { createTestDatabase, eventually, type TestDatabase } from '@yishi/testing';

import { Inbox } from '../events/inbox';
import { LocalEventBus } from '../events/local-event-bus';
import { MESSAGING_MIGRATIONS } from '../events/messaging-tables.migration';
import { outboxInsert, outboxRows, recordEvent } from '../events/outbox';
import { OutboxRelay, outboxCommitted } from '../events/outbox-relay';
import { BusServer, EventContext, PassErrorsToBusFilter } from './bus-server';
import { InProcessRequestTransport } from './in-process-transport';

class Tally1763900000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE tally (counter text PRIMARY KEY, total bigint NOT NULL)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tally`);
  }
}
const MIGRATIONS = [...MESSAGING_MIGRATIONS, Tally1763900000002];

@Controller()
class TallyController {
  @EventPattern(eventSubjectOf(CounterIncrementedSchema))
  async onIncrement(@Payload() event: CounterIncremented, @Ctx() context: EventContext): Promise<void> {
    await context.manager.query(
      `INSERT INTO tally (counter, total) VALUES ($1, $2) ON CONFLICT (counter) DO UPDATE SET total = tally.total + EXCLUDED.total`,
      [event.counter, event.by.toString()],
    );
  }
}

@Module({ controllers: [TallyController] })
class TallyModule {}

describe('@EventPattern handlers', () => {
  const logger = createLogger('event-handlers-spec', 'silent');
  let database: TestDatabase;
  let dataSource: DataSource;
  let bus: LocalEventBus;
  let app: INestMicroservice;
  let relay: OutboxRelay;

  beforeAll(async () => {
    database = await createTestDatabase({ service: 'event-handlers', migrations: MIGRATIONS });
    dataSource = createServiceDataSource({ url: database.url, migrations: MIGRATIONS });
    await dataSource.initialize();
    bus = new LocalEventBus({ logger });
    app = await NestFactory.createMicroservice(TallyModule, {
      strategy: new BusServer({
        transport: new InProcessRequestTransport(),
        queueGroup: 'tally',
        methods: [],
        logger,
        events: { bus, service: 'tally', inboxFor: (consumer) => new Inbox(dataSource, consumer) },
      }),
      logger: false,
    });
    app.useGlobalFilters(new PassErrorsToBusFilter());
    await app.listen();
    relay = new OutboxRelay({ dataSource, databaseUrl: database.url, bus, logger, pollIntervalMs: 5_000 });
    await relay.start();
  });

  afterAll(async () => {
    await relay.stop();
    await app.close();
    await dataSource.destroy();
    await database.drop();
  });

  const total = async (counter: string): Promise<bigint> => {
    const rows: { total: string }[] = await dataSource.query(`SELECT total FROM tally WHERE counter = $1`, [counter]);
    return BigInt(rows[0]?.total ?? 0);
  };

  it('receive the typed payload once the producing transaction commits (woken by NOTIFY, well before the poll)', async () => {
    await dataSource.transaction((manager) => recordEvent(manager, CounterIncrementedSchema, { counter: 'rails', by: 55_000n }));
    await eventually(async () => expect(await total('rails')).toBe(55_000n), 3_000);
  });

  it('apply a redelivered event only once', async () => {
    await dataSource.transaction((manager) => recordEvent(manager, CounterIncrementedSchema, { counter: 'grant', by: 5_000n }));
    await eventually(async () => expect(await total('grant')).toBe(5_000n), 3_000);
    const [row]: { id: string; subject: string; envelope: string }[] = await dataSource.query(
      `SELECT id, subject, envelope FROM messaging_outbox ORDER BY id DESC LIMIT 1`,
    );
    await bus.publish({ id: row!.id, subject: row!.subject, envelope: Buffer.from(row!.envelope) });
    expect(await total('grant')).toBe(5_000n);
  });

  it('write nothing when the producing transaction rolls back', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await recordEvent(manager, CounterIncrementedSchema, { counter: 'abandoned', by: 1n });
        throw new Error('the grant vote failed');
      }),
    ).rejects.toThrow('the grant vote failed');
    await relay.publishPending();
    expect(await total('abandoned')).toBe(0n);
  });

  /** Records an increment as the ledger's posting path does: in the outbox, without NOTIFY. */
  const recordSilently = (manager: DataSource['manager'], counter: string, by: bigint): Promise<unknown> => {
    const rows = outboxRows(CounterIncrementedSchema, [{ counter, by }]);
    return manager.query(outboxInsert('$1', '$2', '$3'), [rows.ids, rows.subjects, rows.envelopes]);
  };

  it('receive events recorded without NOTIFY once the writer announces its commit, well before the poll', async () => {
    await dataSource.transaction((manager) => recordSilently(manager, 'announced', 500n));
    outboxCommitted(dataSource);
    await eventually(async () => expect(await total('announced')).toBe(500n), 3_000);
  });

  it('receive an event committed after a later one at the next poll, however often commits wake the relay', async () => {
    const committedLast = dataSource.createQueryRunner();
    await committedLast.startTransaction();
    try {
      await recordSilently(committedLast.manager, 'straggler', 7n);
      await dataSource.transaction((manager) => recordSilently(manager, 'overtaker', 11n));
      outboxCommitted(dataSource);
      await eventually(async () => expect(await total('overtaker')).toBe(11n), 3_000);
      await committedLast.commitTransaction();
    } finally {
      await committedLast.release();
    }
    const wakes = setInterval(() => outboxCommitted(dataSource), 10);
    try {
      // A woken pass claims only rows after the last one claimed; the poll (every 5 s here) finds this one.
      await eventually(async () => expect(await total('straggler')).toBe(7n), 8_000);
    } finally {
      clearInterval(wakes);
    }
  }, 15_000);

  it('keep outbox envelopes compressed with lz4 when the server has it', async () => {
    const hasLz4 = await dataSource.query(`CREATE TEMP TABLE lz4_probe (t text COMPRESSION lz4)`).then(
      () => true,
      () => false,
    );
    const [column] = await dataSource.query(
      `SELECT attcompression AS method FROM pg_attribute WHERE attrelid = 'messaging_outbox'::regclass AND attname = 'envelope'`,
    );
    expect(column.method).toBe(hasLz4 ? 'l' : '');
  });
});
