import { Module } from '@nestjs/common';

import { LedgerRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

@Module({
  imports: [HealthModule.forService('ledger', LedgerRpc.checkHealth)],
})
export class LedgerModule {}
