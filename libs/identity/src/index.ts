import { IdentityRpc } from '@yishi/contracts';
import type { ServiceDefinition } from '@yishi/service-kit';

import { IdentityModule } from './identity.module';
import { identityMigrations } from './migrations';

export { IdentityModule };

export const identityService: ServiceDefinition = {
  name: 'identity',
  module: IdentityModule,
  health: IdentityRpc.checkHealth,
  methods: Object.values(IdentityRpc),
  migrations: identityMigrations,
};
export * from './privacy';
