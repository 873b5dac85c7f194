import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Projects as the ledger knows them: their cost (for the funding gap) and whether they may spend. */
export class FundProjects1763900002000 implements MigrationInterface {
  name = 'FundProjects1763900002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE fund_project (
        book_id uuid NOT NULL,
        project_ref text NOT NULL,
        name_zh text NOT NULL,
        name_en text NOT NULL DEFAULT '',
        estate_ref text NOT NULL DEFAULT '',
        cost bigint NOT NULL,
        currency char(3) NOT NULL,
        status text NOT NULL DEFAULT 'open_for_contributions',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_fund_project PRIMARY KEY (book_id, project_ref),
        CONSTRAINT fk_fund_project_book FOREIGN KEY (book_id) REFERENCES ledger_book (id),
        CONSTRAINT ck_fund_project_cost CHECK (cost >= 0),
        CONSTRAINT ck_fund_project_status CHECK (status IN ('open_for_contributions', 'open_for_spending', 'closed'))
      )`);
    // Statements find a project's operations and a household's contributions through entry metadata;
    // partial, so entries without them (most of the journal) cost no index maintenance.
    await queryRunner.query(
      `CREATE INDEX ix_ledger_entry_project ON ledger_entry (book_id, (metadata->>'project')) WHERE (metadata->>'project') IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_ledger_entry_household ON ledger_entry (book_id, (metadata->>'household')) WHERE (metadata->>'household') IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_ledger_entry_receipt ON ledger_entry (book_id, (metadata->>'receipt_code')) WHERE (metadata->>'receipt_code') IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_ledger_entry_receipt`);
    await queryRunner.query(`DROP INDEX ix_ledger_entry_household`);
    await queryRunner.query(`DROP INDEX ix_ledger_entry_project`);
    await queryRunner.query(`DROP TABLE fund_project`);
  }
}
