import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import type {
  BalanceSchema,
  GetBalanceRequest,
  GetStatementRequest,
  GetTrialBalanceRequest,
  StatementSchema,
  TrialBalanceSchema,
} from '@yishi/contracts';
import { fromMinorUnits } from '@yishi/money';

import { AccountsService, toAccount } from '../accounts/accounts.service';
import { shanghaiDate } from '../calendar';
import { BooksRepository } from '../books/books.repository';
import { LedgerErrorCode, accountNotFound, ledgerError } from '../ledger.error';
import { WIRE_ACCOUNT_KINDS, amountText, isCalendarDate, isUuid, normalBalance, type AccountKindName } from '../wire';
import { BalancesRepository } from './balances.repository';

const MAX_PAGE = 500;

@Injectable()
export class BalancesService {
  constructor(
    @Inject(BalancesRepository) private readonly balances: BalancesRepository,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(BooksRepository) private readonly books: BooksRepository,
  ) {}

  /** Posted, pending and available, now or as they stood at `as_of`. */
  async balance(request: GetBalanceRequest): Promise<MessageInitShape<typeof BalanceSchema>> {
    if (!request.asOf) return toAccount(await this.accounts.require(request.accountId)).balance!;
    const moment = timestampDate(request.asOf);
    const account = isUuid(request.accountId) ? await this.balances.accountAt(request.accountId, moment) : undefined;
    if (!account) throw accountNotFound();
    return { ...toAccount(account).balance!, asOf: timestampFromDate(moment) };
  }

  /** The account's posted lines in journal order with the running balance, a page of entries at a time. */
  async statement(request: GetStatementRequest): Promise<MessageInitShape<typeof StatementSchema>> {
    const account = await this.accounts.require(request.accountId);
    const pageSize = Math.min(Math.max(request.pageSize || 100, 1), MAX_PAGE);
    const rows = await this.balances.statementPage(account.id, request.afterSequence, pageSize + 1);
    const sequences = [...new Set(rows.map((row) => row.book_sequence))];
    const more = sequences.length > pageSize;
    const page = more ? rows.filter((row) => row.book_sequence !== sequences[pageSize]) : rows;
    const currency = account.currency;
    return {
      accountId: account.id,
      currency,
      lines: page.map((row) => ({
        entryId: row.entry_id,
        sequence: BigInt(row.book_sequence),
        effectiveDate: row.effective_date,
        recordedAt: timestampFromDate(row.recorded_at),
        memo: row.memo,
        evidence: row.evidence,
        debit: row.side === 'debit' ? amountText(row.amount, currency) : '',
        credit: row.side === 'credit' ? amountText(row.amount, currency) : '',
        runningBalance: normalBalance(account.normal_side, BigInt(row.debits_posted_after), BigInt(row.credits_posted_after), currency),
      })),
      nextAfterSequence: more ? BigInt(page.at(-1)!.book_sequence) : 0n,
    };
  }

  async trialBalance(request: Pick<GetTrialBalanceRequest, 'bookId' | 'asOfDate'>): Promise<MessageInitShape<typeof TrialBalanceSchema>> {
    if (!isUuid(request.bookId) || !(await this.books.find(request.bookId))) {
      throw ledgerError(LedgerErrorCode.BookNotFound, [{ field: 'book_id', reason: 'no such book' }]);
    }
    if (request.asOfDate && !isCalendarDate(request.asOfDate)) {
      throw ledgerError(LedgerErrorCode.InvalidRequest, [{ field: 'as_of_date', reason: 'must be a date YYYY-MM-DD' }]);
    }
    const asOfDate = request.asOfDate || shanghaiDate(new Date());
    const rows = await this.balances.trialBalance(request.bookId, asOfDate);
    const totals = new Map<string, { debits: bigint; credits: bigint }>();
    for (const row of rows) {
      const total = totals.get(row.currency) ?? { debits: 0n, credits: 0n };
      total.debits += BigInt(row.debits);
      total.credits += BigInt(row.credits);
      totals.set(row.currency, total);
    }
    return {
      bookId: request.bookId,
      asOfDate,
      lines: rows.map((row) => ({
        accountId: row.id,
        code: row.code,
        nameZh: row.name_zh,
        nameEn: row.name_en,
        kind: WIRE_ACCOUNT_KINDS[row.kind as AccountKindName],
        currency: row.currency,
        debits: amountText(row.debits, row.currency),
        credits: amountText(row.credits, row.currency),
      })),
      totals: [...totals].map(([currency, total]) => ({
        currency,
        debits: fromMinorUnits(total.debits, currency),
        credits: fromMinorUnits(total.credits, currency),
      })),
    };
  }
}
