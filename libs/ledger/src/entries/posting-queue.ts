import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';

import type { MessageInitShape } from '@bufbuild/protobuf';

import { ChainHeadAdvancedSchema, EntriesPostedSchema, PendingTransferExpiredSchema } from '@yishi/contracts';
import type { Logger } from '@yishi/logging';
import { concatOutboxRows, outboxRows, type OutboxRows, type Violation } from '@yishi/messaging';
import { LOGGER } from '@yishi/service-kit';

import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { BatchApplication, type BatchWrites } from './batch-application';
import { EntriesRepository, type PostingSession } from './entries.repository';
import { referenceViolations } from './entry-references';
import { WIRE_ENTRY_KINDS } from '../wire';
import type { EntryRow } from './entry-rows';
import type { BookHead, EntryDraft, EntryOutcome } from './entry.model';

/** Entries per transaction; a single request may bring 8,000, and waiting requests join it. */
const MAX_ENTRIES_PER_TRANSACTION = 16_000;
const MAX_ATTEMPTS = 5;
/** A book changed since it was read, a deadlock, or another replica writing the same id first: run the batch again. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);


interface Job {
  readonly drafts: readonly EntryDraft[];
  resolve(outcomes: EntryOutcome[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit: requests that arrive while a transaction runs wait and then go into the next one
 * together, so the rows each one locks are locked once and written with one statement per table.
 */
@Injectable()
export class PostingQueue implements OnModuleDestroy {
  private readonly waiting: Job[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    @Inject(EntriesRepository) private readonly repository: EntriesRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  submit(drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ drafts, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) await this.commitJobs(this.takeBatch());
    this.draining = null;
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
  private async commitWithRetries(jobs: readonly Job[]): Promise<Settled[]> {
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

  /** A job naming an unknown book or account, or a wrong currency, is refused whole; the others are applied. */
  private async commit(session: PostingSession, jobs: readonly Job[]): Promise<Settled[]> {
    const state = await this.repository.batchState(session, jobs.flatMap((job) => job.drafts));
    const application = new BatchApplication(state, new Date());
    const settled = jobs.map((job): Settled => {
      const violations = referenceViolations(job.drafts, state);
      return violations.length > 0 ? { violations } : { outcomes: application.applyAll(job.drafts) };
    });
    await this.repository.write(session, application.writes, state, eventsOf(application.writes, state.books));
    return settled;
  }
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
function eventsOf(writes: BatchWrites, books: Map<string, BookHead>): OutboxRows {
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
