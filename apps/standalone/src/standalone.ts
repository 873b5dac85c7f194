import type { StandaloneSettings } from '@yishi/config';
import { startGateway } from '@yishi/gateway';
import { identityService } from '@yishi/identity';
import { ledgerService } from '@yishi/ledger';
import type { Logger } from '@yishi/logging';
import { RpcClient } from '@yishi/messaging';
import { withDatabaseName } from '@yishi/persistence';
import { proposalsService } from '@yishi/proposals';
import { connectNatsRuntime, startService, type RunningService } from '@yishi/service-kit';
import { votingService } from '@yishi/voting';

import { startEmbeddedPostgres, type PostgresServer } from './embedded-postgres';
import { inProcessRuntime } from './in-process-runtime';

const SERVICES = [identityService, proposalsService, votingService, ledgerService];

export interface RunningSystem {
  readonly url: string;
  stop(): Promise<void>;
}

function externalPostgres(url: string): PostgresServer {
  return { url, stop: async () => undefined };
}

/**
 * Every service and the gateway in one process. Embedded Postgres and the in-process bus unless
 * DATABASE_URL / NATS_URL point elsewhere; each service still gets its own database.
 */
export async function startStandalone(settings: StandaloneSettings, logger: Logger): Promise<RunningSystem> {
  const postgres = settings.DATABASE_URL
    ? externalPostgres(settings.DATABASE_URL)
    : await startEmbeddedPostgres(settings.YISHI_DATA_DIR, logger);
  const messaging = settings.NATS_URL
    ? await connectNatsRuntime(settings.NATS_URL, settings, 'yishi-standalone', logger)
    : inProcessRuntime(settings, logger);
  const services: RunningService[] = [];
  try {
    for (const definition of SERVICES) {
      services.push(await startService(definition, withDatabaseName(postgres.url, `yishi_${definition.name}`), messaging));
    }
  } catch (error) {
    await Promise.allSettled(services.map((service) => service.stop()));
    await messaging.close();
    await postgres.stop();
    throw error;
  }
  const gateway = await startGateway(settings.PORT, new RpcClient(messaging.transport, settings.REQUEST_TIMEOUT_MS), messaging.isConnected);
  return {
    url: gateway.url,
    stop: async () => {
      await gateway.stop();
      await Promise.allSettled(services.map((service) => service.stop()));
      await messaging.close();
      await postgres.stop();
    },
  };
}
