import { Client } from 'pg';
import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';

import { databaseNameOf, quoteIdentifier, withDatabaseName } from './database-url';

/** A TypeORM migration class; each service lists its own, oldest first. */
export type MigrationClass = new () => MigrationInterface;

/** A TypeORM entity class or schema. */
export type EntityClass = (abstract new (...args: never[]) => object) | EntitySchema;

export interface ServiceDatabaseOptions {
  /** URL of this service's own database. */
  readonly url: string;
  readonly entities?: readonly EntityClass[];
  readonly migrations: readonly MigrationClass[];
  readonly poolSize?: number;
}

/** One DataSource per service. Schema changes come only from migrations, never `synchronize`. */
export function createServiceDataSource(options: ServiceDatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: [...(options.entities ?? [])],
    migrations: [...options.migrations],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Failures surface as errors the caller logs with its context; TypeORM's own console lines would bypass pino.
    logging: false,
    // At least two: migrating holds one connection for the advisory lock while running on another.
    extra: { max: Math.max(options.poolSize ?? 10, 2), application_name: databaseNameOf(options.url) },
  });
}

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

function isPgError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Creates the service's database on first start; safe when several processes race to do it. */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabaseName(url, 'postgres') });
  await admin.connect();
  try {
    const name = databaseNameOf(url);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } catch (error) {
    if (!isPgError(error, DUPLICATE_DATABASE) && !isPgError(error, UNIQUE_VIOLATION)) throw error;
  } finally {
    await admin.end();
  }
}

/** Opens the service's database, creating and migrating it when needed. */
export async function openServiceDatabase(options: ServiceDatabaseOptions): Promise<DataSource> {
  await ensureDatabaseExists(options.url);
  const dataSource = createServiceDataSource(options);
  await dataSource.initialize();
  try {
    await migrateExclusively(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Replicas starting together take turns: an advisory lock serialises the migration run. */
async function migrateExclusively(dataSource: DataSource): Promise<void> {
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query(`SELECT pg_advisory_lock(hashtext('yishi.migrations'))`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockHolder.query(`SELECT pg_advisory_unlock(hashtext('yishi.migrations'))`).catch(() => undefined);
    await lockHolder.release();
  }
}
