import type { MigrationClass } from '@yishi/persistence';

/** The proposals database's own migrations, oldest first (the host adds the messaging tables). */
export const proposalsMigrations: MigrationClass[] = [];
