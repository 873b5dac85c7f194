import { Inject, Injectable } from '@nestjs/common';

import { EntryStatus, type EntryResult, type NewEntry } from '@yishi/contracts';
import type { Violation } from '@yishi/messaging';

import { AccountDirectory } from '../accounts/account-directory';
import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { EntriesRepository } from './entries.repository';
import type { EntryDraft, EntryOutcome, PendingTransferState } from './entry.model';
import { validateEntries } from './entry-validation';
import { PostingQueue } from './posting-queue';

type EntryResultInit = Omit<EntryResult, '$typeName'>;

@Injectable()
export class EntriesService {
  constructor(
    @Inject(PostingQueue) private readonly queue: PostingQueue,
    @Inject(AccountDirectory) private readonly directory: AccountDirectory,
    @Inject(EntriesRepository) private readonly repository: EntriesRepository,
  ) {}

  /** Records a batch; malformed input or unknown accounts refuse the whole request and write nothing. */
  async post(entries: readonly NewEntry[]): Promise<EntryResultInit[]> {
    const drafts = validateEntries(entries);
    if (isViolations(drafts)) throw ledgerError(LedgerErrorCode.InvalidRequest, drafts);
    return (await this.record(drafts)).map(toResult);
  }

  /** Records drafts built inside the ledger (fund operations), with the same reference checks. */
  async record(drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    const violations = await this.checkReferences(drafts);
    if (violations.length > 0) throw ledgerError(LedgerErrorCode.InvalidRequest, violations);
    return this.queue.submit(drafts);
  }

  pendingTransfer(id: string): Promise<PendingTransferState | undefined> {
    return this.repository.pendingTransfer(id);
  }

  /** Every book and account must exist, postings stay in the entry's book and in the account's currency. */
  private async checkReferences(drafts: readonly EntryDraft[]): Promise<Violation[]> {
    const books = await this.directory.existingBooks(drafts.map((draft) => draft.bookId));
    const accounts = await this.directory.accounts(drafts.flatMap((draft) => draft.postings.map((posting) => posting.accountId)));
    return drafts.flatMap((draft, index) => {
      const path = `entries[${index}]`;
      if (!books.has(draft.bookId)) return [{ field: `${path}.book_id`, reason: 'no such book' }];
      return draft.postings.flatMap((posting, line) => {
        const account = accounts.get(posting.accountId);
        const field = `${path}.postings[${line}]`;
        if (!account) return [{ field: `${field}.account_id`, reason: 'no such account' }];
        if (account.bookId !== draft.bookId) return [{ field: `${field}.account_id`, reason: 'belongs to another book' }];
        if (account.currency !== posting.currency) {
          return [{ field: `${field}.amount.currency`, reason: `the account keeps ${account.currency}, not ${posting.currency}` }];
        }
        return [];
      });
    });
  }
}

function isViolations(value: EntryDraft[] | Violation[]): value is Violation[] {
  return value.length > 0 && 'field' in value[0]!;
}

function toResult(outcome: EntryOutcome): EntryResultInit {
  return {
    id: outcome.id,
    status: outcome.applied ? EntryStatus.APPLIED : EntryStatus.REFUSED,
    refusal: outcome.refusal ?? '',
    sequence: outcome.sequence ?? 0n,
    hash: outcome.hash ?? '',
    replayed: outcome.replayed,
  };
}
