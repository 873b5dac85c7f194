import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';

import { READINESS, type Readiness } from '../readiness';
import { ServiceHealth, type SystemHealth } from './service-health';

@Controller()
export class HealthController {
  constructor(
    @Inject(ServiceHealth) private readonly health: ServiceHealth,
    @Inject(READINESS) private readonly readiness: Readiness,
  ) {}

  /** 200 only when every service answers; otherwise 503 naming those that do not. */
  @Get('health')
  async check(@Res({ passthrough: true }) response: Response): Promise<SystemHealth> {
    const health = await this.health.check();
    response.status(health.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return health;
  }

  /** Whether this gateway can take traffic (its connection to the bus is up). */
  @Get('ready')
  ready(@Res({ passthrough: true }) response: Response): { ready: boolean } {
    const ready = this.readiness();
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { ready };
  }
}
