import 'reflect-metadata';

import { GatewaySettings, loadConfigOrExit } from '@yishi/config';
import { startGateway } from '@yishi/gateway';
import { createLogger } from '@yishi/logging';
import { RpcClient } from '@yishi/messaging';
import { connectNatsRuntime, runMain, stopOnSignals } from '@yishi/service-kit';

async function main(): Promise<void> {
  const settings = loadConfigOrExit(GatewaySettings);
  const logger = createLogger('gateway', settings.LOG_LEVEL);
  const runtime = await connectNatsRuntime(settings.NATS_URL, settings, 'yishi-gateway', logger);
  const rpcClient = new RpcClient(runtime.transport, settings.REQUEST_TIMEOUT_MS);
  const gateway = await startGateway(settings.PORT, rpcClient, runtime.isConnected);
  logger.info({ url: gateway.url }, 'gateway listening');
  stopOnSignals(logger, async () => {
    await gateway.stop();
    await runtime.close();
  });
}

runMain('yishi gateway', main);
