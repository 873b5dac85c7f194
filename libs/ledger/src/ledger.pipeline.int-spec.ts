import fc from 'fast-check';

import { AccountKind, EntryKind, EntryStatus, Side } from '@yishi/contracts';
import { fromMinorUnits } from '@yishi/money';

import {
  checkInvariants,
  openAccount,
  openBook,
  post,
  REFUSED_BY_DATABASE,
  refuseMarkedEntries,
  startLedger,
  transfer,
  type LedgerFixture,
} from './testing/ledger-fixture';

/**
 * Requests that arrive together are applied in batches, and each batch is read and applied while
 * the one before it is still being written (ADR 0010). Waves of random concurrent requests, one of
 * whose writes the database refuses, must leave a journal that a plain sequential replay agrees with.
 */
type Entry = ReturnType<typeof transfer>;
type Answer = Awaited<ReturnType<typeof post>>[number];

type Step =
  | { readonly kind: 'transfer' | 'reserve'; readonly from: number; readonly to: number; readonly amount: bigint }
  | { readonly kind: 'resolve'; readonly pick: number; readonly share: number }
  | { readonly kind: 'again'; readonly pick: number }
  | { readonly kind: 'refused-by-database' };

const account = fc.integer({ min: 0, max: 2 });
const amount = fc.bigInt({ min: 1n, max: 400_000n });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('transfer' as const), from: account, to: account, amount }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserve' as const), from: account, to: account, amount }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat(), share: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('again' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refused-by-database' as const }) },
);

interface Book {
  readonly id: string;
  /** A debit-normal source without limit, then two funds that may not be overdrawn. */
  readonly accounts: readonly string[];
  /** Reservations sent so far (some may have been refused), to post or void later. */
  readonly reservations: { readonly entry: Entry; readonly amount: bigint }[];
}

describe('batches read while the batch before them is written', () => {
  let ledger: LedgerFixture;
  let allowMarkedEntries: () => Promise<void>;

  beforeAll(async () => {
    ledger = await startLedger();
    allowMarkedEntries = await refuseMarkedEntries(ledger.dataSource);
  });

  afterAll(async () => {
    await allowMarkedEntries();
    await checkInvariants(ledger.rpc, ledger.dataSource);
    await ledger.stop();
  });

  it('waves of concurrent transfers, reservations, resolutions and repeats agree with a sequential replay of the journal', async () => {
    let wavesRun = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { minLength: 20, maxLength: 60 }), { minLength: 2, maxLength: 4 }), async (waves) => {
        const book = await openFundedBook(ledger);
        for (const wave of waves) await sendWave(ledger, book, wave);
        await expectJournalReplays(ledger, book);
        wavesRun += waves.length;
      }),
      { numRuns: Number(process.env['PIPELINE_RUNS'] ?? 6), endOnFailure: true },
    );
    expect(wavesRun).toBeGreaterThanOrEqual(12);
  });

  it('large batches, each sent while the one before it is written, agree with a sequential replay, also after one fails', async () => {
    const book = await openFundedBook(ledger);
    const requests = Array.from({ length: 6 }, () => Array.from({ length: 1_200 }, () => largeBatchTransfer(book)));
    requests[0]![600] = entryFor(book, { kind: 'refused-by-database' }, [])!;
    await sendRequests(ledger, book, requests, 15);
    await expectJournalReplays(ledger, book);
  });
});

/** Transfers of up to 40.00 among the book's accounts: some overdraw a fund and are refused. */
function largeBatchTransfer(book: Book): Entry {
  const from = Math.floor(Math.random() * 3);
  const to = (from + 1 + Math.floor(Math.random() * 2)) % 3;
  return entryFor(book, { kind: 'transfer', from, to, amount: BigInt(1 + Math.floor(Math.random() * 4_000)) }, [])!;
}

