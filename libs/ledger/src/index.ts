import { FundsRpc, LedgerRpc } from '@yishi/contracts';
import type { ServiceDefinition } from '@yishi/service-kit';

import { LedgerModule } from './ledger.module';
import { ledgerMigrations } from './migrations';

export { LedgerModule };

export const ledgerService: ServiceDefinition = {
  name: 'ledger',
  module: LedgerModule,
  health: LedgerRpc.checkHealth,
  methods: [...Object.values(LedgerRpc), ...Object.values(FundsRpc)],
  migrations: ledgerMigrations,
};
