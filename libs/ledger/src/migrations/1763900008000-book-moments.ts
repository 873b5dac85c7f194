import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each book's entries were recorded, one row per write rather than one index entry per entry
 * (ADR 0023). A write records all its entries of a book at one moment, and a book's moments never
 * go back (`journal` chains each entry at or after the head's), so the last entry recorded by a
 * moment is the last sequence of the latest write at or before it: what a balance as of that moment
 * reads. The entries' indexes by moment and by effective date go; no query starts from either
 * (reports by date read the whole book up to it, reconciliation starts from an account).
 *
 * The entry references check looks a pending or reversed entry up by its id alone: asked for an
 * entry of a book, a generic plan made while the journal was small had chosen an index by book and
 * filtered it for the id, which reads every entry of the book.
 */
export class BookMoments1763900008000 implements MigrationInterface {
  name = 'BookMoments1763900008000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ledger_book_moment (
        book_id uuid NOT NULL,
        recorded_at timestamptz NOT NULL,
        sequence bigint NOT NULL,
        CONSTRAINT pk_ledger_book_moment PRIMARY KEY (book_id, recorded_at, sequence)
      )`);
    await queryRunner.query(`
      INSERT INTO ledger_book_moment (book_id, recorded_at, sequence)
      SELECT book_id, recorded_at, max(sequence) FROM ledger_entry GROUP BY book_id, recorded_at`);
    await queryRunner.query(
      `CREATE TRIGGER tr_ledger_book_moment_append_only BEFORE UPDATE OR DELETE ON ledger_book_moment FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER tr_ledger_book_moment_no_truncate BEFORE TRUNCATE ON ledger_book_moment FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`,
    );
    await queryRunner.query(`DROP INDEX ix_ledger_entry_recorded`);
    await queryRunner.query(`DROP INDEX ix_ledger_entry_effective`);
    await queryRunner.query(entryReferencesCheck((ref) => `(SELECT e.book_id FROM ledger_entry e WHERE e.id = n.${ref}) IS DISTINCT FROM n.book_id`));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(entryReferencesCheck((ref) => `NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.id = n.${ref} AND e.book_id = n.book_id)`));
    await queryRunner.query(`CREATE INDEX ix_ledger_entry_effective ON ledger_entry (book_id, effective_date, sequence)`);
    await queryRunner.query(`CREATE INDEX ix_ledger_entry_recorded ON ledger_entry (book_id, recorded_at, sequence)`);
    await queryRunner.query(`DROP TABLE ledger_book_moment`);
  }
}

/** The entry references check, with `absent(column)` telling whether the entry that column names is missing from the book. */
function entryReferencesCheck(absent: (column: string) => string): string {
  return `
    CREATE OR REPLACE FUNCTION ledger_check_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE orphan uuid;
    BEGIN
      SELECT n.id INTO orphan FROM new_entries n
       WHERE NOT EXISTS (SELECT 1 FROM ledger_book b WHERE b.id = n.book_id)
          OR (n.pending_id IS NOT NULL AND ${absent('pending_id')})
          OR (n.reverses_entry_id IS NOT NULL AND ${absent('reverses_entry_id')})
       LIMIT 1;
      IF orphan IS NOT NULL THEN
        RAISE EXCEPTION 'entry % names a book or an entry that does not exist (分录引用的账簿或分录不存在)', orphan USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`;
}
