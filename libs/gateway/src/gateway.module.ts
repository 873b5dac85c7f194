import { Module, type DynamicModule } from '@nestjs/common';

import { RpcClient } from '@yishi/messaging';

import { HealthController } from './health/health.controller';
import { ServiceHealth } from './health/service-health';
import { READINESS, type Readiness } from './readiness';

@Module({})
export class GatewayModule {
  static forRoot(rpcClient: RpcClient, readiness: Readiness): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [HealthController],
      providers: [ServiceHealth, { provide: RpcClient, useValue: rpcClient }, { provide: READINESS, useValue: readiness }],
    };
  }
}
