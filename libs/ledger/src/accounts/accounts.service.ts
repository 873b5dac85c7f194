import { Inject, Injectable } from '@nestjs/common';

import type { Account, CloseAccountRequest, GetAccountRequest, OpenAccountRequest } from '@yishi/contracts';
import type { Violation } from '@yishi/messaging';
import { DEFAULT_CURRENCY, isKnownCurrency } from '@yishi/money';

import { BooksRepository } from '../books/books.repository';
import { LedgerErrorCode, accountNotFound, ledgerError } from '../ledger.error';
import { ACCOUNT_KIND_NAMES, amountText, isUuid, normalBalance, SIDE_NAMES, textProblem, WIRE_ACCOUNT_KINDS, WIRE_SIDES } from '../wire';
import { AccountsRepository, type AccountRecord, type NewAccount } from './accounts.repository';

type AccountInit = Omit<Account, '$typeName'>;

const CODE = /^[a-z0-9][a-z0-9._-]{0,119}$/;
const MAX_ACCOUNT_TEXT = 200;

/** An account's names and references, by field name on the wire. */
function accountTexts(request: OpenAccountRequest): [string, string][] {
  const references = request.references;
  return [
    ['name_zh', request.nameZh],
    ['name_en', request.nameEn],
    ['references.community', references?.community ?? ''],
    ['references.estate', references?.estate ?? ''],
    ['references.project', references?.project ?? ''],
    ['references.household', references?.household ?? ''],
    ['references.organisation', references?.organisation ?? ''],
  ];
}

@Injectable()
export class AccountsService {
  constructor(
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(BooksRepository) private readonly books: BooksRepository,
  ) {}

  /** Opens an account; opening the same code again with the same definition returns the existing one. */
  async open(request: OpenAccountRequest): Promise<AccountInit> {
    const account = this.validate(request);
    if (!(await this.books.find(account.book_id))) throw ledgerError(LedgerErrorCode.BookNotFound, [{ field: 'book_id', reason: 'no such book' }]);
    const inserted = await this.accounts.insert(account);
    if (inserted) return toAccount(inserted);
    const existing = (await this.accounts.findByCode(account.book_id, account.code))!;
    if (!sameDefinition(existing, account)) throw ledgerError(LedgerErrorCode.AccountCodeTaken, [{ field: 'code', reason: 'already used in this book' }]);
    return toAccount(existing);
  }

  async get(request: GetAccountRequest): Promise<AccountInit> {
    return toAccount(await this.require(request.accountId));
  }

  async close(request: CloseAccountRequest): Promise<AccountInit> {
    const { closed, account } = await this.accounts.close(request.accountId);
    if (!account) throw accountNotFound();
    if (!closed) throw ledgerError(LedgerErrorCode.AccountNotEmpty, [{ field: 'account_id', reason: 'has pending transfers' }]);
    return toAccount(account);
  }

  async require(accountId: string): Promise<AccountRecord> {
    const account = isUuid(accountId) ? await this.accounts.find(accountId) : undefined;
    if (!account) throw accountNotFound();
    return account;
  }

  private validate(request: OpenAccountRequest): NewAccount {
    const violations: Violation[] = [];
    const kind = ACCOUNT_KIND_NAMES[request.kind];
    const side = SIDE_NAMES[request.normalSide];
    const currency = request.currency || DEFAULT_CURRENCY;
    if (!isUuid(request.bookId)) violations.push({ field: 'book_id', reason: 'must be a book id' });
    if (!CODE.test(request.code)) violations.push({ field: 'code', reason: 'must be 1–120 of a-z, 0-9, ".", "_", "-"' });
    if (!request.nameZh.trim()) violations.push({ field: 'name_zh', reason: 'must not be empty' });
    for (const [field, text] of accountTexts(request)) {
      const problem = textProblem(text, MAX_ACCOUNT_TEXT);
      if (problem) violations.push({ field, reason: problem });
    }
    if (!kind) violations.push({ field: 'kind', reason: 'must be CUSTODY, FUND, COUNTERPARTY or MEMO' });
    if (!side) violations.push({ field: 'normal_side', reason: 'must be DEBIT or CREDIT' });
    if (!isKnownCurrency(currency)) violations.push({ field: 'currency', reason: `is not a currency the ledger keeps: ${currency}` });
    const flags = request.flags;
    if (flags?.debitsMustNotExceedCredits && flags.creditsMustNotExceedDebits) {
      violations.push({ field: 'flags', reason: 'an account can limit its debits or its credits, not both' });
    }
    if (violations.length > 0 || !kind || !side) throw ledgerError(LedgerErrorCode.InvalidRequest, violations);
    const references = request.references;
    return {
      book_id: request.bookId,
      code: request.code,
      name_zh: request.nameZh,
      name_en: request.nameEn,
      kind,
      currency,
      normal_side: side,
      debits_must_not_exceed_credits: flags?.debitsMustNotExceedCredits ?? false,
      credits_must_not_exceed_debits: flags?.creditsMustNotExceedDebits ?? false,
      ref_community: references?.community ?? '',
      ref_estate: references?.estate ?? '',
      ref_project: references?.project ?? '',
      ref_household: references?.household ?? '',
      ref_organisation: references?.organisation ?? '',
    };
  }
}

function sameDefinition(existing: AccountRecord, wanted: NewAccount): boolean {
  return (Object.keys(wanted) as (keyof NewAccount)[]).every((key) => existing[key] === wanted[key]);
}

export function toAccount(record: AccountRecord): AccountInit {
  const debitsPosted = BigInt(record.debits_posted);
  const creditsPosted = BigInt(record.credits_posted);
  const debitsPending = BigInt(record.debits_pending);
  const creditsPending = BigInt(record.credits_pending);
  const reserved = record.normal_side === 'debit' ? creditsPending : debitsPending;
  const currency = record.currency;
  return {
    id: record.id,
    bookId: record.book_id,
    code: record.code,
    nameZh: record.name_zh,
    nameEn: record.name_en,
    kind: WIRE_ACCOUNT_KINDS[record.kind],
    currency,
    normalSide: WIRE_SIDES[record.normal_side],
    flags: {
      debitsMustNotExceedCredits: record.debits_must_not_exceed_credits,
      creditsMustNotExceedDebits: record.credits_must_not_exceed_debits,
    } as AccountInit['flags'],
    references: {
      community: record.ref_community,
      estate: record.ref_estate,
      project: record.ref_project,
      household: record.ref_household,
      organisation: record.ref_organisation,
    } as AccountInit['references'],
    closed: record.closed,
    balance: {
      accountId: record.id,
      currency,
      debitsPosted: amountText(debitsPosted, currency),
      creditsPosted: amountText(creditsPosted, currency),
      debitsPending: amountText(debitsPending, currency),
      creditsPending: amountText(creditsPending, currency),
      posted: normalBalance(record.normal_side, debitsPosted, creditsPosted, currency),
      available: amountText((record.normal_side === 'debit' ? debitsPosted - creditsPosted : creditsPosted - debitsPosted) - reserved, currency),
    } as AccountInit['balance'],
  };
}
