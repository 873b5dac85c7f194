import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every writer of a book raises its version (ADR 0009). A batch that read the book without a lock
 * writes only if the version is still the one it read; otherwise its statement fails whole with a
 * serialization failure, and the batch is applied again under the book lock.
 */
export class BookVersions1763900005000 implements MigrationInterface {
  name = 'BookVersions1763900005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ledger_book ADD COLUMN version bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE FUNCTION ledger_book_changed() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'a book changed while a batch for it was applied (账簿在记账期间被修改)' USING ERRCODE = 'serialization_failure';
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION ledger_book_changed()`);
    await queryRunner.query(`ALTER TABLE ledger_book DROP COLUMN version`);
  }
}
