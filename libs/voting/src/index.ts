import { VotingRpc } from '@yishi/contracts';
import type { ServiceDefinition } from '@yishi/service-kit';

import { VotingModule } from './voting.module';
import { votingMigrations } from './migrations';

export { VotingModule };

export const votingService: ServiceDefinition = {
  name: 'voting',
  module: VotingModule,
  health: VotingRpc.checkHealth,
  methods: Object.values(VotingRpc),
  migrations: votingMigrations,
};
