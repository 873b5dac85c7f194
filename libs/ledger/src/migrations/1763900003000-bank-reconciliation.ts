import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Imported bank statements and how each line was reconciled with the ledger. */
export class BankReconciliation1763900003000 implements MigrationInterface {
  name = 'BankReconciliation1763900003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE fund_bank_statement (
        book_id uuid NOT NULL,
        statement_ref text NOT NULL,
        account_id uuid NOT NULL,
        statement_date date NOT NULL,
        closing_balance bigint NOT NULL,
        first_date date NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_fund_bank_statement PRIMARY KEY (book_id, statement_ref),
        CONSTRAINT fk_fund_bank_statement_account FOREIGN KEY (account_id) REFERENCES ledger_account (id)
      )`);
    await queryRunner.query(`
      CREATE TABLE fund_bank_line (
        book_id uuid NOT NULL,
        statement_ref text NOT NULL,
        line integer NOT NULL,
        date date NOT NULL,
        amount bigint NOT NULL,
        reference text NOT NULL DEFAULT '',
        description text NOT NULL DEFAULT '',
        state text NOT NULL,
        entry_id uuid,
        explanation text NOT NULL DEFAULT '',
        CONSTRAINT pk_fund_bank_line PRIMARY KEY (book_id, statement_ref, line),
        CONSTRAINT fk_fund_bank_line_statement FOREIGN KEY (book_id, statement_ref) REFERENCES fund_bank_statement (book_id, statement_ref),
        CONSTRAINT fk_fund_bank_line_entry FOREIGN KEY (entry_id) REFERENCES ledger_entry (id),
        CONSTRAINT ck_fund_bank_line_state CHECK (state IN ('matched', 'unmatched', 'amount_mismatch', 'explained'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE fund_bank_line`);
    await queryRunner.query(`DROP TABLE fund_bank_statement`);
  }
}
