import type { CommonSettings } from '@yishi/config';
import type { Logger } from '@yishi/logging';
import { InProcessRequestTransport, LocalEventBus } from '@yishi/messaging';
import type { MessagingRuntime } from '@yishi/service-kit';

export interface InProcessRuntime extends MessagingRuntime {
  isConnected(): boolean;
  close(): Promise<void>;
}

/** Standalone messaging: the same subjects, bytes and errors as NATS, without a broker. */
export function inProcessRuntime(settings: CommonSettings, logger: Logger): InProcessRuntime {
  const transport = new InProcessRequestTransport();
  const events = new LocalEventBus({ logger });
  return {
    transport,
    events,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    isConnected: () => true,
    close: async () => {
      await events.close();
      await transport.close();
    },
  };
}
