import 'reflect-metadata';

import { StandaloneSettings, loadConfigOrExit } from '@yishi/config';
import { createLogger } from '@yishi/logging';
import { runMain, stopOnSignals } from '@yishi/service-kit';

import { startStandalone } from './standalone';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const settings = loadConfigOrExit(StandaloneSettings);
  const logger = createLogger('standalone', settings.LOG_LEVEL);
  const system = await startStandalone(settings, logger);
  stopOnSignals(logger, system.stop);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  logger.info({ url: system.url, startupSeconds: Number(seconds) }, 'Yishi is ready');
  process.stdout.write(`\nYishi (议事) is ready at ${system.url}/api/v1/health  (started in ${seconds} s; Ctrl-C stops it)\n\n`);
}

runMain('Yishi (议事)', main);
