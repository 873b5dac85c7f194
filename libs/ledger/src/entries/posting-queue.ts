import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { MessageInitShape } from '@bufbuild/protobuf';

import { ChainHeadAdvancedSchema, EntriesPostedSchema, PendingTransferExpiredSchema } from '@yishi/contracts';
import type { Logger } from '@yishi/logging';
import { concatOutboxRows, outboxRows, type OutboxRows } from '@yishi/messaging';
import { LOGGER } from '@yishi/service-kit';

import { BatchApplication, type BatchWrites } from './batch-application';
import { EntriesRepository } from './entries.repository';
import { WIRE_ENTRY_KINDS } from '../wire';
import type { EntryRow } from './entry-rows';
import type { BookHead, EntryDraft, EntryOutcome } from './entry.model';

/** Entries per transaction; a single request may bring 8,000, and waiting requests join it. */
const MAX_ENTRIES_PER_TRANSACTION = 16_000;
const MAX_ATTEMPTS = 5;
/** Serialization failure, deadlock, or another replica writing the same id first: run the batch again. */
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
      const outcomes = await this.commitWithRetries(jobs.flatMap((job) => job.drafts));
      let offset = 0;
      for (const job of jobs) {
        job.resolve(outcomes.slice(offset, offset + job.drafts.length));
        offset += job.drafts.length;
      }
    } catch (error) {
      if (jobs.length > 1) {
        for (const job of jobs) await this.commitJobs([job]);
        return;
      }
      this.logger.error({ err: error, entries: jobs[0]!.drafts.length }, 'ledger batch failed');
      jobs[0]!.reject(error);
    }
  }

  private async commitWithRetries(drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.repository.transaction((manager) => this.commit(manager, drafts));
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (!RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        this.logger.warn({ code, attempt }, 'ledger batch contended; retrying');
      }
    }
  }

  private async commit(manager: EntityManager, drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    const state = await this.repository.lockBatchState(manager, drafts);
    const application = new BatchApplication(state, new Date());
    const outcomes = application.applyAll(drafts);
    await this.repository.write(manager, application.writes, state, eventsOf(application.writes, state.books));
    return outcomes;
  }
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
