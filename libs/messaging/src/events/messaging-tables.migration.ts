import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox (events written with the state change) and inbox (events already applied). Every
 * service database has them; the service host adds this migration to each service's list.
 */
export class MessagingTables1763900000000 implements MigrationInterface {
  name = 'MessagingTables1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE messaging_outbox (
        seq bigserial NOT NULL,
        id uuid NOT NULL,
        subject text NOT NULL,
        envelope text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        publish_attempts integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        last_error text,
        CONSTRAINT pk_messaging_outbox PRIMARY KEY (id)
      )`);
    // Publication order is commit order as near as a sequence gives it: ids are not ordered within a millisecond.
    await queryRunner.query(
      `CREATE INDEX ix_messaging_outbox_unpublished ON messaging_outbox (seq) WHERE published_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE messaging_inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_messaging_inbox PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE messaging_inbox`);
    await queryRunner.query(`DROP TABLE messaging_outbox`);
  }
}

/**
 * Outbox envelopes compressed with lz4 where the server has it (pglz otherwise): the envelope of
 * an event listing 500 ledger entries is about 100 KB, and pglz took 1.7 ms to compress each one
 * inside the posting transaction (ADR 0012).
 */
export class OutboxEnvelopeCompression1764000000000 implements MigrationInterface {
  name = 'OutboxEnvelopeCompression1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ BEGIN
        ALTER TABLE messaging_outbox ALTER COLUMN envelope SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'this server has no lz4; outbox envelopes stay compressed with pglz';
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messaging_outbox ALTER COLUMN envelope SET COMPRESSION DEFAULT`);
  }
}

/** The messaging tables' migrations, oldest first; every service database runs them. */
export const MESSAGING_MIGRATIONS = [MessagingTables1763900000000, OutboxEnvelopeCompression1764000000000];
