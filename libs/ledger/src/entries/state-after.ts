import type { BatchState, BatchWrites } from './batch-application';
import { entryInBook, type AccountState, type BookHead, type EntryDraft, type PendingTransferState, type ReversalTarget, type StoredOutcome } from './entry.model';

/**
 * What a batch leaves behind once its write commits: the next batch is read while this one is
 * still being written, and applied over it (ADR 0010). Books and pending transfers are copies.
 * Accounts and outcomes are the batch's own, which nothing changes once the batch is applied:
 * `layOver` copies the accounts the next batch needs. The ids of the entries it appends are
 * gathered only if a later batch reverses one of them.
 */
export interface StateAfter {
  readonly books: ReadonlyMap<string, BookHead>;
  readonly accounts: ReadonlyMap<string, AccountState>;
  readonly pendings: ReadonlyMap<string, PendingTransferState>;
  readonly storedOutcomes: ReadonlyMap<string, StoredOutcome>;
  /** An entry of `bookId` it appends, as a later reversal of it is checked. */
  appended(bookId: string, entryId: string): ReversalTarget | undefined;
  /** Whether it appends a reversal of the entry. */
  reverses(entryId: string): boolean;
}

/** True when applying the batch changed nothing: replays and id conflicts only. Nothing is written, no version raised. */
export function writesNothing(writes: BatchWrites): boolean {
  return writes.entries.length === 0 && writes.requests.length === 0 && writes.touchedAccounts.size === 0 && writes.newPendings.length === 0;
}

/** The state `writes` leaves when committed over `state`: every book read is written, so its version goes up by one. */
export function stateAfter(state: BatchState, writes: BatchWrites): StateAfter {
  const written = !writesNothing(writes);
  let appended: Set<string> | undefined;
  let reversed: Set<string> | undefined;
  return {
    books: new Map([...state.books].map(([id, book]) => [id, { ...book, version: written ? book.version + 1n : book.version }])),
    accounts: new Map([...writes.touchedAccounts].map((id) => [id, state.accounts.get(id)!])),
    pendings: new Map([...writes.newPendings, ...writes.resolvedPendings.values()].map((pending) => [pending.id, { ...pending }])),
    storedOutcomes: writes.outcomes,
    appended: (bookId, entryId) => {
      appended ??= new Set(writes.entries.map((entry) => entryInBook(entry.bookId, entry.id)));
      return appended.has(entryInBook(bookId, entryId)) ? { lines: writes.postings.postedLinesOf(entryId), reversed: false } : undefined;
    },
    reverses: (entryId) => (reversed ??= new Set(writes.entries.map((entry) => entry.reversesEntryId ?? ''))).has(entryId),
  };
}

/**
 * Lays what an earlier batch leaves over a state read for `drafts` before that batch committed.
 * Rows the earlier batch did not write were read as they are; if anyone else wrote the books
 * meanwhile, the versions no longer match and the write is refused whole. Of its accounts, those
 * the state holds are replaced and those the drafts or the state's pending transfers name are
 * added, as copies; of its outcomes and entries, only those the drafts name are looked up. A batch
 * of 1,000 transfers no longer copies the 1,900 accounts the one before touched.
 */
export function layOver(state: BatchState, after: StateAfter, drafts: readonly EntryDraft[]): void {
  for (const [id, book] of after.books) if (state.books.has(id)) state.books.set(id, { ...book });
  for (const [id, pending] of after.pendings) state.pendings.set(id, { ...pending });
  for (const [id, account] of after.accounts) if (state.accounts.has(id)) state.accounts.set(id, { ...account });
  const addAccount = (id: string): void => {
    const account = after.accounts.get(id);
    if (account && !state.accounts.has(id)) state.accounts.set(id, { ...account });
  };
  for (const pending of state.pendings.values()) [pending.debitAccountId, pending.creditAccountId].forEach(addAccount);
  for (const draft of drafts) {
    for (const posting of draft.postings) addAccount(posting.accountId);
    const outcome = after.storedOutcomes.get(draft.id);
    if (outcome) state.storedOutcomes.set(draft.id, outcome);
    if (draft.reversesEntryId) layReversalTargetOver(state, after, draft.bookId, draft.reversesEntryId);
  }
}

/** The entry a reversal names as the earlier batch leaves it: perhaps appended by it, perhaps reversed by it. */
function layReversalTargetOver(state: BatchState, after: StateAfter, bookId: string, entryId: string): void {
  const key = entryInBook(bookId, entryId);
  const target = state.reversalTargets.get(key) ?? after.appended(bookId, entryId);
  if (target) state.reversalTargets.set(key, { ...target, reversed: target.reversed || after.reverses(entryId) });
}