async function openFundedBook(ledger: LedgerFixture): Promise<Book> {
  const bookId = (await openBook(ledger.rpc)).id;
  const accounts = [
    (await openAccount(ledger.rpc, bookId, 'counterparty.source', { kind: AccountKind.COUNTERPARTY, normalSide: Side.DEBIT })).id,
    (await openAccount(ledger.rpc, bookId, 'fund.a', { noOverdraft: true })).id,
    (await openAccount(ledger.rpc, bookId, 'fund.b', { noOverdraft: true })).id,
  ];
  await post(ledger.rpc, transfer(bookId, accounts[0]!, accounts[1]!, '5000.00'), transfer(bookId, accounts[0]!, accounts[2]!, '5000.00'));
  return { id: bookId, accounts, reservations: [] };
}

/** Sends every step of the wave at once, each as its own request, then checks each answer against the journal. */
async function sendWave(ledger: LedgerFixture, book: Book, wave: readonly Step[]): Promise<void> {
  const sent: Entry[] = [];
  for (const next of wave) {
    const entry = entryFor(book, next, sent);
    if (entry) sent.push(entry);
  }
  // Spread over a few milliseconds, so that requests keep arriving while batches are written.
  await sendRequests(ledger, book, sent.map((entry) => [entry]), 0.5);
}

/**
 * Sends the requests `spacing` milliseconds apart, then checks every entry's answer against the
 * journal: a request with an entry the database refuses fails whole and leaves nothing.
 */
async function sendRequests(ledger: LedgerFixture, book: Book, requests: readonly (readonly Entry[])[], spacing: number): Promise<void> {
  const answers = await Promise.allSettled(requests.map((entries, index) => later(index * spacing, () => post(ledger.rpc, ...entries))));
  const journal = await journalIds(ledger, book.id);
  const sent = requests.flat();
  const entryAnswers = requests.flatMap((entries, index): PromiseSettledResult<Answer>[] => {
    const answer = answers[index]!;
    if (entries.some((entry) => entry.memo === REFUSED_BY_DATABASE)) {
      expect(answer.status).toBe('rejected');
      for (const entry of entries) expect(journal.has(entry.id!)).toBe(false);
      return entries.map((): PromiseRejectedResult => ({ status: 'rejected', reason: (answer as PromiseRejectedResult).reason }));
    }
    expect(answer.status).toBe('fulfilled');
    return (answer as PromiseFulfilledResult<Answer[]>).value.map((value) => ({ status: 'fulfilled', value }));
  });
  entryAnswers.forEach((answer, index) => {
    if (answer.status === 'rejected') return;
    const { status, sequence } = answer.value;
    expect(journal.get(sent[index]!.id!)).toBe(status === EntryStatus.APPLIED ? sequence : undefined);
  });
  await expectSameAnswersAgain(ledger, sent, entryAnswers);
}

/** Sending the wave again changes nothing: every request gets its first answer, marked replayed. */
async function expectSameAnswersAgain(ledger: LedgerFixture, sent: readonly Entry[], answers: readonly PromiseSettledResult<Answer>[]): Promise<void> {
  const firstAnswers = new Map<string, Answer>();
  answers.forEach((answer, index) => {
    if (answer.status === 'fulfilled') firstAnswers.set(sent[index]!.id!, answer.value);
  });
  const again = await post(ledger.rpc, ...sent.filter((entry) => firstAnswers.has(entry.id!)));
  for (const answer of again) {
    const first = firstAnswers.get(answer.id)!;
    expect({ status: answer.status, refusal: answer.refusal, sequence: answer.sequence, replayed: answer.replayed }).toEqual({
      status: first.status,
      refusal: first.refusal,
      sequence: first.sequence,
      replayed: true,
    });
  }
}

