import { connect } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';

import { createLogger } from '@yishi/logging';
import { JetStreamEventBus, NatsRequestTransport, RpcClient, type EventBus } from '@yishi/messaging';
import { createTestDatabase, testSubjectPrefix, type TestDatabase } from '@yishi/testing';

import type { ServiceDefinition } from './service-definition';
import { serviceMigrations, startService, type RunningService } from './start-service';

/** A service running for an integration test: its own fresh database, the machine's NATS. */
export interface ServiceFixture {
  readonly rpc: RpcClient;
  readonly database: TestDatabase;
  readonly dataSource: DataSource;
  /** The service's JetStream events, for tests that play another service publishing to it. */
  readonly events: EventBus;
  /** Stops and starts the service again on the same database (queues, caches and timers are new). */
  restart(): Promise<void>;
  /** Starts one more replica on the same database and subjects; it shares the requests (queue group) until stopped. */
  startReplica(): Promise<{ stop(): Promise<void> }>;
  /** Starts one more replica on the same database, answering on subjects of its own: a test chooses which replica each request reaches. */
  startReplicaApart(): Promise<{ readonly rpc: RpcClient; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

export interface ServiceFixtureOptions {
  /** A long interval lets a test tell events a commit woke the relay for from events a poll found. */
  readonly outboxPollIntervalMs?: number;
}

export async function startServiceFixture(definition: ServiceDefinition, options: ServiceFixtureOptions = {}): Promise<ServiceFixture> {
  const database = await createTestDatabase({ service: definition.name, migrations: serviceMigrations(definition) });
  const connection = await connectNats();
  const prefix = testSubjectPrefix();
  const transport = new NatsRequestTransport(connection, prefix);
  const events = await JetStreamEventBus.connect({ connection, subjectPrefix: prefix, logger: createLogger(`${definition.name}-test`, 'silent') });
  const runtime = { transport, events, requestTimeoutMs: 30_000, outboxPollIntervalMs: options.outboxPollIntervalMs };
  let service: RunningService = await startService(definition, database.url, runtime);
  return {
    rpc: new RpcClient(transport, 30_000),
    database,
    events,
    get dataSource() {
      return service.dataSource;
    },
    restart: async () => {
      await service.stop();
      service = await startService(definition, database.url, runtime);
    },
    startReplica: () => startService(definition, database.url, runtime),
    startReplicaApart: async () => {
      const apart = new NatsRequestTransport(await connectNats(), testSubjectPrefix());
      const replica = await startService(definition, database.url, { ...runtime, transport: apart });
      return {
        rpc: new RpcClient(apart, 30_000),
        stop: async () => {
          await replica.stop();
          await apart.close();
        },
      };
    },
    stop: async () => {
      await service.stop();
      await events.close();
      await transport.close();
      await database.drop();
    },
  };
}

function connectNats() {
  return connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
}
