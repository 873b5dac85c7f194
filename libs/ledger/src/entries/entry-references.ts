import type { Violation } from '@yishi/messaging';

import type { BatchState } from './batch-application';
import type { AccountState, EntryDraft, PostingLine } from './entry.model';

/**
 * Every book and account a request names must exist, postings stay in the entry's book and in the
 * account's currency. Checked against the state the batch read anyway, so it costs no query of its own.
 */
export function referenceViolations(drafts: readonly EntryDraft[], state: Pick<BatchState, 'books' | 'accounts'>): Violation[] {
  const violations: Violation[] = [];
  drafts.forEach((draft, index) => {
    if (!state.books.has(draft.bookId)) {
      violations.push({ field: `entries[${index}].book_id`, reason: 'no such book' });
      return;
    }
    draft.postings.forEach((posting, line) => {
      const problem = postingProblem(posting, draft.bookId, state.accounts.get(posting.accountId));
      if (problem) violations.push({ field: `entries[${index}].postings[${line}].${problem.field}`, reason: problem.reason });
    });
  });
  return violations;
}

/** What is wrong with a posting's account, if anything; the field path is built only then. */
function postingProblem(posting: PostingLine, bookId: string, account: AccountState | undefined): { field: string; reason: string } | null {
  if (!account) return { field: 'account_id', reason: 'no such account' };
  if (account.bookId !== bookId) return { field: 'account_id', reason: 'belongs to another book' };
  if (account.currency !== posting.currency) return { field: 'amount.currency', reason: `the account keeps ${account.currency}, not ${posting.currency}` };
  return null;
}
