import { Module } from '@nestjs/common';

import { IdentityRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

@Module({
  imports: [HealthModule.forService('identity', IdentityRpc.checkHealth)],
})
export class IdentityModule {}
