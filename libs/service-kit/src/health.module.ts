import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DataSource } from 'typeorm';

import { ServingStatus, type HealthCheckRequestSchema, type HealthCheckResponseSchema, type RpcMethod } from '@yishi/contracts';
import type { MessageInitShape } from '@bufbuild/protobuf';

type HealthMethod = RpcMethod<typeof HealthCheckRequestSchema, typeof HealthCheckResponseSchema>;
type HealthReply = MessageInitShape<typeof HealthCheckResponseSchema>;

const SERVICE_NAME = Symbol('SERVICE_NAME');

async function databaseAnswers(dataSource: DataSource): Promise<boolean> {
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** Every service answers its own `<service>.health.check` subject with the same message. */
@Module({})
export class HealthModule {
  static forService(service: string, method: HealthMethod): DynamicModule {
    @Controller()
    class HealthController {
      constructor(
        @Inject(DataSource) private readonly dataSource: DataSource,
        @Inject(SERVICE_NAME) private readonly serviceName: string,
      ) {}

      @MessagePattern(method.subject)
      async check(): Promise<HealthReply> {
        const databaseReachable = await databaseAnswers(this.dataSource);
        return {
          service: this.serviceName,
          status: databaseReachable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING,
          databaseReachable,
          checkedAt: timestampFromDate(new Date()),
        };
      }
    }
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: SERVICE_NAME, useValue: service }],
    };
  }
}
