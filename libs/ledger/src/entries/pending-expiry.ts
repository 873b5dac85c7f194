import { createHash } from 'node:crypto';

import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { Logger } from '@yishi/logging';
import { uuidFromSeed } from '@yishi/persistence';
import { LOGGER } from '@yishi/service-kit';

import type { EntryDraft } from './entry.model';
import { PostingQueue } from './posting-queue';

const SWEEP_INTERVAL_MS = 1_000;
const SWEEP_LIMIT = 1_000;

/** The entry that expires a pending transfer: the same for every sweep of every replica. */
export function expiryDraft(pendingId: string, bookId: string): EntryDraft {
  return {
    // Stable per pending transfer, so two replicas expiring the same one write one entry.
    id: uuidFromSeed(`expire:${pendingId}`),
    bookId,
    kind: 'expire_pending',
    effectiveDate: null,
    memo: 'reservation lapsed (预留已过期)',
    recordedBy: 'ledger',
    evidence: '',
    decisionRef: '',
    metadata: {},
    postings: [],
    pendingId,
    expiresAt: null,
    reversesEntryId: null,
    linked: false,
    fingerprint: createHash('sha256').update(`expire:${pendingId}`).digest('hex'),
  };
}

/** Releases reservations whose time has run out, through the same queue as every other entry. */
@Injectable()
export class PendingExpiry implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PostingQueue) private readonly queue: PostingQueue,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping = this.sweeping
        .then(() => this.sweep())
        .then(
          () => undefined,
          (error: unknown) => this.logger.error({ err: error }, 'pending expiry sweep failed'),
        );
    }, SWEEP_INTERVAL_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Expires every pending transfer that is due; returns how many. */
  async sweep(): Promise<number> {
    const due: { id: string; book_id: string }[] = await this.dataSource.query(
      `SELECT id, book_id FROM ledger_pending_transfer WHERE state = 'pending' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
      [SWEEP_LIMIT],
    );
    if (due.length === 0) return 0;
    await this.queue.submit(due.map((pending) => expiryDraft(pending.id, pending.book_id)));
    return due.length;
  }
}
