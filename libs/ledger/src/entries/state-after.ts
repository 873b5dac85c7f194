import type { BatchState, BatchWrites } from './batch-application';

/**
 * What a batch leaves behind once its write commits, in the shape of a batch's state: the next
 * batch is read while this one is still being written, and applied over it (ADR 0010). Copies, so
 * neither batch sees the other's later changes.
 */
export type StateAfter = BatchState;

/** True when applying the batch changed nothing: replays and id conflicts only. Nothing is written, no version raised. */
export function writesNothing(writes: BatchWrites): boolean {
  return writes.entries.length === 0 && writes.requests.length === 0 && writes.touchedAccounts.size === 0 && writes.newPendings.length === 0;
}

/** The state `writes` leaves when committed over `state`: every book read is written, so its version goes up by one. */
export function stateAfter(state: BatchState, writes: BatchWrites): StateAfter {
  const written = !writesNothing(writes);
  return {
    books: new Map([...state.books].map(([id, book]) => [id, { ...book, version: written ? book.version + 1n : book.version }])),
    accounts: new Map([...writes.touchedAccounts].map((id) => [id, { ...state.accounts.get(id)! }])),
    pendings: new Map([...writes.newPendings, ...writes.resolvedPendings.values()].map((pending) => [pending.id, { ...pending }])),
    storedOutcomes: new Map(writes.requests.map((request) => [request.id, request])),
    existingEntryIds: new Set(writes.entries.map((entry) => entry.id)),
  };
}

/**
 * Lays what an earlier batch leaves over a state read before that batch committed. Rows the
 * earlier batch did not write were read as they are; if anyone else wrote the books meanwhile,
 * the versions no longer match and the write is refused whole.
 */
export function layOver(state: BatchState, after: StateAfter): void {
  for (const [id, book] of after.books) if (state.books.has(id)) state.books.set(id, { ...book });
  for (const [id, account] of after.accounts) state.accounts.set(id, { ...account });
  for (const [id, pending] of after.pendings) state.pendings.set(id, { ...pending });
  for (const [id, outcome] of after.storedOutcomes) state.storedOutcomes.set(id, outcome);
  for (const id of after.existingEntryIds) state.existingEntryIds.add(id);
}
