import { connect } from '@nats-io/transport-node';

import { CommonSettings, loadConfigOrExit } from '@yishi/config';
import { ServingStatus } from '@yishi/contracts';
import { NatsRequestTransport, RpcClient } from '@yishi/messaging';

import type { ServiceDefinition } from './service-definition';

class ProbeSettings extends CommonSettings {
  NATS_URL = 'nats://127.0.0.1:4222';
}

/** Exits 0 when the service answers its health check as serving, 1 otherwise. */
export async function probeService(definition: ServiceDefinition): Promise<void> {
  const settings = loadConfigOrExit(ProbeSettings);
  const connection = await connect({ servers: settings.NATS_URL.split(',') });
  try {
    const reply = await new RpcClient(new NatsRequestTransport(connection, settings.subjectPrefix), 2_000).call(definition.health, {});
    process.exitCode = reply.status === ServingStatus.SERVING ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${definition.name} is not healthy: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await connection.close();
  }
}
