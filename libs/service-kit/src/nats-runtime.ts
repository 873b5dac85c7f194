import { connect } from '@nats-io/transport-node';

import type { CommonSettings } from '@yishi/config';
import type { Logger } from '@yishi/logging';
import { JetStreamEventBus, NatsRequestTransport } from '@yishi/messaging';

import type { MessagingRuntime } from './start-service';

export interface NatsRuntime extends MessagingRuntime {
  /** Whether the connection to NATS is up (for readiness). */
  isConnected(): boolean;
  /** Drains the connection: in-flight requests finish, then it closes. */
  close(): Promise<void>;
}

/** Distributed messaging: core NATS for request/reply, JetStream for durable events. */
export async function connectNatsRuntime(
  natsUrl: string,
  settings: CommonSettings,
  processName: string,
  logger: Logger,
): Promise<NatsRuntime> {
  // No async traces: each nats-core request (JetStream's publishes and calls; the RPC transport has
  // its own inbox, ADR 0020) would otherwise build an Error up front for its stack, which cost a
  // sixth of a caller's CPU; timeouts and refusals are reported as typed errors.
  const connection = await connect({ servers: natsUrl.split(','), name: processName, maxReconnectAttempts: -1, noAsyncTraces: true });
  let connected = true;
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') connected = false;
      if (status.type === 'reconnect') connected = true;
      if (status.type === 'disconnect' || status.type === 'reconnect') logger.warn({ nats: status.type }, 'NATS connection changed');
    }
  })();
  const transport = new NatsRequestTransport(connection, settings.subjectPrefix);
  const events = await JetStreamEventBus.connect({ connection, subjectPrefix: settings.subjectPrefix, logger });
  return {
    transport,
    events,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    isConnected: () => connected && !connection.isClosed(),
    close: async () => {
      await events.close();
      await transport.close();
    },
  };
}
