import { shanghaiDate } from '../calendar';
import { Refusal } from '../ledger.error';
import { entryHash, PostingColumns, type EntryRow } from './entry-rows';
import {
  applyMovement,
  entryInBook,
  mirrors,
  type AccountState,
  type BookHead,
  type EntryDraft,
  type EntryOutcome,
  type PendingStateName,
  type PendingTransferState,
  type Phase,
  type ReversalTarget,
  type StoredOutcome,
} from './entry.model';

/** What a batch needs to know, read (and locked) before it is applied. */
export interface BatchState {
  readonly books: Map<string, BookHead>;
  readonly accounts: Map<string, AccountState>;
  readonly pendings: Map<string, PendingTransferState>;
  readonly storedOutcomes: Map<string, StoredOutcome>;
  /** Entries that reversal drafts name and that exist in the drafts' books, by `entryInBook`. */
  readonly reversalTargets: Map<string, ReversalTarget>;
}

export interface RequestRow {
  readonly id: string;
  readonly bookId: string;
  readonly fingerprint: string;
  readonly refusal: string | null;
  readonly sequence: bigint | null;
  readonly hash: string | null;
}

/** Everything one batch writes, in one transaction. */
export interface BatchWrites {
  readonly entries: EntryRow[];
  readonly postings: PostingColumns;
  readonly requests: RequestRow[];
  readonly newPendings: PendingTransferState[];
  readonly resolvedPendings: Map<string, PendingTransferState>;
  readonly touchedAccounts: Set<string>;
  readonly touchedBooks: Set<string>;
  /** The outcome of every id the batch answers (and records), by id. */
  readonly outcomes: Map<string, StoredOutcome>;
}

interface Movement {
  readonly accountId: string;
  readonly phase: Phase;
  readonly side: 'debit' | 'credit';
  readonly amount: bigint;
  readonly currency: string;
}

interface PostedTotals {
  readonly debits: bigint;
  readonly credits: bigint;
}

type Plan = { movements: Movement[]; resolve?: { pending: PendingTransferState; state: PendingStateName } } | Refusal;


/**
 * Applies drafts in order to the locked state, entirely in memory: balance limits, pending
 * transfers, idempotency, linked chains and the hash chain. The result is what to write.
 */
export class BatchApplication {
  readonly writes: BatchWrites = {
    entries: [],
    postings: new PostingColumns(),
    requests: [],
    newPendings: [],
    resolvedPendings: new Map(),
    touchedAccounts: new Set(),
    touchedBooks: new Set(),
    outcomes: new Map(),
  };
  /** Undo steps of the linked chain being applied; empty outside a chain. */
  private readonly undo: (() => void)[] = [];
  private inChain = false;

  constructor(
    private readonly state: BatchState,
    private readonly now: Date,
  ) {}

  /** Applies every draft; a linked chain (drafts with `linked`, then one without) succeeds or fails as one. */
  applyAll(drafts: readonly EntryDraft[]): EntryOutcome[] {
    const outcomes: EntryOutcome[] = [];
    let chain: EntryDraft[] = [];
    for (const draft of drafts) {
      chain.push(draft);
      if (draft.linked) continue;
      if (chain.length === 1) outcomes.push(this.applyOne(draft));
      else outcomes.push(...this.applyChain(chain));
      chain = [];
    }
    if (chain.length > 0) outcomes.push(...this.applyChain(chain));
    return outcomes;
  }

  private applyChain(chain: readonly EntryDraft[]): EntryOutcome[] {
    const mark = { entries: this.writes.entries.length, postings: this.writes.postings.length };
    this.inChain = true;
    try {
      const outcomes: EntryOutcome[] = [];
      for (const draft of chain) {
        const outcome = this.applyOne(draft, false);
        outcomes.push(outcome);
        if (outcome.applied) continue;
        this.rollback(mark);
        const failed = outcomes.length - 1;
        // A member with an outcome already (a chain sent again) keeps it: it is answered, not recorded twice.
        return chain.map(
          (member, index) => this.repeatOf(member) ?? this.refuse(member, index === failed ? (outcome.refusal as Refusal) : Refusal.LinkedEntryFailed),
        );
      }
      return outcomes;
    } finally {
      this.inChain = false;
      this.undo.length = 0;
    }
  }

