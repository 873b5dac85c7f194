import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A pending transfer is written once and resolved once: its accounts, amount and expiry never
 * change, its state goes from pending to posted, voided or expired once, naming the entry that
 * resolved it (written in the same statement, so not checked as a reference here), and the row is
 * never deleted. The engine only ever does that; this holds it in the
 * database too, as the journal's own rows are held (`ledger_refuse_change`).
 */
export class PendingTransfersResolveOnce1763900011000 implements MigrationInterface {
  name = 'PendingTransfersResolveOnce1763900011000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION ledger_pending_transfer_resolve_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.state <> 'pending' OR NEW.state = 'pending' OR NEW.resolved_by_entry_id IS NULL
           OR (NEW.id, NEW.book_id, NEW.debit_account_id, NEW.credit_account_id, NEW.amount, NEW.currency, NEW.expires_at)
              IS DISTINCT FROM (OLD.id, OLD.book_id, OLD.debit_account_id, OLD.credit_account_id, OLD.amount, OLD.currency, OLD.expires_at) THEN
          RAISE EXCEPTION 'pending transfer % can only be resolved once, and nothing else of it changed (预留只能结清一次，其余不可修改)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER tr_ledger_pending_transfer_resolve_once BEFORE UPDATE ON ledger_pending_transfer FOR EACH ROW EXECUTE FUNCTION ledger_pending_transfer_resolve_once()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER tr_ledger_pending_transfer_no_delete BEFORE DELETE ON ledger_pending_transfer FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER tr_ledger_pending_transfer_no_truncate BEFORE TRUNCATE ON ledger_pending_transfer FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_ledger_pending_transfer_no_truncate ON ledger_pending_transfer`);
    await queryRunner.query(`DROP TRIGGER tr_ledger_pending_transfer_no_delete ON ledger_pending_transfer`);
    await queryRunner.query(`DROP TRIGGER tr_ledger_pending_transfer_resolve_once ON ledger_pending_transfer`);
    await queryRunner.query(`DROP FUNCTION ledger_pending_transfer_resolve_once()`);
  }
}
