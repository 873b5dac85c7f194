import type { Violation } from '@yishi/messaging';

import type { BatchState } from './batch-application';
import type { EntryDraft } from './entry.model';

/**
 * Every book and account a request names must exist, postings stay in the entry's book and in the
 * account's currency. Checked against the state the batch read anyway, so it costs no query of its own.
 */
export function referenceViolations(drafts: readonly EntryDraft[], state: Pick<BatchState, 'books' | 'accounts'>): Violation[] {
  return drafts.flatMap((draft, index) => {
    const path = `entries[${index}]`;
    if (!state.books.has(draft.bookId)) return [{ field: `${path}.book_id`, reason: 'no such book' }];
    return draft.postings.flatMap((posting, line) => {
      const account = state.accounts.get(posting.accountId);
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
