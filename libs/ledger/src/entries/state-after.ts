import type { BatchState, BatchWrites } from './batch-application';
import type { AccountState, BookHead, EntryDraft, PendingTransferState, StoredOutcome } from './entry.model';

/**
 * What a batch leaves behind once its write commits: the next batch is read while this one is
 * still being written, and applied over it (ADR 0010). Books, accounts and pending transfers are
 * copies, so neither batch sees the other's later changes. Outcomes are the batch's own map, which
 * nothing changes once the batch is applied; the ids of the entries it appends are gathered only
 * if a later batch reverses one of them.
 */
export interface StateAfter {
  readonly books: ReadonlyMap<string, BookHead>;
  readonly accounts: ReadonlyMap<string, AccountState>;
  readonly pendings: ReadonlyMap<string, PendingTransferState>;
  readonly storedOutcomes: ReadonlyMap<string, StoredOutcome>;
  appends(entryId: string): boolean;
}

/** True when applying the batch changed nothing: replays and id conflicts only. Nothing is written, no version raised. */
export function writesNothing(writes: BatchWrites): boolean {
  return writes.entries.length === 0 && writes.requests.length === 0 && writes.touchedAccounts.size === 0 && writes.newPendings.length === 0;
}

/** The state `writes` leaves when committed over `state`: every book read is written, so its version goes up by one. */
export function stateAfter(state: BatchState, writes: BatchWrites): StateAfter {
  const written = !writesNothing(writes);
  let appended: Set<string> | undefined;
  return {
    books: new Map([...state.books].map(([id, book]) => [id, { ...book, version: written ? book.version + 1n : book.version }])),
    accounts: new Map([...writes.touchedAccounts].map((id) => [id, { ...state.accounts.get(id)! }])),
    pendings: new Map([...writes.newPendings, ...writes.resolvedPendings.values()].map((pending) => [pending.id, { ...pending }])),
    storedOutcomes: writes.outcomes,
    appends: (entryId) => (appended ??= new Set(writes.entries.map((entry) => entry.id))).has(entryId),
  };
}

/**
 * Lays what an earlier batch leaves over a state read for `drafts` before that batch committed.
 * Rows the earlier batch did not write were read as they are; if anyone else wrote the books
 * meanwhile, the versions no longer match and the write is refused whole. Of the earlier batch's
 * outcomes and entries, only those the drafts name are looked up: a batch of 16,000 no longer
 * copies 16,000 of each into the next.
 */
export function layOver(state: BatchState, after: StateAfter, drafts: readonly EntryDraft[]): void {
  for (const [id, book] of after.books) if (state.books.has(id)) state.books.set(id, { ...book });
  for (const [id, account] of after.accounts) state.accounts.set(id, { ...account });
  for (const [id, pending] of after.pendings) state.pendings.set(id, { ...pending });
  for (const draft of drafts) {
    const outcome = after.storedOutcomes.get(draft.id);
    if (outcome) state.storedOutcomes.set(draft.id, outcome);
    if (draft.reversesEntryId && after.appends(draft.reversesEntryId)) state.existingEntryIds.add(draft.reversesEntryId);
  }
}
