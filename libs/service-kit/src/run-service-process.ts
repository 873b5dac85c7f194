import { ServiceSettings, loadConfigOrExit } from '@yishi/config';
import { createLogger } from '@yishi/logging';

import { connectNatsRuntime } from './nats-runtime';
import { probeService } from './probe-service';
import { runMain, stopOnSignals } from './run-process';
import type { ServiceDefinition } from './service-definition';
import { startService } from './start-service';

/**
 * `main.ts` of a service in distributed mode: its own process, its own database, NATS.
 * With `--probe` it only asks the running service for its health (container health checks).
 */
export function runServiceProcess(definition: ServiceDefinition): void {
  runMain(`yishi ${definition.name}`, () => (process.argv.includes('--probe') ? probeService(definition) : serve(definition)));
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
