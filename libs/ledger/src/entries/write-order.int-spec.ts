import { create } from '@bufbuild/protobuf';
import { Client, type PoolClient } from 'pg';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

import { AccountKind, NewEntrySchema, Side } from '@yishi/contracts';
import { createLogger } from '@yishi/logging';

import { openAccount, openBook, post, startLedger, transfer, type LedgerFixture } from '../testing/ledger-fixture';
import { BatchApplication, type BatchState } from './batch-application';
import { EntriesRepository, PostingSession } from './entries.repository';
import type { EntryDraft, EntryOutcome } from './entry.model';
import { validateEntries } from './entry-validation';
import { eventsOf } from './posting-queue';
import { layOver, stateAfter } from './state-after';

/**
 * A batch may be written while the one before it is still being written (ADR 0013): it appends its
 * rows at once, waits for that one's ticket, and then writes its books and balances only over
 * exactly what that one committed.
 */
describe('a write that follows the one before it closely', () => {
  const PREDECESSOR = 7;
  let ledger: LedgerFixture;
  let repository: EntriesRepository;
  let bookId: string;
  let source: string;
  let fund: string;

  beforeAll(async () => {
    ledger = await startLedger();
    repository = new EntriesRepository(ledger.dataSource, createLogger('write-order-test', 'silent'));
  });

  afterAll(async () => {
    await repository.onApplicationShutdown();
    await ledger.stop();
  });

  beforeEach(async () => {
    bookId = (await openBook(ledger.rpc)).id;
    source = (await openAccount(ledger.rpc, bookId, 'counterparty.source', { kind: AccountKind.COUNTERPARTY, normalSide: Side.DEBIT })).id;
    fund = (await openAccount(ledger.rpc, bookId, 'fund.stairs', { noOverdraft: true })).id;
    await post(ledger.rpc, transfer(bookId, source, fund, '100.00'));
  });

  /** The predecessor applied over the book as it is, and its follower applied over what the predecessor leaves. */
  async function twoBatches(): Promise<{ first: Applied; second: Applied }> {
    const first = await applied(drafts(transfer(bookId, source, fund, '10.00')));
    const secondDrafts = drafts(transfer(bookId, fund, source, '110.00'));
    const second = await applied(secondDrafts, (state) => layOver(state, stateAfter(first.state, first.application.writes), secondDrafts));
    return { first, second };
  }

  async function applied(entries: EntryDraft[], adjust: (state: BatchState) => void = () => undefined): Promise<Applied> {
    const state = await repository.unlocked((session) => repository.batchState(session, entries));
    adjust(state);
    const application = new BatchApplication(state, new Date());
    return { state, application, outcomes: application.applyAll(entries) };
  }

  function write({ state, application }: Applied, follows: number | null) {
    return repository.unlocked((session) =>
      repository.write(session, application.writes, state, eventsOf(application.writes, state.books), { ticket: PREDECESSOR + 1, follows }),
    );
  }

  /**
   * A predecessor sent but still appending its rows: its connection holds its ticket, not yet its
   * book. `finish` writes it (giving the ticket back once its book is written) and commits or rolls
   * back.
   */
  async function predecessorInFlight({ state, application }: Applied): Promise<{ finish(commit: boolean): Promise<void> }> {
    const client = new Client({ connectionString: (ledger.dataSource.options as PostgresConnectionOptions).url });
    await client.connect();
    const session = new PostingSession(client as unknown as PoolClient);
    await client.query('BEGIN');
    await repository.takeTicket(session, PREDECESSOR);
    return {
      async finish(commit) {
        await repository.write(session, application.writes, state, eventsOf(application.writes, state.books), { ticket: PREDECESSOR, follows: null });
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
        await client.end();
      },
    };
  }

  it('waits for the one before it, then writes over what it committed', async () => {
    const { first, second } = await twoBatches();
    const predecessor = await predecessorInFlight(first);
    let settled = false;
    const following = write(second, PREDECESSOR).finally(() => (settled = true));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
    } finally {
      await predecessor.finish(true);
    }
    await following;
    expect(await journal()).toEqual(['100.00', '10.00', '110.00']);
    expect(await fundBalance()).toEqual({ debits: '110.00', credits: '110.00' });
  });

  it('fails whole, writing nothing, when the one before it fails', async () => {
    const { first, second } = await twoBatches();
    const predecessor = await predecessorInFlight(first);
    const following = write(second, PREDECESSOR);
    await predecessor.finish(false);
    await expect(following).rejects.toMatchObject({ code: '40001' });
    expect(await journal()).toEqual(['100.00']);
    expect(await fundBalance()).toEqual({ debits: '0.00', credits: '100.00' });
  });

  it('fails whole when the one before it never committed and someone else raised the book version meanwhile', async () => {
    const { second } = await twoBatches();
    await ledger.dataSource.query(`UPDATE ledger_book SET version = version + 1 WHERE id = $1`, [bookId]);
    await expect(write(second, PREDECESSOR)).rejects.toMatchObject({ code: '40001' });
    expect(await journal()).toEqual(['100.00']);
  });

  it('answers a repeat of an id the one before it recorded, and lets a later entry reverse the entry it appends', async () => {
    const original = transfer(bookId, source, fund, '10.00');
    const first = await applied(drafts(original));
    const reversal = transfer(bookId, fund, source, '10.00', { reversesEntryId: original.id });
    const secondDrafts = drafts(original, reversal);
    const second = await applied(secondDrafts, (state) => layOver(state, stateAfter(first.state, first.application.writes), secondDrafts));
    const [appended] = first.application.writes.entries;
    const [repeat, reversed] = second.outcomes;
    expect(repeat).toMatchObject({ id: original.id, applied: true, replayed: true, sequence: appended!.sequence, hash: appended!.hash });
    expect(reversed).toMatchObject({ applied: true, replayed: false, sequence: appended!.sequence + 1n });
  });

  async function journal(): Promise<string[]> {
    const rows: { amount: string }[] = await ledger.dataSource.query(
      `SELECT (p.amount / 100.0)::numeric(20, 2)::text AS amount FROM ledger_entry e JOIN ledger_posting p ON p.entry_id = e.id AND p.line = 0
        WHERE e.book_id = $1 ORDER BY e.sequence`,
      [bookId],
    );
    return rows.map((row) => row.amount);
  }

  async function fundBalance(): Promise<{ debits: string; credits: string }> {
    const [row]: { debits: string; credits: string }[] = await ledger.dataSource.query(
      `SELECT (debits_posted / 100.0)::numeric(20, 2)::text AS debits, (credits_posted / 100.0)::numeric(20, 2)::text AS credits FROM ledger_account WHERE id = $1`,
      [fund],
    );
    return row!;
  }
});

interface Applied {
  readonly state: BatchState;
  readonly application: BatchApplication;
  readonly outcomes: readonly EntryOutcome[];
}

function drafts(...entries: ReturnType<typeof transfer>[]): EntryDraft[] {
  return validateEntries(entries.map((entry) => create(NewEntrySchema, entry))) as EntryDraft[];
}
