import { createHash, randomBytes } from 'node:crypto';

import { Client } from 'pg';
import { createServiceDataSource, quoteIdentifier, withDatabaseName, type MigrationClass } from '@yishi/persistence';

/** The Postgres server tests use: the machine's own unless TEST_DATABASE_URL says otherwise. */
export const TEST_SERVER_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Names the template, e.g. "ledger". */
  readonly service: string;
  readonly migrations: readonly MigrationClass[];
}

/** Names and code of the migrations: a template is rebuilt whenever either changes. */
function migrationFingerprint(migrations: readonly MigrationClass[]): string {
  const hash = createHash('sha256');
  for (const migration of migrations) hash.update(migration.name).update(migration.toString());
  return hash.digest('hex').slice(0, 12);
}

async function withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Builds the migrated template once per set of migrations; an advisory lock keeps workers from racing. */
async function ensureTemplate(options: TestDatabaseOptions): Promise<string> {
  const template = `yishi_tpl_${options.service}_${migrationFingerprint(options.migrations)}`;
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (found.rowCount) return;
      await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
      const dataSource = createServiceDataSource({ url: withDatabaseName(TEST_SERVER_URL, template), migrations: options.migrations, poolSize: 1 });
      await dataSource.initialize();
      try {
        await dataSource.runMigrations({ transaction: 'each' });
      } catch (error) {
        await dataSource.destroy();
        await admin.query(`DROP DATABASE ${quoteIdentifier(template)}`);
        throw error;
      }
      await dataSource.destroy();
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });
  return template;
}

/** A fresh database for one test file, cloned from a migrated template (fast and isolated). */
export async function createTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const template = await ensureTemplate(options);
  const name = `yishi_test_${options.service}_${randomBytes(5).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}`));
  return {
    name,
    url: withDatabaseName(TEST_SERVER_URL, name),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}
