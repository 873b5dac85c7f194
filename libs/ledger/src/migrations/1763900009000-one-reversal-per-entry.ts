import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An entry is reversed at most once: a second reversal would undo the correction a second time.
 * The engine refuses it with a clear answer; this index is what holds when two writes race.
 */
export class OneReversalPerEntry1763900009000 implements MigrationInterface {
  name = 'OneReversalPerEntry1763900009000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE UNIQUE INDEX uq_ledger_entry_reverses ON ledger_entry (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX uq_ledger_entry_reverses`);
  }
}
