import type { BatchState } from './batch-application';
import type { StateAfter } from './state-after';
import type { AccountState, BookHead, EntryDraft } from './entry.model';

/** Accounts remembered before the whole memory is dropped and filled again from the database. */
const MAX_ACCOUNTS = 200_000;

/** What the batch applied over the batch in flight needs of that one. */
export interface LaidOver {
  /** The version of each book the batch in flight was applied at. */
  readonly appliedAt: ReadonlyMap<string, bigint>;
  /** What it leaves, of which the accounts are laid over the next batch's state. */
  readonly after: Pick<StateAfter, 'accounts'>;
}

/** A book as this process's own writes left it, with every account those writes read. */
interface KnownBook {
  readonly head: BookHead;
  readonly accounts: Map<string, AccountState>;
  /** How many of this process's writes in a row followed the one before with no other writer between. */
  readonly writesInTurn: number;
}

/**
 * The books this process last wrote, as its own committed writes left them (ADR 0017). A batch
 * whose drafts name only remembered books and accounts needs no read: its write still runs only at
 * the book's version, so if anyone else wrote the book since, the write is refused whole, the
 * memory dropped, and the batch read and applied again from the database.
 *
 * Every remembered account is right as of its book's remembered version. A write that followed the
 * remembered one directly brings its accounts up to date; one read after another writer's is
 * remembered afresh, with only its own accounts. A book is used only once a write has followed
 * another of this process's in turn, so a book that other replicas keep writing stays unused
 * rather than failing write after write.
 */
export class CommittedState {
  private readonly books = new Map<string, KnownBook>();
  private accountCount = 0;
  /** Books this process has remembered since it started, even if it forgot them since. */
  private readonly rememberedOnce = new Set<string>();

  /**
   * The drafts' books this process has never remembered: the batch that reads them reads all their
   * accounts (up to a limit), so the process need not learn a book's accounts a batch at a time.
   * Only once: after a failed write, accounts come back with the batches that name them.
   */
  newBooks(drafts: readonly EntryDraft[]): string[] {
    return [...new Set(drafts.map((draft) => draft.bookId))].filter((id) => !this.rememberedOnce.has(id));
  }

  /**
   * The state the drafts need, as copies, if all of it is remembered. Pending transfers, reversed
   * entries and earlier outcomes are not: drafts naming a pending transfer or an entry are read,
   * and an id already stored makes the write fail on its key, after which the batch is read.
   * `laidOver` is the batch in flight, which this one is applied over: right only if that one
   * started from what is remembered (the versions it was applied at). The accounts it leaves are
   * laid over the state afterwards (`layOver`), so they are not copied here.
   */
  stateFor(drafts: readonly EntryDraft[], laidOver?: LaidOver): BatchState | undefined {
    const state: BatchState = { books: new Map(), accounts: new Map(), pendings: new Map(), storedOutcomes: new Map(), reversalTargets: new Map() };
    for (const draft of drafts) {
      if (draft.pendingId || draft.reversesEntryId) return undefined;
      const book = this.books.get(draft.bookId);
      if (!book || book.writesInTurn < 1) return undefined;
      if (laidOver?.appliedAt.has(draft.bookId) && laidOver.appliedAt.get(draft.bookId) !== book.head.version) return undefined;
      if (!state.books.has(draft.bookId)) state.books.set(draft.bookId, { ...book.head });
      for (const { accountId } of draft.postings) {
        if (state.accounts.has(accountId) || laidOver?.after.accounts.has(accountId)) continue;
        const account = book.accounts.get(accountId);
        if (!account) return undefined;
        state.accounts.set(accountId, { ...account });
      }
    }
    return state;
  }

  /**
   * A write committed: `state` is what it was applied over (and changed), `after` what it left.
   * The state's accounts are kept as they are, not copied: nothing changes a batch's state once
   * its write has committed, and `stateFor` hands out copies.
   */
  remember(state: BatchState, after: StateAfter): void {
    if (this.accountCount + state.accounts.size > MAX_ACCOUNTS) this.forget();
    for (const [id, head] of after.books) {
      const known = this.books.get(id);
      if (known && head.version <= known.head.version) continue;
      const inTurn = known !== undefined && known.head.version === state.books.get(id)!.version;
      const accounts = inTurn ? known.accounts : new Map<string, AccountState>();
      this.accountCount -= inTurn ? 0 : (known?.accounts.size ?? 0);
      const before = accounts.size;
      for (const [accountId, account] of state.accounts) if (account.bookId === id) accounts.set(accountId, account);
      this.accountCount += accounts.size - before;
      this.books.set(id, { head: { ...head }, accounts, writesInTurn: inTurn ? known.writesInTurn + 1 : 0 });
      this.rememberedOnce.add(id);
    }
  }

  /** A write failed: someone else may have written its books, so everything is read again. */
  forget(): void {
    this.books.clear();
    this.accountCount = 0;
  }
}
