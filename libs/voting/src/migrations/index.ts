import type { MigrationClass } from '@yishi/persistence';

/** The voting database's own migrations, oldest first (the host adds the messaging tables). */
export const votingMigrations: MigrationClass[] = [];
