import { randomInt } from 'node:crypto';

import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';

import type { MessageInitShape } from '@bufbuild/protobuf';

import { ChainHeadAdvancedSchema, EntriesPostedSchema, PendingTransferExpiredSchema } from '@yishi/contracts';
import type { Logger } from '@yishi/logging';
import { concatOutboxRows, outboxRows, type OutboxRows, type Violation } from '@yishi/messaging';
import { LOGGER } from '@yishi/service-kit';

import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { BatchApplication, type BatchState, type BatchWrites } from './batch-application';
import { CommittedState } from './committed-state';
import { EntriesRepository, type PostingSession, type WriteOrder } from './entries.repository';
import { referenceViolations } from './entry-references';
import { layOver, stateAfter, writesNothing, type StateAfter } from './state-after';
import { WIRE_ENTRY_KINDS } from '../wire';
import type { EntryRow } from './entry-rows';
import type { BookHead, EntryDraft, EntryOutcome } from './entry.model';

/**
 * Entries per transaction; a single request may bring 8,000 (and is then written alone), and
 * waiting requests join it up to this. Smaller writes keep the ledger and Postgres busy at once:
 * with 32 clients sending 1,000 transfers each, 16,000 took half of all the work in the system
 * into one write, and the next batch's requests arrived only after it (ADR 0023).
 */
const MAX_ENTRIES_PER_TRANSACTION = 4_000;
const MAX_ATTEMPTS = 5;
/** A book changed since it was read, a deadlock, or another replica writing the same id first: run the batch again. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);


interface Job {
  readonly drafts: readonly EntryDraft[];
  resolve(outcomes: EntryOutcome[]): void;
  reject(error: unknown): void;
}

/** A batch read and applied in memory: what to answer, and what to write for that answer to hold. */
interface AppliedBatch {
  readonly jobs: readonly Job[];
  readonly settled: readonly Settled[];
  readonly state: BatchState;
  readonly writes: BatchWrites;
}

/** A batch whose write is on its way to the database. */
interface InFlight {
  readonly after: StateAfter;
  /** The version of each book it was applied at. */
  readonly appliedAt: ReadonlyMap<string, bigint>;
  /** Books it appends entries to: the next batch may be sent before it commits only if it chains onto those entries. */
  readonly appendsTo: ReadonlySet<string>;
  readonly order: WriteOrder;
  /** How many requests it answers. */
  readonly requests: number;
  /** True once its ticket is taken; false if it has none, or its write ended first. A batch may follow it closely only after true. */
  readonly ticketTaken: Promise<boolean>;
  /** True once it has committed; false if it failed (its jobs were then committed again on their own). */
  readonly written: Promise<boolean>;
  done: boolean;
}

/**
 * Group commit: requests that arrive while a batch is being written wait and then go into the
 * next batch together, so the rows each one touches are read once and written with one statement.
 * The next batch is read and applied while the one before it is written (ADR 0010), and its own
 * write is sent once that one has committed.
 */
@Injectable()
export class PostingQueue implements OnModuleDestroy {
  private readonly waiting: Job[] = [];
  private draining: Promise<void> | null = null;
  private arrived: (() => void) | null = null;
  private lastTicket = randomInt(2 ** 31 - 1);
  private readonly committed = new CommittedState();

