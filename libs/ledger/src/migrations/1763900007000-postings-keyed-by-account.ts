import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A posting is identified by its account, its entry's sequence in the book and its line: the account
 * names the book, the sequence the entry in it, the line the posting in the entry. That key is the
 * account index every statement and past balance reads, so it becomes the primary key, and the key
 * by entry id goes. An entry's postings are found by their sequence, with the entry id: an index
 * appended in order, cheaper to write than the key by entry id (ADR 0022).
 */
export class PostingsKeyedByAccount1763900007000 implements MigrationInterface {
  name = 'PostingsKeyedByAccount1763900007000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ledger_posting DROP CONSTRAINT pk_ledger_posting`);
    await queryRunner.query(`DROP INDEX ix_ledger_posting_account`);
    await queryRunner.query(`ALTER TABLE ledger_posting ADD CONSTRAINT pk_ledger_posting PRIMARY KEY (account_id, book_sequence, line)`);
    await queryRunner.query(`CREATE INDEX ix_ledger_posting_sequence ON ledger_posting (book_sequence)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_ledger_posting_sequence`);
    await queryRunner.query(`ALTER TABLE ledger_posting DROP CONSTRAINT pk_ledger_posting`);
    await queryRunner.query(`ALTER TABLE ledger_posting ADD CONSTRAINT pk_ledger_posting PRIMARY KEY (entry_id, line)`);
    await queryRunner.query(`CREATE INDEX ix_ledger_posting_account ON ledger_posting (account_id, book_sequence, line)`);
  }
}