  private applyOne(draft: EntryDraft, recordRefusal = true): EntryOutcome {
    const repeat = this.repeatOf(draft);
    if (repeat) return repeat;
    const plan = this.plan(draft);
    if (typeof plan === 'string') return recordRefusal ? this.refuse(draft, plan) : this.refusalOnly(draft, plan);
    const totals = this.move(plan.movements);
    if (typeof totals === 'string') return recordRefusal ? this.refuse(draft, totals) : this.refusalOnly(draft, totals);
    if (plan.resolve) this.resolvePending(plan.resolve.pending, plan.resolve.state, draft.id);
    if (draft.kind === 'pending') this.openPending(draft);
    return this.journal(draft, plan.movements, totals);
  }

  private plan(draft: EntryDraft): Plan {
    const reversal = draft.reversesEntryId ? this.reversalRefusal(draft, draft.reversesEntryId) : null;
    if (reversal) return reversal;
    const phase: Phase = draft.kind === 'pending' ? 'pending' : 'posted';
    const movements: Movement[] = draft.postings.map(({ accountId, side, amount, currency }) => ({ accountId, phase, side, amount, currency }));
    if (draft.kind === 'pending' && draft.expiresAt !== null && draft.expiresAt.getTime() <= this.now.getTime()) return Refusal.ExpiresAtPassed;
    if (draft.kind === 'posted' || draft.kind === 'pending') return { movements };
    const pending = this.state.pendings.get(draft.pendingId ?? '');
    if (!pending || pending.bookId !== draft.bookId) return Refusal.PendingNotFound;
    if (pending.state !== 'pending') return Refusal.PendingAlreadyResolved;
    const expired = pending.expiresAt !== null && pending.expiresAt.getTime() <= this.now.getTime();
    if (draft.kind === 'expire_pending') return expired ? this.release(pending, [], 'expired') : Refusal.PendingNotDue;
    if (expired) return Refusal.PendingExpired;
    if (draft.kind === 'void_pending') return this.release(pending, [], 'voided');
    return this.postPending(draft, pending);
  }

  private postPending(draft: EntryDraft, pending: PendingTransferState): Plan {
    if (draft.postings.length === 0) return this.release(pending, this.pendingPair(pending, pending.amount, 'posted'), 'posted');
    const debit = draft.postings.find((posting) => posting.side === 'debit')!;
    const credit = draft.postings.find((posting) => posting.side === 'credit')!;
    if (debit.accountId !== pending.debitAccountId || credit.accountId !== pending.creditAccountId || debit.currency !== pending.currency) {
      return Refusal.PendingAccountsMismatch;
    }
    if (debit.amount > pending.amount) return Refusal.PendingAmountExceeded;
    return this.release(pending, this.pendingPair(pending, debit.amount, 'posted'), 'posted');
  }

  /** Releases the whole reservation, alongside whatever is posted from it. */
  private release(pending: PendingTransferState, posted: Movement[], state: PendingStateName): Plan {
    return { movements: [...posted, ...this.pendingPair(pending, pending.amount, 'release')], resolve: { pending, state } };
  }

  private pendingPair(pending: PendingTransferState, amount: bigint, phase: Phase): Movement[] {
    const { currency } = pending;
    return [
      { accountId: pending.debitAccountId, side: 'debit', amount, currency, phase },
      { accountId: pending.creditAccountId, side: 'credit', amount, currency, phase },
    ];
  }

