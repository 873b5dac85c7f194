import { Inject, Injectable } from '@nestjs/common';

import { IdentityRpc, LedgerRpc, ProposalsRpc, ServingStatus, VotingRpc } from '@yishi/contracts';
import { RpcClient } from '@yishi/messaging';

/** Each service's health probe must answer within this, so /health itself answers promptly. */
const PROBE_TIMEOUT_MS = 2_000;

const PROBES = {
  identity: IdentityRpc.checkHealth,
  proposals: ProposalsRpc.checkHealth,
  voting: VotingRpc.checkHealth,
  ledger: LedgerRpc.checkHealth,
} as const;

export type ServiceName = keyof typeof PROBES;

export interface ServiceStatus {
  readonly status: 'up' | 'down';
  /** Why a service counts as down, when it does. */
  readonly reason?: string;
}

export interface SystemHealth {
  readonly status: 'ok' | 'degraded';
  readonly services: Record<ServiceName, ServiceStatus>;
  /** The services that did not answer, named so that an operator knows where to look. */
  readonly down: ServiceName[];
}

@Injectable()
export class ServiceHealth {
  constructor(@Inject(RpcClient) private readonly rpc: RpcClient) {}

  async check(): Promise<SystemHealth> {
    const names = Object.keys(PROBES) as ServiceName[];
    const statuses = await Promise.all(names.map((name) => this.probe(name)));
    const services = Object.fromEntries(names.map((name, index) => [name, statuses[index]!])) as Record<ServiceName, ServiceStatus>;
    const down = names.filter((name) => services[name].status === 'down');
    return { status: down.length === 0 ? 'ok' : 'degraded', services, down };
  }

  private async probe(name: ServiceName): Promise<ServiceStatus> {
    try {
      const reply = await this.rpc.call(PROBES[name], {}, { timeoutMs: PROBE_TIMEOUT_MS });
      if (reply.status === ServingStatus.SERVING) return { status: 'up' };
      return { status: 'down', reason: reply.databaseReachable ? 'not serving' : 'database unreachable' };
    } catch (error) {
      return { status: 'down', reason: (error as Error).message };
    }
  }
}
