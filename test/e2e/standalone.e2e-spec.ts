import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';

import { startTsProcess, type StartedProcess } from '../support/processes';

describe('the standalone system (npm start)', () => {
  let dataDir: string;
  let standalone: StartedProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'yishi-standalone-'));
  });

  afterAll(async () => {
    await standalone?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('boots from an empty data folder with every service up, and Ctrl-C stops it and its Postgres', async () => {
    standalone = startTsProcess('apps/standalone/src/main.ts', {
      YISHI_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: undefined,
      NATS_URL: undefined,
      LOG_LEVEL: 'warn',
    });
    const [, url] = await standalone.waitFor(/ready at (http:\/\/localhost:\d+)/);

    const health = await request(url!).get('/api/v1/health').expect(200);
    expect(health.body).toEqual({
      status: 'ok',
      services: { identity: { status: 'up' }, proposals: { status: 'up' }, voting: { status: 'up' }, ledger: { status: 'up' } },
      down: [],
    });
    await request(url!).get('/api/v1/ready').expect(200, { ready: true });
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);

    expect(await standalone.stop('SIGINT')).toBe(0);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});