  /**
   * Moves the balances and returns each account's posted totals after each movement, or refuses
   * (changing nothing) when a closed account or a balance limit stops it.
   */
  private move(movements: readonly Movement[]): PostedTotals[] | Refusal {
    const accounts = movements.map((movement) => this.state.accounts.get(movement.accountId)!);
    if (movements.some((movement, line) => movement.phase !== 'release' && accounts[line]!.closed)) return Refusal.AccountClosed;
    const totals = movements.map((movement, line) => {
      const account = accounts[line]!;
      applyMovement(account, movement, 1n);
      return { debits: account.debitsPosted, credits: account.creditsPosted };
    });
    // Taken back by moving the same amounts the other way: no copy of an account is needed.
    const takeBack = (): void => movements.forEach((movement, line) => applyMovement(accounts[line]!, movement, -1n));
    const refusal = accounts.map(limitBroken).find((broken) => broken !== null);
    if (refusal) takeBack();
    else this.remember(takeBack);
    for (const account of accounts) this.writes.touchedAccounts.add(account.id);
    return refusal ?? totals;
  }

  private journal(draft: EntryDraft, movements: readonly Movement[], totals: readonly PostedTotals[]): EntryOutcome {
    const book = this.state.books.get(draft.bookId)!;
    const previous = { sequence: book.sequence, hash: book.hash, recordedAt: book.recordedAt };
    const recordedAt = book.recordedAt && book.recordedAt > this.now ? book.recordedAt : this.now;
    const sequence = book.sequence + 1n;
    // One literal with every field of the row, its hash filled in once computed: a row that gained
    // fields afterwards would carry them in a second, out-of-object block.
    const row = {
      id: draft.id,
      bookId: draft.bookId,
      sequence,
      kind: draft.kind,
      effectiveDate: draft.effectiveDate ?? shanghaiDate(recordedAt),
      memo: draft.memo,
      recordedBy: draft.recordedBy,
      evidence: draft.evidence,
      decisionRef: draft.decisionRef,
      metadata: draft.metadata,
      pendingId: draft.pendingId,
      reversesEntryId: draft.reversesEntryId,
      recordedAt,
      previousHash: book.hash,
      hash: '',
    };
    const hash = entryHash(book.hash, row, movements);
    row.hash = hash;
    this.writes.entries.push(row);
    movements.forEach(({ accountId, phase, side, amount, currency }, line) => {
      const { debits, credits } = totals[line]!;
      this.writes.postings.push({ entryId: draft.id, line, accountId, bookSequence: sequence, phase, side, amount, currency, debitsPostedAfter: debits, creditsPostedAfter: credits });
    });
    Object.assign(book, { sequence, hash, recordedAt });
    this.writes.touchedBooks.add(book.id);
    this.remember(() => Object.assign(book, previous));
    return this.record(draft, null, sequence, hash);
  }

  private openPending(draft: EntryDraft): void {
    const debit = draft.postings.find((posting) => posting.side === 'debit')!;
    const credit = draft.postings.find((posting) => posting.side === 'credit')!;
    const pending: PendingTransferState = {
      id: draft.id,
      bookId: draft.bookId,
      debitAccountId: debit.accountId,
      creditAccountId: credit.accountId,
      amount: debit.amount,
      currency: debit.currency,
      expiresAt: draft.expiresAt,
      state: 'pending',
      resolvedByEntryId: null,
    };
    this.state.pendings.set(pending.id, pending);
    this.writes.newPendings.push(pending);
    this.remember(() => {
      this.state.pendings.delete(pending.id);
      this.writes.newPendings.splice(this.writes.newPendings.indexOf(pending), 1);
    });
  }

  private resolvePending(pending: PendingTransferState, state: PendingStateName, entryId: string): void {
    const previous = { state: pending.state, resolvedByEntryId: pending.resolvedByEntryId };
    const wasResolvedHere = this.writes.resolvedPendings.has(pending.id);
    Object.assign(pending, { state, resolvedByEntryId: entryId });
    this.writes.resolvedPendings.set(pending.id, pending);
    this.remember(() => {
      Object.assign(pending, previous);
      if (!wasResolvedHere) this.writes.resolvedPendings.delete(pending.id);
    });
  }

