import { Module } from '@nestjs/common';

import { LedgerRpc } from '@yishi/contracts';
import { HealthModule } from '@yishi/service-kit';

import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { BalancesRepository } from './balances/balances.repository';
import { BalancesService } from './balances/balances.service';
import { BooksController } from './books/books.controller';
import { BooksRepository } from './books/books.repository';
import { BooksService } from './books/books.service';
import { ChainService } from './chain/chain.service';
import { JournalRepository } from './chain/journal.repository';
import { EntriesRepository } from './entries/entries.repository';
import { EntriesService } from './entries/entries.service';
import { EntryLookupService } from './entries/entry-lookup.service';
import { PendingExpiry } from './entries/pending-expiry';
import { PostingQueue } from './entries/posting-queue';
import { FundChartService } from './funds/fund-chart.service';
import { FundOperations } from './funds/fund-operations';
import { FundStatementsService } from './funds/fund-statements.service';
import { FundsController } from './funds/funds.controller';
import { FundsRepository } from './funds/funds.repository';
import { FundsService } from './funds/funds.service';
import { LeviesService } from './funds/levies.service';
import { ReconciliationRepository } from './funds/reconciliation.repository';
import { ReconciliationService } from './funds/reconciliation.service';
import { StatementExportService } from './funds/statement-export.service';
import { LedgerController } from './ledger.controller';

@Module({
  imports: [HealthModule.forService('ledger', LedgerRpc.checkHealth)],
  controllers: [BooksController, LedgerController, FundsController],
  providers: [
    AccountsRepository,
    AccountsService,
    BalancesRepository,
    BalancesService,
    BooksRepository,
    BooksService,
    ChainService,
    EntriesRepository,
    EntriesService,
    EntryLookupService,
    FundChartService,
    FundOperations,
    FundStatementsService,
    FundsRepository,
    FundsService,
    JournalRepository,
    LeviesService,
    PendingExpiry,
    PostingQueue,
    ReconciliationRepository,
    ReconciliationService,
    StatementExportService,
  ],
})
export class LedgerModule {}
