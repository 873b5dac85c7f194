import { ServiceSettings, loadConfigOrExit } from '@yishi/config';
import { createLogger } from '@yishi/logging';

import { connectNatsRuntime } from './nats-runtime';
import { stopOnSignals } from './run-process';
import type { ServiceDefinition } from './service-definition';
import { startService } from './start-service';

/** `main.ts` of a service in distributed mode: its own process, its own database, NATS. */
export async function runServiceProcess(definition: ServiceDefinition): Promise<void> {
  const settings = loadConfigOrExit(ServiceSettings);
  const logger = createLogger(definition.name, settings.LOG_LEVEL);
  const runtime = await connectNatsRuntime(settings.NATS_URL, settings, `yishi-${definition.name}`, logger);
  const service = await startService(definition, settings.DATABASE_URL, runtime);
  stopOnSignals(logger, async () => {
    await service.stop();
    await runtime.close();
  });
}