  /** A reversal names an entry of its own book that nothing reverses yet, and undoes its posted lines exactly. */
  private reversalRefusal(draft: EntryDraft, reversedId: string): Refusal | null {
    const target = this.reversalTarget(draft.bookId, reversedId);
    if (!target) return Refusal.ReversedEntryNotFound;
    if (target.reversed || this.writes.entries.some((entry) => entry.reversesEntryId === reversedId)) return Refusal.EntryAlreadyReversed;
    return mirrors(draft.postings, target.lines) ? null : Refusal.ReversalMismatch;
  }

  private reversalTarget(bookId: string, id: string): ReversalTarget | undefined {
    const read = this.state.reversalTargets.get(entryInBook(bookId, id));
    if (read) return read;
    const appended = this.writes.entries.some((entry) => entry.id === id && entry.bookId === bookId);
    return appended ? { lines: this.writes.postings.postedLinesOf(id), reversed: false } : undefined;
  }

  /** The answer to a draft whose id already has an outcome, stored or earlier in this batch. */
  private repeatOf(draft: EntryDraft): EntryOutcome | undefined {
    const earlier = this.writes.outcomes.get(draft.id) ?? this.state.storedOutcomes.get(draft.id);
    return earlier && this.replay(draft, earlier);
  }

  private replay(draft: EntryDraft, earlier: StoredOutcome): EntryOutcome {
    if (earlier.fingerprint !== draft.fingerprint) return this.refusalOnly(draft, Refusal.IdConflict);
    return { id: draft.id, applied: earlier.refusal === null, refusal: earlier.refusal, sequence: earlier.sequence, hash: earlier.hash, replayed: true };
  }

  private refuse(draft: EntryDraft, refusal: Refusal): EntryOutcome {
    if (refusal === Refusal.IdConflict || refusal === Refusal.PendingNotDue) return this.refusalOnly(draft, refusal);
    return this.record(draft, refusal, null, null);
  }

  private refusalOnly(draft: EntryDraft, refusal: Refusal): EntryOutcome {
    return { id: draft.id, applied: false, refusal, sequence: null, hash: null, replayed: false };
  }

  /** Records the id's outcome: its request row is also what a repeat of the id in a later batch finds. */
  private record(draft: EntryDraft, refusal: Refusal | null, sequence: bigint | null, hash: string | null): EntryOutcome {
    const row: RequestRow = { id: draft.id, bookId: draft.bookId, fingerprint: draft.fingerprint, refusal, sequence, hash };
    this.writes.outcomes.set(draft.id, row);
    this.writes.requests.push(row);
    this.remember(() => {
      this.writes.outcomes.delete(draft.id);
      this.writes.requests.splice(this.writes.requests.indexOf(row), 1);
    });
    return { id: draft.id, applied: refusal === null, refusal, sequence, hash, replayed: false };
  }

  private rollback(mark: { entries: number; postings: number }): void {
    while (this.undo.length > 0) this.undo.pop()!();
    this.writes.entries.length = mark.entries;
    this.writes.postings.truncate(mark.postings);
  }

  /** Only a linked chain can be taken back, so only inside one are undo steps kept. */
  private remember(step: () => void): void {
    if (this.inChain) this.undo.push(step);
  }
}

/** The most an account's debits or credits, posted and pending together, may add up to: a Postgres bigint. */
const MAX_TOTAL = 2n ** 63n - 1n;

function limitBroken(account: AccountState): Refusal | null {
  if (account.debitsPosted + account.debitsPending > MAX_TOTAL || account.creditsPosted + account.creditsPending > MAX_TOTAL) return Refusal.AccountTotalTooLarge;
  if (account.debitsMustNotExceedCredits && account.debitsPosted + account.debitsPending > account.creditsPosted) return Refusal.ExceedsCredits;
  if (account.creditsMustNotExceedDebits && account.creditsPosted + account.creditsPending > account.debitsPosted) return Refusal.ExceedsDebits;
  return null;
}
