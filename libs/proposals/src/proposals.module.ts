import { Module } from '@nestjs/common';

import { ProposalsRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

@Module({
  imports: [HealthModule.forService('proposals', ProposalsRpc.checkHealth)],
})
export class ProposalsModule {}
