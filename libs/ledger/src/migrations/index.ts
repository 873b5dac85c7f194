import type { MigrationClass } from '@yishi/persistence';

import { LedgerSchema1763900001000 } from './1763900001000-ledger-schema';

/** The ledger database's own migrations, oldest first (the host adds the messaging tables). */
export const ledgerMigrations: MigrationClass[] = [LedgerSchema1763900001000];
