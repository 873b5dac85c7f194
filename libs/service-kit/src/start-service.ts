import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';

import { createLogger, NestPinoLogger, type Logger } from '@yishi/logging';
import {
  BusServer,
  Inbox,
  MESSAGING_MIGRATIONS,
  OutboxRelay,
  PassErrorsToBusFilter,
  RpcClient,
  type EventBus,
  type RequestTransport,
} from '@yishi/messaging';
import { openServiceDatabase, redactPassword, type MigrationClass } from '@yishi/persistence';

import type { ServiceDefinition } from './service-definition';
import { ServiceHostModule } from './service-host.module';

/** The message plumbing a host process gives its services: NATS + JetStream, or in process. */
export interface MessagingRuntime {
  readonly transport: RequestTransport;
  readonly events: EventBus;
  readonly requestTimeoutMs: number;
  /** How often the outbox relay polls besides being woken by commits (the relay's default when absent). */
  readonly outboxPollIntervalMs?: number;
}

export interface RunningService {
  readonly name: string;
  readonly dataSource: DataSource;
  stop(): Promise<void>;
}

/** Every migration of a service's database: the shared messaging tables, then its own. */
export function serviceMigrations(definition: ServiceDefinition): MigrationClass[] {
  return [...MESSAGING_MIGRATIONS, ...definition.migrations];
}

/**
 * Boots one service: opens (creating and migrating) its own database, serves its subjects through
 * the given transport, consumes its events through the inbox, and relays its outbox.
 */
export async function startService(
  definition: ServiceDefinition,
  databaseUrl: string,
  runtime: MessagingRuntime,
): Promise<RunningService> {
  const logger: Logger = createLogger(definition.name);
  const dataSource = await openServiceDatabase({
    url: databaseUrl,
    migrations: serviceMigrations(definition),
    entities: definition.entities,
  });
  const rpcClient = new RpcClient(runtime.transport, runtime.requestTimeoutMs);
  const app = await NestFactory.createMicroservice(ServiceHostModule.for(definition, dataSource, rpcClient, logger), {
    strategy: new BusServer({
      transport: runtime.transport,
      queueGroup: definition.name,
      methods: definition.methods,
      logger,
      events: { bus: runtime.events, service: definition.name, inboxFor: (consumer) => new Inbox(dataSource, consumer) },
    }),
    logger: new NestPinoLogger(logger),
  });
  app.useGlobalFilters(new PassErrorsToBusFilter());
  await app.listen();
  const relay = new OutboxRelay({ dataSource, databaseUrl, bus: runtime.events, logger, pollIntervalMs: runtime.outboxPollIntervalMs });
  await relay.start();
  logger.info({ database: redactPassword(databaseUrl) }, `${definition.name} service started`);
  return {
    name: definition.name,
    dataSource,
    stop: async () => {
      await relay.stop();
      await app.close();
      await dataSource.destroy();
      logger.info(`${definition.name} service stopped`);
    },
  };
}