  constructor(
    @Inject(EntriesRepository) private readonly repository: EntriesRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  submit(drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ drafts, resolve, reject });
      this.arrived?.();
      this.draining ??= this.drain();
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    let inFlight: InFlight | null = null;
    while (this.waiting.length > 0 || inFlight) {
      if (this.waiting.length > 0 && readsNextNow(this.waiting.length, inFlight)) {
        inFlight = await this.pipeline(this.takeBatch(), inFlight);
        continue;
      }
      await Promise.race([inFlight!.written, this.nextArrival()]);
      if (inFlight!.done) inFlight = null;
    }
    this.draining = null;
  }

  private nextArrival(): Promise<void> {
    return new Promise((resolve) => {
      this.arrived = () => {
        this.arrived = null;
        resolve();
      };
    });
  }

  private takeBatch(): Job[] {
    const batch: Job[] = [];
    let entries = 0;
    while (this.waiting.length > 0 && (batch.length === 0 || entries + this.waiting[0]!.drafts.length <= MAX_ENTRIES_PER_TRANSACTION)) {
      const job = this.waiting.shift()!;
      entries += job.drafts.length;
      batch.push(job);
    }
    return batch;
  }

  /**
   * Reads and applies the batch over what the batch in flight leaves, then sends its write: at once
   * if it can follow that one closely, otherwise once that one has committed. If that one failed,
   * or this one could not be read, the batch is committed again from what the database holds.
   */
  private async pipeline(jobs: readonly Job[], inFlight: InFlight | null): Promise<InFlight | null> {
    const applied = await this.knownOrReadState(jobs, inFlight)
      .then((state) => this.apply(jobs, state))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'ledger batch could not be read; committing it again'));
    if (applied && inFlight && !inFlight.done && followsClosely(applied, inFlight) && (await inFlight.ticketTaken) && !inFlight.done) {
      const sent = this.send(applied, inFlight);
      // The batch after this one is read once the one before has committed: it is laid over this one alone.
      await inFlight.written;
      return sent;
    }
    const previousWritten = inFlight ? await inFlight.written : true;
    if (!applied || !previousWritten) {
      await this.commitJobs(jobs);
      return null;
    }
    return this.send(applied);
  }

  /** Sends the batch's write; one that follows `previous` closely is committed again only after that one is done. */
  private send(applied: AppliedBatch, previous?: InFlight): InFlight {
    const order = { ticket: applied.writes.entries.length >= FOLLOWED_FROM ? this.nextTicket() : null, follows: previous?.order.ticket ?? null };
    let ticketTaken!: (taken: boolean) => void;
    const inFlight: InFlight = {
      after: stateAfter(applied.state, applied.writes),
      appliedAt: new Map([...applied.state.books].map(([id, book]) => [id, book.version])),
      appendsTo: applied.writes.touchedBooks,
      order,
      requests: applied.jobs.length,
      ticketTaken: new Promise((resolve) => (ticketTaken = resolve)),
      done: false,
      written: this.repository
        .unlocked(async (session) => {
          if (order.ticket !== null) await this.repository.takeTicket(session, order.ticket);
          ticketTaken(order.ticket !== null);
          await this.write(session, applied, order);
        })
        .then(
          () => this.committedAfter(applied, inFlight, previous),
          (error: unknown) => {
            this.logger.warn({ err: error, code: (error as { code?: string }).code }, 'ledger batch write failed; committing it again');
            return this.commitAgain(applied.jobs, previous);
          },
        )
        .finally(() => {
          inFlight.done = true;
          ticketTaken(false);
        }),
    };
    return inFlight;
  }

  /**
   * A write committed. If it was sent behind a batch that then failed, its answers stand only if
   * they do not rest on that batch (`restsOn`): then it is committed again from the database.
   */
  private async committedAfter(applied: AppliedBatch, inFlight: InFlight, previous?: InFlight): Promise<boolean> {
    if (previous && !(await previous.written) && restsOn(applied, previous)) return this.commitAgain(applied.jobs);
    this.committed.remember(applied.state, inFlight.after);
    applied.jobs.forEach((job, index) => settle(job, applied.settled[index]!));
    return true;
  }

  /** What this process remembers may be wrong: forgets it, and commits the jobs again from the database once `previous` is done. */
  private async commitAgain(jobs: readonly Job[], previous?: InFlight): Promise<false> {
    this.committed.forget();
    await previous?.written;
    await this.commitJobs(jobs);
    return false;
  }

  /** Commits the jobs together; if that fails for a reason other than contention, each on its own. */
  private async commitJobs(jobs: readonly Job[]): Promise<void> {
    try {
      const settled = await this.commitWithRetries(jobs);
      jobs.forEach((job, index) => settle(job, settled[index]!));
    } catch (error) {
      if (jobs.length > 1) {
        for (const job of jobs) await this.commitJobs([job]);
        return;
      }
      this.logger.error({ err: error, entries: jobs[0]!.drafts.length }, 'ledger batch failed');
      jobs[0]!.reject(error);
    }
  }

  /**
   * The first attempt writes only if no other writer changed the batch's books since it read them;
   * after a conflict (another replica, an account closing, the same id written elsewhere) the
   * batch runs again under the books' locks, where only a rare deadlock or duplicate can recur.
   */
  private async commitWithRetries(jobs: readonly Job[]): Promise<readonly Settled[]> {
    const bookIds = jobs.flatMap((job) => job.drafts.map((draft) => draft.bookId));
    for (let attempt = 1; ; attempt += 1) {
      try {
        const work = (session: PostingSession) => this.commit(session, jobs);
        return await (attempt === 1 ? this.repository.unlocked(work) : this.repository.locked(bookIds, work));
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (!RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        this.logger.warn({ code, attempt }, 'ledger batch contended; retrying');
      }
    }
  }

  private async commit(session: PostingSession, jobs: readonly Job[]): Promise<readonly Settled[]> {
    const applied = this.apply(jobs, await this.readState(session, jobs));
    await this.write(session, applied, { ticket: null, follows: null });
    return applied.settled;
  }

  /** The batch's state as this process's own writes left it, if it knows all of it (ADR 0017); otherwise read. */
  private async knownOrReadState(jobs: readonly Job[], inFlight: InFlight | null): Promise<BatchState> {
    const drafts = jobs.flatMap((job) => job.drafts);
    const state =
      this.committed.stateFor(drafts, inFlight ?? undefined) ??
      (await this.repository.unlocked((session) => this.repository.batchState(session, drafts, this.committed.newBooks(drafts))));
    if (inFlight) layOver(state, inFlight.after, drafts);
    return state;
  }

  private async readState(session: PostingSession, jobs: readonly Job[]): Promise<BatchState> {
    return this.repository.batchState(session, jobs.flatMap((job) => job.drafts));
  }

  /** A job naming an unknown book or account, or a wrong currency, is refused whole; the others are applied. */
  private apply(jobs: readonly Job[], state: BatchState): AppliedBatch {
    const application = new BatchApplication(state, new Date());
    const settled = jobs.map((job): Settled => {
      const violations = referenceViolations(job.drafts, state);
      return violations.length > 0 ? { violations } : { outcomes: application.applyAll(job.drafts) };
    });
    return { jobs, settled, state, writes: application.writes };
  }

  private write(session: PostingSession, { writes, state }: AppliedBatch, order: WriteOrder): Promise<void> {
    return this.repository.write(session, writes, state, eventsOf(writes, state.books), order);
  }

  /** Tickets start at a random point, so that replicas rarely hold the same one (which would only make one wait). */
  private nextTicket(): number {
    this.lastTicket = (this.lastTicket + 1) | 0;
    return this.lastTicket;
  }
}

