import { randomBytes } from 'node:crypto';

import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import request from 'supertest';

import { jetStreamNames } from '@yishi/messaging';
import { freePort, TEST_SERVER_URL, eventually } from '@yishi/testing';

import { startTsProcess, type StartedProcess } from '../support/processes';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const SERVICES = ['identity', 'proposals', 'voting', 'ledger'] as const;

describe('the distributed system: one process per service, NATS between them', () => {
  const run = `e2e${randomBytes(4).toString('hex')}`;
  const databaseUrl = (service: string): string => {
    const url = new URL(TEST_SERVER_URL);
    url.pathname = `/yishi_${run}_${service}`;
    return url.toString();
  };
  const services = new Map<string, StartedProcess>();
  let gateway: StartedProcess;
  let gatewayUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    for (const service of SERVICES) {
      services.set(
        service,
        startTsProcess(`apps/${service}/src/main.ts`, { DATABASE_URL: databaseUrl(service), NATS_URL, SUBJECT_PREFIX: run, LOG_LEVEL: 'debug' }),
      );
    }
    gateway = startTsProcess('apps/gateway/src/main.ts', { NATS_URL, SUBJECT_PREFIX: run, PORT: String(port), LOG_LEVEL: 'info' });
    await Promise.all([...services.values()].map((service) => service.waitFor(/service started/)));
    await gateway.waitFor(/gateway listening/);
    gatewayUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await Promise.all([gateway, ...services.values()].map((process) => process?.stop('SIGTERM')));
    const admin = new Client({ connectionString: TEST_SERVER_URL });
    await admin.connect();
    for (const service of SERVICES) await admin.query(`DROP DATABASE IF EXISTS "yishi_${run}_${service}" WITH (FORCE)`);
    await admin.end();
    const connection = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(connection);
    const streams = jetStreamNames(`${run}.`);
    await Promise.allSettled([jsm.streams.delete(streams.events), jsm.streams.delete(streams.deadLetters)]);
    await connection.close();
  });

  it('reports 200 with every service up when all four answer over NATS', async () => {
    const health = await request(gatewayUrl).get('/api/v1/health').set('x-request-id', 'probe-1').expect(200);
    expect(health.headers['x-request-id']).toBe('probe-1');
    expect(health.body.down).toEqual([]);
    expect(Object.values(health.body.services)).toEqual(SERVICES.map(() => ({ status: 'up' })));
  });

  it('carries the request id from the gateway into the service’s logs', async () => {
    await request(gatewayUrl).get('/api/v1/health').set('x-request-id', 'trace-me-42').expect(200);
    await eventually(() => expect(services.get('ledger')!.output()).toContain('"correlationId":"trace-me-42"'), 5_000);
  });

  it('reports 503 naming the service that stopped answering', async () => {
    expect(await services.get('ledger')!.stop('SIGTERM')).toBe(0);
    const health = await request(gatewayUrl).get('/api/v1/health').expect(503);
    expect(health.body.down).toEqual(['ledger']);
    expect(health.body.services.identity).toEqual({ status: 'up' });
    await request(gatewayUrl).get('/api/v1/ready').expect(200);
  });
});

describe('configuration is checked at start', () => {
  it('a bad setting stops a service with one clear line naming it', async () => {
    const service = startTsProcess('apps/voting/src/main.ts', { DATABASE_URL: 'mysql://nowhere', NATS_URL: 'nats://127.0.0.1:4222', REQUEST_TIMEOUT_MS: 'soon' });
    expect(await service.exited).toBe(78);
    const lines = service.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DATABASE_URL "mysql:\/\/nowhere": DATABASE_URL must be a postgres:\/\/ URL/);
    expect(lines[0]).toMatch(/REQUEST_TIMEOUT_MS/);
  });
});
