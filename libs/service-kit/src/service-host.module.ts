import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { Logger } from '@yishi/logging';
import { RpcClient } from '@yishi/messaging';

import type { ServiceDefinition } from './service-definition';

export const LOGGER = Symbol('LOGGER');

/** Hands a service module what its host process owns: its database, the RPC client, the logger. */
@Global()
@Module({})
export class ServiceHostModule {
  static for(definition: ServiceDefinition, dataSource: DataSource, rpcClient: RpcClient, logger: Logger): DynamicModule {
    return {
      module: ServiceHostModule,
      imports: [definition.module],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: RpcClient, useValue: rpcClient },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [DataSource, RpcClient, LOGGER],
    };
  }
}
