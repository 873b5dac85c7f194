import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each check finds one new row whose references do not hold, and refuses the statement naming it. */
const REFERENCE_CHECKS = [
  {
    name: 'ledger_check_entry_references',
    trigger: 'tr_ledger_entry_references',
    table: 'ledger_entry',
    newRows: 'new_entries',
    findOrphan: `
      SELECT n.id INTO orphan FROM new_entries n
       WHERE NOT EXISTS (SELECT 1 FROM ledger_book b WHERE b.id = n.book_id)
          OR (n.pending_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.id = n.pending_id AND e.book_id = n.book_id))
          OR (n.reverses_entry_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.id = n.reverses_entry_id AND e.book_id = n.book_id))`,
    message: 'entry % names a book or an entry that does not exist (分录引用的账簿或分录不存在)',
  },
  {
    name: 'ledger_check_posting_references',
    trigger: 'tr_ledger_posting_references',
    table: 'ledger_posting',
    newRows: 'new_postings',
    // Two primary-key lookups per posting, whatever the statistics say: a join here was once
    // planned as a scan of the book's entries.
    findOrphan: `
      SELECT p.entry_id INTO orphan FROM new_postings p
       WHERE NOT EXISTS (SELECT 1 FROM ledger_account a
                          WHERE a.id = p.account_id AND a.currency = p.currency
                            AND a.book_id = (SELECT e.book_id FROM ledger_entry e WHERE e.id = p.entry_id))`,
    message: 'entry % has a posting without its entry, or to an account of another book or currency (分录账户无效)',
  },
];

/**
 * The journal's references are checked once per statement instead of once per row (see ADR 0008):
 * a foreign key runs one lookup-and-lock query per posting, which cost Postgres more than writing
 * the posting. The statement checks are stricter than the keys were (a posting's account must be
 * in its entry's book), and books and accounts, which nothing may delete, refuse DELETE.
 */
export class JournalReferenceChecks1763900004000 implements MigrationInterface {
  name = 'JournalReferenceChecks1763900004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ledger_posting DROP CONSTRAINT fk_ledger_posting_entry, DROP CONSTRAINT fk_ledger_posting_account`);
    await queryRunner.query(`
      ALTER TABLE ledger_entry DROP CONSTRAINT fk_ledger_entry_book, DROP CONSTRAINT fk_ledger_entry_pending,
                               DROP CONSTRAINT fk_ledger_entry_reverses`);
    for (const check of REFERENCE_CHECKS) {
      await queryRunner.query(`
        CREATE FUNCTION ${check.name}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE orphan uuid;
        BEGIN
          ${check.findOrphan} LIMIT 1;
          IF orphan IS NOT NULL THEN
            RAISE EXCEPTION '${check.message}', orphan USING ERRCODE = 'foreign_key_violation';
          END IF;
          RETURN NULL;
        END $$`);
      await queryRunner.query(`
        CREATE TRIGGER ${check.trigger} AFTER INSERT ON ${check.table}
          REFERENCING NEW TABLE AS ${check.newRows} FOR EACH STATEMENT EXECUTE FUNCTION ${check.name}()`);
    }
    for (const table of ['ledger_book', 'ledger_account']) {
      await queryRunner.query(`CREATE TRIGGER tr_${table}_no_delete BEFORE DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`);
      await queryRunner.query(`CREATE TRIGGER tr_${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['ledger_book', 'ledger_account']) {
      await queryRunner.query(`DROP TRIGGER tr_${table}_no_truncate ON ${table}`);
      await queryRunner.query(`DROP TRIGGER tr_${table}_no_delete ON ${table}`);
    }
    for (const check of REFERENCE_CHECKS) {
      await queryRunner.query(`DROP TRIGGER ${check.trigger} ON ${check.table}`);
      await queryRunner.query(`DROP FUNCTION ${check.name}()`);
    }
    await queryRunner.query(`
      ALTER TABLE ledger_entry ADD CONSTRAINT fk_ledger_entry_book FOREIGN KEY (book_id) REFERENCES ledger_book (id),
                               ADD CONSTRAINT fk_ledger_entry_pending FOREIGN KEY (pending_id) REFERENCES ledger_entry (id),
                               ADD CONSTRAINT fk_ledger_entry_reverses FOREIGN KEY (reverses_entry_id) REFERENCES ledger_entry (id)`);
    await queryRunner.query(`
      ALTER TABLE ledger_posting ADD CONSTRAINT fk_ledger_posting_entry FOREIGN KEY (entry_id) REFERENCES ledger_entry (id),
                                 ADD CONSTRAINT fk_ledger_posting_account FOREIGN KEY (account_id) REFERENCES ledger_account (id)`);
  }
}
