import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Books, accounts (with their running balances), the hash-chained journal of entries and
 * postings, pending transfers, and the outcome of every request id. Entries, postings and
 * outcomes are append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
 */
export class LedgerSchema1763900001000 implements MigrationInterface {
  name = 'LedgerSchema1763900001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ledger_book (
        id uuid NOT NULL,
        community_ref text NOT NULL,
        name text NOT NULL,
        head_sequence bigint NOT NULL DEFAULT 0,
        head_hash bytea,
        head_recorded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_ledger_book PRIMARY KEY (id),
        CONSTRAINT uq_ledger_book_community UNIQUE (community_ref)
      )`);
    await queryRunner.query(`
      CREATE TABLE ledger_account (
        id uuid NOT NULL,
        book_id uuid NOT NULL,
        code text NOT NULL,
        name_zh text NOT NULL,
        name_en text NOT NULL DEFAULT '',
        kind text NOT NULL,
        currency char(3) NOT NULL,
        normal_side text NOT NULL,
        debits_must_not_exceed_credits boolean NOT NULL DEFAULT false,
        credits_must_not_exceed_debits boolean NOT NULL DEFAULT false,
        closed boolean NOT NULL DEFAULT false,
        ref_community text NOT NULL DEFAULT '',
        ref_estate text NOT NULL DEFAULT '',
        ref_project text NOT NULL DEFAULT '',
        ref_household text NOT NULL DEFAULT '',
        ref_organisation text NOT NULL DEFAULT '',
        debits_posted bigint NOT NULL DEFAULT 0,
        credits_posted bigint NOT NULL DEFAULT 0,
        debits_pending bigint NOT NULL DEFAULT 0,
        credits_pending bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_ledger_account PRIMARY KEY (id),
        CONSTRAINT fk_ledger_account_book FOREIGN KEY (book_id) REFERENCES ledger_book (id),
        CONSTRAINT uq_ledger_account_code UNIQUE (book_id, code),
        CONSTRAINT ck_ledger_account_kind CHECK (kind IN ('custody', 'fund', 'counterparty', 'memo')),
        CONSTRAINT ck_ledger_account_side CHECK (normal_side IN ('debit', 'credit')),
        CONSTRAINT ck_ledger_account_one_limit CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
        CONSTRAINT ck_ledger_account_totals CHECK (debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0),
        CONSTRAINT ck_ledger_account_no_debit_overdraft
          CHECK (NOT debits_must_not_exceed_credits OR debits_posted + debits_pending <= credits_posted),
        CONSTRAINT ck_ledger_account_no_credit_overdraft
          CHECK (NOT credits_must_not_exceed_debits OR credits_posted + credits_pending <= debits_posted)
      )`);
    await queryRunner.query(`
      CREATE TABLE ledger_entry (
        id uuid NOT NULL,
        book_id uuid NOT NULL,
        sequence bigint NOT NULL,
        kind text NOT NULL,
        effective_date date NOT NULL,
        memo text NOT NULL DEFAULT '',
        recorded_by text NOT NULL,
        evidence text NOT NULL DEFAULT '',
        decision_ref text NOT NULL DEFAULT '',
        metadata jsonb NOT NULL DEFAULT '{}',
        pending_id uuid,
        reverses_entry_id uuid,
        recorded_at timestamptz NOT NULL,
        previous_hash bytea,
        hash bytea NOT NULL,
        CONSTRAINT pk_ledger_entry PRIMARY KEY (id),
        CONSTRAINT fk_ledger_entry_book FOREIGN KEY (book_id) REFERENCES ledger_book (id),
        CONSTRAINT uq_ledger_entry_sequence UNIQUE (book_id, sequence),
        CONSTRAINT fk_ledger_entry_pending FOREIGN KEY (pending_id) REFERENCES ledger_entry (id),
        CONSTRAINT fk_ledger_entry_reverses FOREIGN KEY (reverses_entry_id) REFERENCES ledger_entry (id),
        CONSTRAINT ck_ledger_entry_kind CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending', 'expire_pending'))
      )`);
    await queryRunner.query(`CREATE INDEX ix_ledger_entry_recorded ON ledger_entry (book_id, recorded_at, sequence)`);
    await queryRunner.query(`CREATE INDEX ix_ledger_entry_effective ON ledger_entry (book_id, effective_date, sequence)`);
    await queryRunner.query(`
      CREATE TABLE ledger_posting (
        entry_id uuid NOT NULL,
        line smallint NOT NULL,
        account_id uuid NOT NULL,
        book_sequence bigint NOT NULL,
        phase text NOT NULL,
        side text NOT NULL,
        amount bigint NOT NULL,
        currency char(3) NOT NULL,
        debits_posted_after bigint NOT NULL,
        credits_posted_after bigint NOT NULL,
        CONSTRAINT pk_ledger_posting PRIMARY KEY (entry_id, line),
        CONSTRAINT fk_ledger_posting_entry FOREIGN KEY (entry_id) REFERENCES ledger_entry (id),
        CONSTRAINT fk_ledger_posting_account FOREIGN KEY (account_id) REFERENCES ledger_account (id),
        CONSTRAINT ck_ledger_posting_amount CHECK (amount > 0),
        CONSTRAINT ck_ledger_posting_phase CHECK (phase IN ('posted', 'pending', 'release')),
        CONSTRAINT ck_ledger_posting_side CHECK (side IN ('debit', 'credit'))
      )`);
    await queryRunner.query(`CREATE INDEX ix_ledger_posting_account ON ledger_posting (account_id, book_sequence, line)`);
    await queryRunner.query(`
      CREATE TABLE ledger_pending_transfer (
        id uuid NOT NULL,
        book_id uuid NOT NULL,
        debit_account_id uuid NOT NULL,
        credit_account_id uuid NOT NULL,
        amount bigint NOT NULL,
        currency char(3) NOT NULL,
        expires_at timestamptz,
        state text NOT NULL DEFAULT 'pending',
        resolved_by_entry_id uuid,
        CONSTRAINT pk_ledger_pending_transfer PRIMARY KEY (id),
        CONSTRAINT fk_ledger_pending_transfer_entry FOREIGN KEY (id) REFERENCES ledger_entry (id),
        CONSTRAINT ck_ledger_pending_transfer_state CHECK (state IN ('pending', 'posted', 'voided', 'expired'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_ledger_pending_transfer_expiry ON ledger_pending_transfer (expires_at) WHERE state = 'pending'`,
    );
    await queryRunner.query(`
      CREATE TABLE ledger_request (
        id uuid NOT NULL,
        book_id uuid NOT NULL,
        fingerprint bytea NOT NULL,
        refusal text,
        sequence bigint,
        hash bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_ledger_request PRIMARY KEY (id)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger rows are append-only: % on % refused (记账记录不可修改)', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'integrity_constraint_violation';
      END $$`);
    for (const table of ['ledger_entry', 'ledger_posting', 'ledger_request']) {
      await queryRunner.query(
        `CREATE TRIGGER tr_${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER tr_${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`,
      );
    }
    // Debits equal credits per entry, currency and phase: checked here as well as in code.
    await queryRunner.query(`
      CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE unbalanced uuid;
      BEGIN
        SELECT entry_id INTO unbalanced FROM new_postings
         GROUP BY entry_id, currency, phase
        HAVING sum(CASE side WHEN 'debit' THEN amount ELSE -amount END) <> 0
         LIMIT 1;
        IF unbalanced IS NOT NULL THEN
          RAISE EXCEPTION 'entry % is not balanced (分录借贷不平)', unbalanced USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_ledger_posting_balanced AFTER INSERT ON ledger_posting
        REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_balanced()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ledger_request`);
    await queryRunner.query(`DROP TABLE ledger_pending_transfer`);
    await queryRunner.query(`DROP TABLE ledger_posting`);
    await queryRunner.query(`DROP TABLE ledger_entry`);
    await queryRunner.query(`DROP TABLE ledger_account`);
    await queryRunner.query(`DROP TABLE ledger_book`);
    await queryRunner.query(`DROP FUNCTION ledger_check_balanced()`);
    await queryRunner.query(`DROP FUNCTION ledger_refuse_change()`);
  }
}
