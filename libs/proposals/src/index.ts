import { ProposalsRpc } from '@yishi/contracts';
import type { ServiceDefinition } from '@yishi/service-kit';

import { ProposalsModule } from './proposals.module';
import { proposalsMigrations } from './migrations';

export { ProposalsModule };

export const proposalsService: ServiceDefinition = {
  name: 'proposals',
  module: ProposalsModule,
  health: ProposalsRpc.checkHealth,
  methods: Object.values(ProposalsRpc),
  migrations: proposalsMigrations,
};
