import { Client } from 'pg';
import type { DataSource } from 'typeorm';

import type { Logger } from '@yishi/logging';

import type { EventBus } from './event-bus';
import { OUTBOX_CHANNEL } from './outbox';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly databaseUrl: string;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** The poll is the path that guarantees delivery; NOTIFY only shortens the wait. */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  /** Test seam for the crash suite: runs after the bus accepted an event, before it is marked. */
  readonly afterPublish?: (eventId: string) => void;
}

const LISTEN_RETRY_MS = 5_000;
/**
 * How long a wake-up waits before its pass, so events committed meanwhile are claimed, sent and
 * marked together: under load one pass (one transaction) serves many commits instead of each.
 */
const COALESCE_MS = 20;

interface OutboxRow {
  seq: string;
  id: string;
  subject: string;
  envelope: string;
}

/** The relays of each database in this process, woken by `outboxCommitted`. */
const relaysOf = new WeakMap<DataSource, Set<() => void>>();

/**
 * Wakes this process's relays of `dataSource` after a commit that recorded events without NOTIFY:
 * a writer whose relay runs beside it saves the notification's work in Postgres on every commit.
 * Another process's relays find those events at their next poll.
 */
export function outboxCommitted(dataSource: DataSource): void {
  for (const wake of relaysOf.get(dataSource) ?? []) wake();
}

/**
 * Moves committed outbox rows to the event bus. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * several relays (replicas) share the work; a row is marked published only after the bus accepted
 * it, so a crash in between re-publishes it, and the event id makes that harmless.
 */
export class OutboxRelay {
  private listener?: Client;
  private running = false;
  private stopping = false;
  private wake?: () => void;
  /** Set by a commit (NOTIFY or `outboxCommitted`) while a pass is running, so it is not slept through. */
  private notified = false;
  private loop?: Promise<void>;
  /**
   * The last row this relay claimed. A pass woken by a commit claims only rows after it; a poll
   * claims from the start, for rows committed after later ones and for retries. Published rows
   * stay in the unpublished index until vacuum, and a pass that walks them all prunes their pages
   * again: that was most of this relay's work in Postgres while the ledger posted.
   */
  private lastClaimed = '0';
  private readonly woken = (): void => {
    this.notified = true;
    this.wake?.();
  };

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.running = true;
    const relays = relaysOf.get(this.options.dataSource) ?? new Set();
    relaysOf.set(this.options.dataSource, relays.add(this.woken));
    await this.listen().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'outbox relay runs on polling only: LISTEN failed');
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    relaysOf.get(this.options.dataSource)?.delete(this.woken);
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Publishes every pending row now (until stopped); returns how many were published. */
  async publishPending(): Promise<number> {
    return this.publishAfter('0');
  }

  /** Publishes the pending rows after `seq`, a batch at a time, until a batch comes back short. */
  private async publishAfter(seq: string): Promise<number> {
    let total = 0;
    let after = seq;
    while (!this.stopping) {
      const { claimed, published, last } = await this.publishBatch(after);
      total += published;
      after = last ?? after;
      if (claimed < (this.options.batchSize ?? 100)) break;
    }
    return total;
  }

  /** A pass from the start at least every poll interval, however often commits wake the relay. */
  private async run(): Promise<void> {
    const pollIntervalMs = this.options.pollIntervalMs ?? 1_000;
    let polledAt = -Infinity;
    while (this.running) {
      const polls = performance.now() - polledAt >= pollIntervalMs;
      if (polls) polledAt = performance.now();
      try {
        await this.publishAfter(polls ? '0' : this.lastClaimed);
      } catch (error) {
        this.options.logger.error({ err: error }, 'outbox relay pass failed; retrying at next poll');
      }
      await this.sleepUntilWoken(pollIntervalMs);
    }
  }

  /** Claims a batch after `seq` and publishes it row by row; a row that fails is retried at a later poll. */
  private async publishBatch(seq: string): Promise<{ claimed: number; published: number; last?: string }> {
    return this.options.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT seq, id, subject, envelope FROM messaging_outbox
          WHERE seq > $2 AND published_at IS NULL
            AND (last_attempt_at IS NULL OR last_attempt_at < now() - interval '1 second' * least(publish_attempts, 60))
          ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize ?? 100, seq],
      );
      const last = rows.at(-1)?.seq;
      if (last !== undefined && BigInt(last) > BigInt(this.lastClaimed)) this.lastClaimed = last;
      // Sent together (in order, on one connection) and acknowledged together: the relay keeps up.
      const outcomes = await Promise.allSettled(rows.map((row) => this.publishRow(row)));
      const published: string[] = [];
      for (const [index, outcome] of outcomes.entries()) {
        const row = rows[index]!;
        if (outcome.status === 'fulfilled') {
          published.push(row.id);
          continue;
        }
        this.options.logger.warn({ err: outcome.reason, eventId: row.id, subject: row.subject }, 'event not published yet; will retry');
        await manager.query(
          `UPDATE messaging_outbox SET publish_attempts = publish_attempts + 1, last_error = $2, last_attempt_at = now() WHERE id = $1`,
          [row.id, String(outcome.reason).slice(0, 2_000)],
        );
      }
      if (published.length > 0) {
        await manager.query(
          `UPDATE messaging_outbox SET published_at = now(), publish_attempts = publish_attempts + 1
            WHERE id = ANY($1::uuid[])`,
          [published],
        );
      }
      return { claimed: rows.length, published: published.length, last };
    });
  }

  private async publishRow(row: OutboxRow): Promise<void> {
    await this.options.bus.publish({ id: row.id, subject: row.subject, envelope: Buffer.from(row.envelope, 'utf8') });
    this.options.afterPublish?.(row.id);
  }

  /** LISTEN on a connection of its own; when it drops, polling carries on and LISTEN is retried. */
  private async listen(): Promise<void> {
    const listener = new Client({ connectionString: this.options.databaseUrl });
    listener.on('notification', this.woken);
    listener.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'outbox LISTEN connection lost; polling until it is back');
      void listener.end().catch(() => undefined);
      this.listener = undefined;
      if (this.running) setTimeout(() => void this.listen().catch(() => undefined), LISTEN_RETRY_MS).unref();
    });
    try {
      await listener.connect();
      await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await listener.end().catch(() => undefined);
      throw error;
    }
    this.listener = listener;
  }

  private async sleepUntilWoken(ms: number): Promise<void> {
    if (!this.notified && this.running) await this.sleep(ms, true);
    if (this.running) await this.sleep(COALESCE_MS, false);
    this.notified = false;
  }

  /** Waits `ms`, or less if `wakeable` and a commit (or stop) arrives first. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeable) this.wake = done;
    });
  }
}
