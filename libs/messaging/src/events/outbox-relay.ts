import { Client } from 'pg';
import type { DataSource } from 'typeorm';

import type { Logger } from '@yishi/logging';

import type { EventBus, OutboxEvent } from './event-bus';
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

interface OutboxRow {
  id: string;
  subject: string;
  envelope: string;
}

/**
 * Moves committed outbox rows to the event bus. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * several relays (replicas) share the work; a row is marked published only after the bus accepted
 * it, so a crash in between re-publishes it, and the event id makes that harmless.
 */
export class OutboxRelay {
  private listener?: Client;
  private running = false;
  private wake?: () => void;
  /** Set by a NOTIFY that arrives while a pass is running, so it is not slept through. */
  private notified = false;
  private loop?: Promise<void>;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.running = true;
    await this.listen().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'outbox relay runs on polling only: LISTEN failed');
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Publishes every pending row now; returns how many were published. */
  async publishPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < (this.options.batchSize ?? 100)) return total;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.publishPending();
      } catch (error) {
        this.options.logger.error({ err: error }, 'outbox relay pass failed; retrying at next poll');
      }
      await this.sleepUntilWoken(this.options.pollIntervalMs ?? 1_000);
    }
  }

  private async publishBatch(): Promise<number> {
    return this.options.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, subject, envelope FROM messaging_outbox
          WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize ?? 100],
      );
      const published: string[] = [];
      for (const row of rows) {
        const event: OutboxEvent = { id: row.id, subject: row.subject, envelope: Buffer.from(row.envelope, 'utf8') };
        try {
          await this.options.bus.publish(event);
        } catch (error) {
          await manager.query(
            `UPDATE messaging_outbox SET publish_attempts = publish_attempts + 1, last_error = $2 WHERE id = $1`,
            [row.id, String(error)],
          );
          break;
        }
        this.options.afterPublish?.(row.id);
        published.push(row.id);
      }
      if (published.length > 0) {
        await manager.query(
          `UPDATE messaging_outbox SET published_at = now(), publish_attempts = publish_attempts + 1
            WHERE id = ANY($1::uuid[])`,
          [published],
        );
      }
      return published.length;
    });
  }

  private async listen(): Promise<void> {
    const listener = new Client({ connectionString: this.options.databaseUrl });
    listener.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    listener.on('error', (error) => this.options.logger.warn({ err: error }, 'outbox LISTEN connection lost'));
    await listener.connect();
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.listener = listener;
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    if (this.notified || !this.running) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.notified = false;
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
