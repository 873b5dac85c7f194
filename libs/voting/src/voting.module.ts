import { Module } from '@nestjs/common';

import { VotingRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

@Module({
  imports: [HealthModule.forService('voting', VotingRpc.checkHealth)],
})
export class VotingModule {}
