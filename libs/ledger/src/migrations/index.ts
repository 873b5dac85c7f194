import type { MigrationClass } from '@yishi/persistence';

import { LedgerSchema1763900001000 } from './1763900001000-ledger-schema';
import { FundProjects1763900002000 } from './1763900002000-fund-projects';
import { BankReconciliation1763900003000 } from './1763900003000-bank-reconciliation';
import { JournalReferenceChecks1763900004000 } from './1763900004000-journal-reference-checks';
import { BookVersions1763900005000 } from './1763900005000-book-versions';
import { AccountRoomForUpdates1763900006000 } from './1763900006000-account-room-for-updates';
import { PostingsKeyedByAccount1763900007000 } from './1763900007000-postings-keyed-by-account';
import { BookMoments1763900008000 } from './1763900008000-book-moments';
import { OneReversalPerEntry1763900009000 } from './1763900009000-one-reversal-per-entry';
import { ReservationsByAccount1763900010000 } from './1763900010000-reservations-by-account';
import { PendingTransfersResolveOnce1763900011000 } from './1763900011000-pending-transfers-resolve-once';

/** The ledger database's own migrations, oldest first (the host adds the messaging tables). */
export const ledgerMigrations: MigrationClass[] = [
  LedgerSchema1763900001000,
  FundProjects1763900002000,
  BankReconciliation1763900003000,
  JournalReferenceChecks1763900004000,
  BookVersions1763900005000,
  AccountRoomForUpdates1763900006000,
  PostingsKeyedByAccount1763900007000,
  BookMoments1763900008000,
  OneReversalPerEntry1763900009000,
  ReservationsByAccount1763900010000,
  PendingTransfersResolveOnce1763900011000,
];
