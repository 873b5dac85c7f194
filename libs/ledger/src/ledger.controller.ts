import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import {
  LedgerRpc,
  type CloseAccountRequest,
  type GetAccountRequest,
  type GetBalanceRequest,
  type GetEntryRequest,
  type GetStatementRequest,
  type GetTrialBalanceRequest,
  type OpenAccountRequest,
  type PostEntriesRequest,
  type VerifyChainRequest,
} from '@yishi/contracts';

import { AccountsService } from './accounts/accounts.service';
import { BalancesService } from './balances/balances.service';
import { ChainService } from './chain/chain.service';
import { EntriesService } from './entries/entries.service';
import { EntryLookupService } from './entries/entry-lookup.service';

/** The ledger's subjects; each handler only hands the request to the service that owns it. */
@Controller()
export class LedgerController {
  constructor(
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(EntriesService) private readonly entries: EntriesService,
    @Inject(EntryLookupService) private readonly lookup: EntryLookupService,
    @Inject(BalancesService) private readonly balances: BalancesService,
    @Inject(ChainService) private readonly chain: ChainService,
  ) {}

  @MessagePattern(LedgerRpc.openAccount.subject)
  openAccount(request: OpenAccountRequest) {
    return this.accounts.open(request);
  }

  @MessagePattern(LedgerRpc.closeAccount.subject)
  closeAccount(request: CloseAccountRequest) {
    return this.accounts.close(request);
  }

  @MessagePattern(LedgerRpc.getAccount.subject)
  getAccount(request: GetAccountRequest) {
    return this.accounts.get(request);
  }

  @MessagePattern(LedgerRpc.postEntries.subject)
  async postEntries(request: PostEntriesRequest) {
    return { results: await this.entries.post(request.entries) };
  }

  @MessagePattern(LedgerRpc.getEntry.subject)
  getEntry(request: GetEntryRequest) {
    return this.lookup.get(request);
  }

  @MessagePattern(LedgerRpc.getBalance.subject)
  getBalance(request: GetBalanceRequest) {
    return this.balances.balance(request);
  }

  @MessagePattern(LedgerRpc.getStatement.subject)
  getStatement(request: GetStatementRequest) {
    return this.balances.statement(request);
  }

  @MessagePattern(LedgerRpc.getTrialBalance.subject)
  getTrialBalance(request: GetTrialBalanceRequest) {
    return this.balances.trialBalance(request);
  }

  @MessagePattern(LedgerRpc.verifyChain.subject)
  verifyChain(request: VerifyChainRequest) {
    return this.chain.verify(request);
  }
}
