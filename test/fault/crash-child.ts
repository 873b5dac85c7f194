// A process the crash suite starts and kills. ROLE picks what it runs; FAULT makes it SIGKILL
// itself at the named point, as a power cut would.
import { connect } from '@nats-io/transport-node';

import { LocalEventBus, OutboxRelay, type EventBus } from '@yishi/messaging';
import { createServiceDataSource } from '@yishi/persistence';

import { COUNTER_MIGRATIONS, connectJetStream, counterSubscription, quietLogger } from './counter-fixture';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`crash-child needs ${name}`);
  return value;
};

const crash = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

async function main(): Promise<void> {
  const role = env('ROLE');
  const fault = process.env['FAULT'] ?? 'none';
  const databaseUrl = env('DATABASE_URL');
  const dataSource = createServiceDataSource({ url: databaseUrl, migrations: COUNTER_MIGRATIONS, poolSize: 2 });
  await dataSource.initialize();

  let bus: EventBus;
  if (role === 'standalone') {
    bus = new LocalEventBus({ logger: quietLogger });
    await bus.subscribe(counterSubscription(dataSource));
  } else {
    const connection = await connect({ servers: env('NATS_URL') });
    bus = await connectJetStream(connection, env('SUBJECT_PREFIX'), fault === 'before-ack' ? crash : undefined);
    if (role === 'consumer') {
      await bus.subscribe(counterSubscription(dataSource));
      process.stdout.write('consuming\n');
      return; // runs until the suite stops it, or the fault kills it
    }
  }
  const relay = new OutboxRelay({
    dataSource,
    databaseUrl,
    bus,
    logger: quietLogger,
    afterPublish: fault === 'after-publish' ? crash : undefined,
  });
  await relay.publishPending();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