/**
 * Entries a write needs for the next batch to be sent while it is written. The ticket costs it one
 * round trip more, and appending a dozen rows alongside a small write gains nothing: measured with
 * single transfers, following every write closely was no faster and took more CPU.
 */
const FOLLOWED_FROM = 1_000;

/**
 * Whether a batch may be sent while the one in flight is still being written (ADR 0013). Its
 * statement then runs with a snapshot taken before that one commits, so it must neither update nor
 * refer to rows that one writes; and it must chain onto entries that one appends to each book
 * they share, so that if that one fails, the head it expects is never there and it fails too.
 */
function followsClosely({ state, writes }: AppliedBatch, inFlight: InFlight): boolean {
  const { books, pendings } = inFlight.after;
  return (
    inFlight.order.ticket !== null &&
    [...state.books.keys()].every((id) => !books.has(id) || inFlight.appendsTo.has(id)) &&
    [...writes.resolvedPendings.keys()].every((id) => !pendings.has(id)) &&
    writes.entries.every((entry) => !pendings.has(entry.pendingId ?? '') && !(entry.reversesEntryId && (inFlight.after.appended(entry.bookId, entry.reversesEntryId) || inFlight.after.reverses(entry.reversesEntryId))))
  );
}

/**
 * Whether a batch applied over `previous` answered from it in a way its own write did not check.
 * A write checks every book it shares with `previous` against the version and head `previous`
 * leaves, so it commits only if `previous` did (ADR 0013). A write of nothing checks nothing, and
 * a repeat of an id `previous` recorded was answered with that batch's outcome.
 */
