import type { BatchState } from './batch-application';
import { CommittedState } from './committed-state';
import type { AccountState, BookHead, EntryDraft } from './entry.model';
import { layOver, type StateAfter } from './state-after';

const BOOK = 'book-1';

function account(id: string, creditsPosted = 0n): AccountState {
  return {
    id,
    bookId: BOOK,
    currency: 'CNY',
    closed: false,
    debitsMustNotExceedCredits: true,
    creditsMustNotExceedDebits: false,
    debitsPosted: 0n,
    creditsPosted,
    debitsPending: 0n,
    creditsPending: 0n,
  };
}

function head(version: bigint): BookHead {
  return { id: BOOK, sequence: version, hash: `hash-${version}`, recordedAt: null, version };
}

function draft(accounts: readonly string[], extra: Partial<EntryDraft> = {}): EntryDraft {
  return { bookId: BOOK, postings: accounts.map((accountId) => ({ accountId })), ...extra } as unknown as EntryDraft;
}

/** A write applied at `version` that left `accounts` as given and raised the book by one. */
function write(version: bigint, ...accounts: AccountState[]): [BatchState, StateAfter] {
  const state: BatchState = {
    books: new Map([[BOOK, head(version)]]),
    accounts: new Map(accounts.map((a) => [a.id, a])),
    pendings: new Map(),
    storedOutcomes: new Map(),
    reversalTargets: new Map(),
  };
  const after = { books: new Map([[BOOK, head(version + 1n)]]) } as unknown as StateAfter;
  return [state, after];
}

describe('CommittedState', () => {
  let memory: CommittedState;

  beforeEach(() => {
    memory = new CommittedState();
  });

  it('knows nothing until a write has followed another of its own in turn', () => {
    memory.remember(...write(4n, account('a', 10n)));
    expect(memory.stateFor([draft(['a'])])).toBeUndefined();
    memory.remember(...write(5n, account('a', 20n)));
    const state = memory.stateFor([draft(['a'])])!;
    expect(state.books.get(BOOK)!.version).toBe(6n);
    expect(state.accounts.get('a')!.creditsPosted).toBe(20n);
  });

  it('gives copies: a batch applied over them leaves the memory as it was', () => {
    memory.remember(...write(4n, account('a', 10n)));
    memory.remember(...write(5n, account('a', 20n)));
    memory.stateFor([draft(['a'])])!.accounts.get('a')!.creditsPosted = 999n;
    expect(memory.stateFor([draft(['a'])])!.accounts.get('a')!.creditsPosted).toBe(20n);
  });

  it('reads drafts naming an account it never wrote, a pending transfer or an entry to reverse', () => {
    memory.remember(...write(4n, account('a')));
    memory.remember(...write(5n, account('a')));
    expect(memory.stateFor([draft(['a', 'b'])])).toBeUndefined();
    expect(memory.stateFor([draft(['a'], { pendingId: 'p-1' })])).toBeUndefined();
    expect(memory.stateFor([draft(['a'], { reversesEntryId: 'e-1' })])).toBeUndefined();
  });

  it('drops the accounts of a book that someone else wrote between two of its writes', () => {
    memory.remember(...write(4n, account('a', 10n), account('b')));
    memory.remember(...write(5n, account('a', 10n), account('b')));
    // Another writer took the book from 6 to 7 (say, spending from a); this write read it at 7.
    memory.remember(...write(7n, account('b')));
    memory.remember(...write(8n, account('b')));
    expect(memory.stateFor([draft(['b'])])).toBeDefined();
    expect(memory.stateFor([draft(['a'])])).toBeUndefined();
  });

  it('ignores a write remembered after a later one', () => {
    memory.remember(...write(4n, account('a', 10n)));
    memory.remember(...write(5n, account('a', 30n)));
    memory.remember(...write(4n, account('a', 20n)));
    expect(memory.stateFor([draft(['a'])])!.accounts.get('a')!.creditsPosted).toBe(30n);
  });

  it('is not laid under a batch in flight that started from another version', () => {
    memory.remember(...write(4n, account('a')));
    memory.remember(...write(5n, account('a')));
    expect(memory.stateFor([draft(['a'])], { appliedAt: new Map([[BOOK, 6n]]), after: { accounts: new Map() } })).toBeDefined();
    expect(memory.stateFor([draft(['a'])], { appliedAt: new Map([[BOOK, 7n]]), after: { accounts: new Map() } })).toBeUndefined();
  });

  it('leaves the accounts of the batch in flight to be laid over it, even those it never remembered', () => {
    memory.remember(...write(4n, account('a', 10n)));
    memory.remember(...write(5n, account('a', 10n)));
    const inFlight = { appliedAt: new Map([[BOOK, 6n]]), after: { accounts: new Map([['a', account('a', 40n)], ['b', account('b', 20n)]]) } };
    const state = memory.stateFor([draft(['a', 'b'])], inFlight)!;
    expect([...state.accounts.keys()]).toEqual([]);
    expect(memory.stateFor([draft(['a', 'c'])], inFlight)).toBeUndefined();
  });

  it('names the books it has never remembered, once: a book forgotten after a failed write is not read whole again', () => {
    expect(memory.newBooks([draft(['a']), draft(['b'])])).toEqual([BOOK]);
    memory.remember(...write(4n, account('a')));
    memory.forget();
    expect(memory.newBooks([draft(['a'])])).toEqual([]);
  });

  it('forgets everything when a write fails', () => {
    memory.remember(...write(4n, account('a')));
    memory.remember(...write(5n, account('a')));
    memory.forget();
    expect(memory.stateFor([draft(['a'])])).toBeUndefined();
  });
});

describe('layOver', () => {
  /** What a batch in flight leaves: these accounts and a pending transfer between a and d. */
  const inFlight = (...accounts: AccountState[]): StateAfter =>
    ({
      books: new Map([[BOOK, head(6n)]]),
      accounts: new Map(accounts.map((a) => [a.id, a])),
      pendings: new Map([['p-1', { id: 'p-1', bookId: BOOK, debitAccountId: 'a', creditAccountId: 'd', amount: 5n, currency: 'CNY', expiresAt: null, state: 'pending', resolvedByEntryId: null }]]),
      storedOutcomes: new Map(),
      appended: () => undefined,
      reverses: () => false,
    }) as StateAfter;

  it('replaces what the state read before the batch in flight committed, and adds what the drafts or pending transfers name, as copies', () => {
    const [state] = write(5n, account('b', 1n), account('z', 1n));
    const after = inFlight(account('a', 30n), account('b', 40n), account('c', 50n), account('d', 60n), account('e', 70n));
    layOver(state, after, [draft(['c', 'z'])]);
    expect(Object.fromEntries([...state.accounts].map(([id, a]) => [id, a.creditsPosted]))).toEqual({ a: 30n, b: 40n, c: 50n, d: 60n, z: 1n });
    state.accounts.get('c')!.creditsPosted = 999n;
    expect(after.accounts.get('c')!.creditsPosted).toBe(50n);
    expect(state.books.get(BOOK)!.version).toBe(6n);
  });
});
