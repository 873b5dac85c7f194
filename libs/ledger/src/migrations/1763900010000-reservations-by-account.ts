import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account's reservations and their releases, by sequence: what its pending totals were at a
 * past moment is their sum up to the sequence of that moment. Posted lines, nearly all of them,
 * stay out of the index, which carries what the sum needs so that it reads no table rows.
 */
export class ReservationsByAccount1763900010000 implements MigrationInterface {
  name = 'ReservationsByAccount1763900010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_ledger_posting_reservations ON ledger_posting (account_id, book_sequence) INCLUDE (phase, side, amount) WHERE phase <> 'posted'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_ledger_posting_reservations`);
  }
}