function restsOn({ jobs, writes }: AppliedBatch, previous: InFlight): boolean {
  return writesNothing(writes) || jobs.some((job) => job.drafts.some((draft) => previous.after.storedOutcomes.has(draft.id)));
}

/**
 * Whether the requests waiting are read now, while the batch in flight is written, or once it has
 * committed. A few requests read alone would be answered alone, and their clients would keep
 * arriving apart from the rest, one write behind: with 32 clients sending single transfers, the
 * batches settled into 30, 1 and 1 requests in turn, three writes per round (ADR 0014). Waiting
 * lets them join the requests that arrive meanwhile.
 */
function readsNextNow(waiting: number, inFlight: InFlight | null): boolean {
  return !inFlight || inFlight.done || waiting * 2 >= inFlight.requests;
}

type Settled = { readonly outcomes: EntryOutcome[] } | { readonly violations: Violation[] };

function settle(job: Job, settled: Settled): void {
  if ('violations' in settled) job.reject(ledgerError(LedgerErrorCode.InvalidRequest, settled.violations));
  else job.resolve(settled.outcomes);
}

const ENTRIES_PER_EVENT = 500;

/** The committed entries by book, in chunks that keep each event well under the NATS payload limit. */
function entriesPosted(entries: readonly EntryRow[]): MessageInitShape<typeof EntriesPostedSchema>[] {
  const events: MessageInitShape<typeof EntriesPostedSchema>[] = [];
  const byBook = new Map<string, EntryRow[]>();
  for (const entry of entries) {
    const ofBook = byBook.get(entry.bookId) ?? [];
    ofBook.push(entry);
    byBook.set(entry.bookId, ofBook);
  }
  for (const [bookId, ofBook] of byBook) {
    for (let start = 0; start < ofBook.length; start += ENTRIES_PER_EVENT) {
      const chunk = ofBook.slice(start, start + ENTRIES_PER_EVENT).map((entry) => ({
        entryId: entry.id,
        sequence: entry.sequence,
        kind: WIRE_ENTRY_KINDS[entry.kind],
        hash: entry.hash,
        decisionRef: entry.decisionRef,
        pendingId: entry.pendingId ?? '',
      }));
      events.push({ bookId, entries: chunk });
    }
  }
  return events;
}

/** Entries posted, pending transfers expired, and each touched book's new head. */
export function eventsOf(writes: BatchWrites, books: Map<string, BookHead>): OutboxRows {
  return concatOutboxRows(
    outboxRows(EntriesPostedSchema, entriesPosted(writes.entries)),
    outboxRows(
      PendingTransferExpiredSchema,
      writes.entries
        .filter((entry) => entry.kind === 'expire_pending')
        .map((entry) => ({ pendingId: entry.pendingId!, bookId: entry.bookId, expiryEntryId: entry.id })),
    ),
    outboxRows(
      ChainHeadAdvancedSchema,
      [...writes.touchedBooks].map((id) => ({ bookId: id, sequence: books.get(id)!.sequence, hash: books.get(id)!.hash })),
    ),
  );
}
