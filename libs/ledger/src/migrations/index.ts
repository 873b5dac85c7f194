import type { MigrationClass } from '@yishi/persistence';

/** The ledger database's own migrations, oldest first (the host adds the messaging tables). */
export const ledgerMigrations: MigrationClass[] = [];