function entryFor(book: Book, next: Step, sent: readonly Entry[]): Entry | undefined {
  const [source, ...funds] = book.accounts;
  const accounts = [source!, ...funds];
  switch (next.kind) {
    case 'transfer':
    case 'reserve': {
      if (next.from === next.to) return undefined;
      const entry = transfer(book.id, accounts[next.from]!, accounts[next.to]!, fromMinorUnits(next.amount, 'CNY'), {
        kind: next.kind === 'reserve' ? EntryKind.PENDING : EntryKind.POSTED,
      });
      if (next.kind === 'reserve') book.reservations.push({ entry, amount: next.amount });
      return entry;
    }
    case 'resolve': {
      const reservation = book.reservations[next.pick % Math.max(book.reservations.length, 1)];
      if (!reservation) return undefined;
      const pendingId = reservation.entry.id!;
      if (next.share === 0) return { ...transfer(book.id, source!, funds[0]!, '1.00', { kind: EntryKind.VOID_PENDING, pendingId }), postings: [] };
      const [debit, credit] = reservation.entry.postings!;
      const posted = fromMinorUnits((reservation.amount * BigInt(next.share)) / 100n || 1n, 'CNY');
      return transfer(book.id, debit!.accountId!, credit!.accountId!, posted, { kind: EntryKind.POST_PENDING, pendingId });
    }
    case 'again':
      return sent.length > 0 ? sent[next.pick % sent.length] : undefined;
    case 'refused-by-database':
      return transfer(book.id, source!, funds[0]!, '1.00', { memo: REFUSED_BY_DATABASE });
  }
}

function later<T>(milliseconds: number, work: () => Promise<T>): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds)).then(work);
}

async function journalIds(ledger: LedgerFixture, bookId: string): Promise<Map<string, bigint>> {
  const rows: { id: string; sequence: string }[] = await ledger.dataSource.query(`SELECT id, sequence::text AS sequence FROM ledger_entry WHERE book_id = $1`, [bookId]);
  return new Map(rows.map((row) => [row.id, BigInt(row.sequence)]));
}

interface Totals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

/**
 * Replays the book's postings in sequence order: each posting's stored running totals must be the
 * replay's, no fund is ever overdrawn along the way, and the accounts end where the replay does.
 */
async function expectJournalReplays(ledger: LedgerFixture, book: Book): Promise<void> {
  const postings: { sequence: string; account_id: string; phase: string; side: string; amount: string; debits_posted_after: string; credits_posted_after: string }[] =
    await ledger.dataSource.query(
      `SELECT e.sequence::text, account_id, phase, side, amount::text, debits_posted_after::text, credits_posted_after::text
         FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id WHERE e.book_id = $1 ORDER BY e.sequence, p.line`,
      [book.id],
    );
  const replay = new Map(book.accounts.map((id): [string, Totals] => [id, { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n }]));
  postings.forEach((posting, index) => {
    const totals = replay.get(posting.account_id)!;
    move(totals, posting.phase, posting.side, BigInt(posting.amount));
    expect({ debits: posting.debits_posted_after, credits: posting.credits_posted_after }).toEqual({
      debits: totals.debitsPosted.toString(),
      credits: totals.creditsPosted.toString(),
    });
    if (postings[index + 1]?.sequence === posting.sequence) return;
    for (const fund of book.accounts.slice(1)) {
      const { debitsPosted, debitsPending, creditsPosted } = replay.get(fund)!;
      expect(debitsPosted + debitsPending).toBeLessThanOrEqual(creditsPosted);
    }
  });
  const stored: ({ id: string } & Record<keyof Totals, string>)[] = await ledger.dataSource.query(
    `SELECT id, debits_posted::text AS "debitsPosted", credits_posted::text AS "creditsPosted",
            debits_pending::text AS "debitsPending", credits_pending::text AS "creditsPending"
       FROM ledger_account WHERE book_id = $1`,
    [book.id],
  );
  for (const { id, ...totals } of stored) {
    const replayed = replay.get(id)!;
    expect(totals).toEqual({
      debitsPosted: replayed.debitsPosted.toString(),
      creditsPosted: replayed.creditsPosted.toString(),
      debitsPending: replayed.debitsPending.toString(),
      creditsPending: replayed.creditsPending.toString(),
    });
  }
}

function move(totals: Totals, phase: string, side: string, amount: bigint): void {
  const debit = side === 'debit';
  if (phase === 'posted') {
    if (debit) totals.debitsPosted += amount;
    else totals.creditsPosted += amount;
    return;
  }
  const by = phase === 'pending' ? amount : -amount;
  if (debit) totals.debitsPending += by;
  else totals.creditsPending += by;
}
