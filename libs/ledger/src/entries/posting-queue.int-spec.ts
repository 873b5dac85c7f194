import { create } from '@bufbuild/protobuf';
import { setTimeout as delay } from 'node:timers/promises';

import { AccountKind, NewEntrySchema, Side } from '@yishi/contracts';
import { createLogger } from '@yishi/logging';

import {
  checkInvariants,
  openAccount,
  openBook,
  REFUSED_BY_DATABASE,
  refuseMarkedEntries,
  startLedger,
  transfer,
  type LedgerFixture,
} from '../testing/ledger-fixture';
import type { BatchState } from './batch-application';
import { EntriesRepository, type PostingSession } from './entries.repository';
import type { EntryDraft } from './entry.model';
import { validateEntries } from './entry-validation';
import { PostingQueue } from './posting-queue';

/** The posting path's repository, with a hook that may hold a batch's read. */
class HeldRepository extends EntriesRepository {
  hold: (drafts: readonly EntryDraft[]) => Promise<void> = async () => undefined;

  override async batchState(session: PostingSession, drafts: readonly EntryDraft[], wholeBooks?: readonly string[]): Promise<BatchState> {
    await this.hold(drafts);
    return super.batchState(session, drafts, wholeBooks);
  }
}

/**
 * A batch sent while a large one before it is written (ADR 0013) is applied over that one. If that
 * one fails, the follower's answers stand only where its own write checked them: a follower that
 * writes nothing (a repeat) met no such check, yet it was applied over that one's entries and
 * balances; a follower writing in another book did not lean on it at all.
 */
describe('the posting queue, when the large batch ahead fails', () => {
  let ledger: LedgerFixture;
  let repository: HeldRepository;
  let queue: PostingQueue;
  let allowMarkedEntries: () => Promise<void>;

  beforeAll(async () => {
    ledger = await startLedger();
    allowMarkedEntries = await refuseMarkedEntries(ledger.dataSource);
    const logger = createLogger('posting-queue-test', 'silent');
    repository = new HeldRepository(ledger.dataSource, logger);
    queue = new PostingQueue(repository, logger);
  });

  afterAll(async () => {
    await queue.onModuleDestroy();
    await repository.onApplicationShutdown();
    await allowMarkedEntries();
    await checkInvariants(ledger.rpc, ledger.dataSource);
    await ledger.stop();
  });

  /** A book with a debit-normal source and three funds, two of which may not be overdrawn. */
  async function newBook() {
    const bookId = (await openBook(ledger.rpc)).id;
    const fund = async (code: string) => (await openAccount(ledger.rpc, bookId, code, { noOverdraft: true })).id;
    const source = (await openAccount(ledger.rpc, bookId, 'counterparty.source', { kind: AccountKind.COUNTERPARTY, normalSide: Side.DEBIT })).id;
    return { bookId, source, large: await fund('fund.large'), refused: await fund('fund.refused'), other: await fund('fund.other') };
  }

  /**
   * Sends a transfer, then a large batch of 1,000 transfers and a job the database refuses. Once
   * that batch's write has failed, its retry waits a second, and `follower` is sent meanwhile:
   * it is applied over the large batch as that was sent, and sent behind it.
   */
  async function behindFailingLargeBatch(book: Awaited<ReturnType<typeof newBook>>, follower: (large: ReturnType<typeof transfer>[]) => EntryDraft[]) {
    const large = Array.from({ length: 1_000 }, () => transfer(book.bookId, book.source, book.large, '0.01'));
    let largeReads = 0;
    let retrying!: () => void;
    const retryReading = new Promise<void>((resolve) => (retrying = resolve));
    repository.hold = async (drafts) => {
      if (drafts.length < large.length || drafts[0]!.id !== large[0]!.id || ++largeReads !== 2) return;
      retrying();
      await delay(1_000);
    };
    const ahead = queue.submit(entries(transfer(book.bookId, book.source, book.other, '1.00')));
    const largeJob = queue.submit(entries(...large));
    const refusedJob = queue.submit(entries(transfer(book.bookId, book.source, book.refused, '50.00', { memo: REFUSED_BY_DATABASE })));
    await retryReading;
    const followed = queue.submit(follower(large));
    await ahead;
    expect((await largeJob).every((outcome) => outcome.applied && !outcome.replayed)).toBe(true);
    await expect(refusedJob).rejects.toThrow('refused by the test');
    repository.hold = async () => undefined;
    return { large, followed: await followed };
  }

  it('answers a repeat behind it from what the database committed, and remembers nothing of it', async () => {
    const book = await newBook();
    const { large, followed } = await behindFailingLargeBatch(book, (large) => entries(large[0]!));
    const [stored] = await ledger.dataSource.query(`SELECT sequence::text AS sequence, encode(hash, 'hex') AS hash FROM ledger_entry WHERE id = $1`, [large[0]!.id]);
    expect(followed[0]).toMatchObject({ applied: true, replayed: true, sequence: BigInt(stored.sequence), hash: stored.hash });

    // Read afresh, then in turn: if the failed batch had been remembered, the refused fund would now
    // be written from a balance that included its 50.00. Each waits until the queue is idle, so
    // that it is applied over what the queue remembers, not over the batch before it.
    for (const next of [transfer(book.bookId, book.source, book.other, '1.00'), transfer(book.bookId, book.source, book.refused, '1.00')]) {
      await delay(100);
      await queue.submit(entries(next));
    }
    const [balance] = await ledger.dataSource.query(`SELECT credits_posted::text AS credits FROM ledger_account WHERE id = $1`, [book.refused]);
    expect(balance.credits).toBe('100');
  });

  it('answers a batch behind it in another book as its own write committed it, refusals included', async () => {
    const [book, elsewhere] = [await newBook(), await newBook()];
    const { followed } = await behindFailingLargeBatch(book, () =>
      entries(
        transfer(elsewhere.bookId, elsewhere.source, elsewhere.other, '5.00'),
        transfer(elsewhere.bookId, elsewhere.source, elsewhere.large, '1.00', { linked: true }),
        transfer(elsewhere.bookId, elsewhere.refused, elsewhere.source, '9.00'),
      ),
    );
    expect(followed.map(({ applied, refusal, replayed }) => ({ applied, refusal, replayed }))).toEqual([
      { applied: true, refusal: null, replayed: false },
      { applied: false, refusal: 'LINKED_ENTRY_FAILED', replayed: false },
      { applied: false, refusal: 'EXCEEDS_CREDITS', replayed: false },
    ]);
  });
});

function entries(...transfers: ReturnType<typeof transfer>[]): EntryDraft[] {
  return validateEntries(transfers.map((entry) => create(NewEntrySchema, entry))) as EntryDraft[];
}
