import type { DataSource, EntityManager } from 'typeorm';

export type InboxOutcome = 'applied' | 'already-applied';

/**
 * Applies an event's effect at most once per consumer: the event id goes into the inbox in the
 * same transaction as the effect, so a redelivery finds it there and changes nothing.
 */
export class Inbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly consumer: string,
  ) {}

  process(eventId: string, effect: (manager: EntityManager) => Promise<void>): Promise<InboxOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO messaging_inbox (consumer, event_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.consumer, eventId],
      );
      if (inserted.length === 0) return 'already-applied';
      await effect(manager);
      return 'applied';
    });
  }
}
