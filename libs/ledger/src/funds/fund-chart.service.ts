import { Inject, Injectable } from '@nestjs/common';

import { DEFAULT_CURRENCY } from '@yishi/money';

import { AccountsRepository } from '../accounts/accounts.repository';
import { BooksRepository } from '../books/books.repository';
import { LedgerErrorCode, ledgerError } from '../ledger.error';
import type { ChartAccount } from './chart';

/**
 * A community's standard chart, created on first use: the book, then each account the first time
 * an operation needs it. Codes never change, so the ids found are kept.
 */
@Injectable()
export class FundChartService {
  private readonly accountIds = new Map<string, string>();

  constructor(
    @Inject(BooksRepository) private readonly books: BooksRepository,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
  ) {}

  async openBook(communityRef: string, communityName: string): Promise<string> {
    return (await this.books.open(communityRef, communityName || communityRef)).id;
  }

  async bookOf(communityRef: string): Promise<string> {
    const book = await this.books.findByCommunity(communityRef);
    if (!book) throw ledgerError(LedgerErrorCode.BookNotFound, [{ field: 'community_ref', reason: 'this community has no books yet' }]);
    return book.id;
  }

  async account(bookId: string, definition: ChartAccount): Promise<string> {
    const key = `${bookId}:${definition.code}`;
    const known = this.accountIds.get(key);
    if (known) return known;
    const opened = await this.accounts.insert({
      book_id: bookId,
      code: definition.code,
      name_zh: definition.nameZh,
      name_en: definition.nameEn,
      kind: definition.kind,
      currency: DEFAULT_CURRENCY,
      normal_side: definition.normalSide,
      debits_must_not_exceed_credits: definition.noOverdraft && definition.normalSide === 'credit',
      credits_must_not_exceed_debits: definition.noOverdraft && definition.normalSide === 'debit',
      ref_community: '',
      ref_estate: definition.references.estate ?? '',
      ref_project: definition.references.project ?? '',
      ref_household: '',
      ref_organisation: definition.references.organisation ?? '',
    });
    const id = opened?.id ?? (await this.accounts.findByCode(bookId, definition.code))!.id;
    this.accountIds.set(key, id);
    return id;
  }
}
