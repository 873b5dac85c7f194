import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import { createLogger, NestPinoLogger } from '@yishi/logging';
import type { RpcClient } from '@yishi/messaging';

import { RpcErrorFilter } from './errors/rpc-error.filter';
import { GatewayModule } from './gateway.module';
import type { Readiness } from './readiness';
import { requestIdMiddleware } from './request-id.middleware';

export const API_PREFIX = 'api/v1';

export interface RunningGateway {
  /** e.g. http://localhost:3000 */
  readonly url: string;
  stop(): Promise<void>;
}

/** The public HTTP API on `port` (0 picks a free one), forwarding to services through `rpcClient`. */
export async function startGateway(port: number, rpcClient: RpcClient, readiness: Readiness): Promise<RunningGateway> {
  const logger = createLogger('gateway');
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(rpcClient, readiness), {
    logger: new NestPinoLogger(logger),
  });
  app.use(requestIdMiddleware(logger));
  app.useGlobalFilters(new RpcErrorFilter());
  app.setGlobalPrefix(API_PREFIX);
  await app.listen(port);
  const address = app.getHttpServer().address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return { url: `http://localhost:${boundPort}`, stop: () => app.close() };
}
