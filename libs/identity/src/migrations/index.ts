import type { MigrationClass } from '@yishi/persistence';

/** The identity database's own migrations, oldest first (the host adds the messaging tables). */
export const identityMigrations: MigrationClass[] = [];
