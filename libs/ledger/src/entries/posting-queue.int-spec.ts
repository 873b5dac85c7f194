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
 * A batch sent while a large one before it is written (ADR 0013) is answered only once that one has
 * committed. If that one fails, a follower that writes nothing (a repeat) met no check in the
 * database that failed with it, yet it was applied over that one's entries and balances.
 */
describe('the posting queue, when the large batch ahead of a repeat fails', () => {
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

  it('answers the repeat from what the database committed, and remembers nothing of the failed batch', async () => {
    const bookId = (await openBook(ledger.rpc)).id;
    const account = async (code: string) => (await openAccount(ledger.rpc, bookId, code)).id;
    const source = (await openAccount(ledger.rpc, bookId, 'counterparty.source', { kind: AccountKind.COUNTERPARTY, normalSide: Side.DEBIT })).id;
    const [fund, refusedFund, other] = [await account('fund.large'), await account('fund.refused'), await account('fund.other')];

    const large = Array.from({ length: 1_000 }, () => transfer(bookId, source, fund, '0.01'));
    const repeated = large[0]!;
    const isLarge = (drafts: readonly EntryDraft[]) => drafts.length > 1 && drafts.some((draft) => draft.id === repeated.id);
    let largeReads = 0;
    let retrying!: () => void;
    const retryReading = new Promise<void>((resolve) => (retrying = resolve));
    // The large batch's retry, after its write failed, waits a second: meanwhile the repeat is
    // applied over the large batch as it was sent, and sent behind it.
    repository.hold = async (drafts) => {
      if (!isLarge(drafts) || ++largeReads !== 2) return;
      retrying();
      await delay(1_000);
    };

    const ahead = queue.submit(entries(transfer(bookId, source, other, '1.00')));
    const largeJob = queue.submit(entries(...large));
    const refusedJob = queue.submit(entries(transfer(bookId, source, refusedFund, '50.00', { memo: REFUSED_BY_DATABASE })));
    await retryReading;
    const repeat = queue.submit(entries(repeated));

    await ahead;
    expect((await largeJob).every((outcome) => outcome.applied)).toBe(true);
    await expect(refusedJob).rejects.toThrow('refused by the test');
    const [stored] = await ledger.dataSource.query(`SELECT sequence::text AS sequence, encode(hash, 'hex') AS hash FROM ledger_entry WHERE id = $1`, [repeated.id]);
    expect((await repeat)[0]).toMatchObject({ applied: true, replayed: true, sequence: BigInt(stored.sequence), hash: stored.hash });

    // Read afresh, then in turn: if the failed batch had been remembered, the refused fund would now
    // be written from a balance that included its 50.00. Each waits until the queue is idle, so
    // that it is applied over what the queue remembers, not over the batch before it.
    for (const next of [transfer(bookId, source, other, '1.00'), transfer(bookId, source, refusedFund, '1.00')]) {
      await delay(100);
      await queue.submit(entries(next));
    }
    const [balance] = await ledger.dataSource.query(`SELECT credits_posted::text AS credits FROM ledger_account WHERE id = $1`, [refusedFund]);
    expect(balance.credits).toBe('100');
  });
});

function entries(...transfers: ReturnType<typeof transfer>[]): EntryDraft[] {
  return validateEntries(transfers.map((entry) => create(NewEntrySchema, entry))) as EntryDraft[];
}
