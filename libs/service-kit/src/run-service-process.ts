import { ServiceSettings, loadConfigOrExit } from '@yishi/config';
import { createLogger } from '@yishi/logging';
import { openServiceDatabase } from '@yishi/persistence';

import { connectNatsRuntime } from './nats-runtime';
import { probeService } from './probe-service';
import { runMain, stopOnSignals } from './run-process';
import type { ServiceDefinition } from './service-definition';
import { serviceMigrations, startService } from './start-service';

/**
 * `main.ts` of a service in distributed mode: its own process, its own database, NATS.
 * `--probe` only asks the running service for its health (container health checks);
 * `--migrate` only creates and migrates its database, then exits (deploy pipelines).
 */
export function runServiceProcess(definition: ServiceDefinition): void {
  const task = process.argv.includes('--probe') ? probeService : process.argv.includes('--migrate') ? migrateOnly : serve;
  runMain(`yishi ${definition.name}`, () => task(definition));
}

async function migrateOnly(definition: ServiceDefinition): Promise<void> {
  const settings = loadConfigOrExit(ServiceSettings);
  const dataSource = await openServiceDatabase({ url: settings.DATABASE_URL, migrations: serviceMigrations(definition), poolSize: 1 });
  const applied = await dataSource.query(`SELECT count(*)::int AS n FROM typeorm_migrations`);
  await dataSource.destroy();
  process.stdout.write(`${definition.name}: database is migrated (${applied[0].n} migrations)\n`);
}

async function serve(definition: ServiceDefinition): Promise<void> {
  const settings = loadConfigOrExit(ServiceSettings);
  const logger = createLogger(definition.name, settings.LOG_LEVEL);
  const runtime = await connectNatsRuntime(settings.NATS_URL, settings, `yishi-${definition.name}`, logger);
  const service = await startService(definition, settings.DATABASE_URL, runtime);
  stopOnSignals(logger, async () => {
    await service.stop();
    await runtime.close();
  });
}
