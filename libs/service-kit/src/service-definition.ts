import type { Type } from '@nestjs/common';

import type { HealthCheckRequestSchema, HealthCheckResponseSchema, RpcMethod } from '@yishi/contracts';
import type { EntityClass, MigrationClass } from '@yishi/persistence';

/** What a service contributes to any process that hosts it (its own, or the standalone one). */
export interface ServiceDefinition {
  /** Also its queue group, its database name suffix and its logger component. */
  readonly name: 'identity' | 'proposals' | 'voting' | 'ledger';
  /** The service's root Nest module. */
  readonly module: Type<unknown>;
  /** Its `<service>.health.check` method, which the gateway and container health checks call. */
  readonly health: RpcMethod<typeof HealthCheckRequestSchema, typeof HealthCheckResponseSchema>;
  /** Every request/reply method it answers (from its proto service). */
  readonly methods: readonly RpcMethod[];
  readonly migrations: readonly MigrationClass[];
  readonly entities?: readonly EntityClass[];
}
