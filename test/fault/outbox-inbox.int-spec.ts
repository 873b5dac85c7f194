import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { DataSource } from 'typeorm';

import { CounterIncrementedSchema } from '@yishi/contracts';
import { consumerName, jetStreamNames, recordEvent } from '@yishi/messaging';
import { createServiceDataSource } from '@yishi/persistence';
import { createTestDatabase, eventually, startOwnNatsServer, testSubjectPrefix, type OwnNatsServer, type TestDatabase } from '@yishi/testing';

import { CONSUMER, COUNTER_MIGRATIONS, counterValue } from './counter-fixture';

const ROOT = resolve(__dirname, '../..');

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

interface Child {
  readonly ready: Promise<void>;
  readonly exit: Promise<ChildExit>;
  stop(): void;
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['-r', './tools/register.js', 'test/fault/crash-child.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolveReady) => child.stdout.on('data', () => resolveReady()));
  const exit = new Promise<ChildExit>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal, stderr })),
  );
  return { ready, exit, stop: () => child.kill('SIGTERM') };
}

describe('outbox → JetStream → inbox survives crashes at the worst moments', () => {
  let nats: OwnNatsServer;
  let database: TestDatabase;
  let dataSource: DataSource;
  let connection: NatsConnection;
  let jsm: JetStreamManager;
  let subjectPrefix: string;

  beforeEach(async () => {
    nats = await startOwnNatsServer();
    database = await createTestDatabase({ service: 'crash-suite', migrations: COUNTER_MIGRATIONS });
    dataSource = createServiceDataSource({ url: database.url, migrations: COUNTER_MIGRATIONS, poolSize: 2 });
    await dataSource.initialize();
    connection = await connect({ servers: nats.url });
    jsm = await jetstreamManager(connection);
    subjectPrefix = testSubjectPrefix();
  });

  afterEach(async () => {
    await connection.close();
    await dataSource.destroy();
    await database.drop();
    await nats.stop();
  });

  const childEnv = (extra: Record<string, string>): Record<string, string> => ({
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    SUBJECT_PREFIX: subjectPrefix,
    ...extra,
  });

  const recordIncrement = (counter: string, by: bigint): Promise<string> =>
    dataSource.transaction((manager) => recordEvent(manager, CounterIncrementedSchema, { counter, by }));

  const unpublishedCount = async (): Promise<number> => {
    const rows: { n: string }[] = await dataSource.query(`SELECT count(*) AS n FROM messaging_outbox WHERE published_at IS NULL`);
    return Number(rows[0]!.n);
  };

  const inboxCount = async (): Promise<number> => {
    const rows: { n: string }[] = await dataSource.query(`SELECT count(*) AS n FROM messaging_inbox WHERE consumer = $1`, [CONSUMER]);
    return Number(rows[0]!.n);
  };

  const streamMessages = async (): Promise<number> => (await jsm.streams.info(jetStreamNames(subjectPrefix).events)).state.messages;

  /** The consumer has nothing left to deliver or to be acked: whatever the counter says now is final. */
  const consumerSettled = async (): Promise<{ delivered: number }> => {
    const info = await jsm.consumers.info(jetStreamNames(subjectPrefix).events, consumerName(CONSUMER));
    expect(info.num_pending).toBe(0);
    expect(info.num_ack_pending).toBe(0);
    return { delivered: info.delivered.consumer_seq };
  };

  it('a relay killed after JetStream accepted an event, before marking it, publishes it again and the effect happens once', async () => {
    await recordIncrement('stair-rails', 500n);

    const crashed = await startChild(childEnv({ ROLE: 'relay', FAULT: 'after-publish' })).exit;
    expect(crashed.signal).toBe('SIGKILL');
    expect(await unpublishedCount()).toBe(1);
    expect(await streamMessages()).toBe(1);

    const restarted = await startChild(childEnv({ ROLE: 'relay' })).exit;
    expect(restarted).toMatchObject({ code: 0 });
    expect(await unpublishedCount()).toBe(0);
    expect(await streamMessages()).toBe(1); // the re-publish was dropped as a duplicate (same Nats-Msg-Id)

    const consumer = startChild(childEnv({ ROLE: 'consumer' }));
    await consumer.ready;
    await eventually(consumerSettled);
    consumer.stop();
    await consumer.exit;

    expect(await counterValue(dataSource, 'stair-rails')).toBe(500n);
    expect(await inboxCount()).toBe(1);
  });

  it('a consumer killed after its commit, before its ack, gets the event again and does not repeat the effect', async () => {
    await recordIncrement('playground', 45_000n);
    expect(await startChild(childEnv({ ROLE: 'relay' })).exit).toMatchObject({ code: 0 });

    const crashed = await startChild(childEnv({ ROLE: 'consumer', FAULT: 'before-ack' })).exit;
    expect(crashed.signal).toBe('SIGKILL');
    expect(await counterValue(dataSource, 'playground')).toBe(45_000n);

    const consumer = startChild(childEnv({ ROLE: 'consumer' }));
    await consumer.ready;
    const { delivered } = await eventually(consumerSettled, 20_000);
    consumer.stop();
    await consumer.exit;

    expect(delivered).toBeGreaterThanOrEqual(2); // it really was delivered again
    expect(await counterValue(dataSource, 'playground')).toBe(45_000n);
    expect(await inboxCount()).toBe(1);
  });

  it('standalone: a relay killed after handing an event to a local consumer re-delivers it and the inbox keeps the effect single', async () => {
    await recordIncrement('green-care', 150n);

    const crashed = await startChild(childEnv({ ROLE: 'standalone', FAULT: 'after-publish' })).exit;
    expect(crashed.signal).toBe('SIGKILL');
    expect(await unpublishedCount()).toBe(1);
    expect(await counterValue(dataSource, 'green-care')).toBe(150n);

    expect(await startChild(childEnv({ ROLE: 'standalone' })).exit).toMatchObject({ code: 0 });
    expect(await unpublishedCount()).toBe(0);
    expect(await counterValue(dataSource, 'green-care')).toBe(150n);
    expect(await inboxCount()).toBe(1);
  });
});
