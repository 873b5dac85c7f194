import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log: append-only, hash-chained per community ("global" for what has no community). */
export class IdentityAudit1763900013000 implements MigrationInterface {
  name = 'IdentityAudit1763900013000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_audit_head (
        chain text NOT NULL,
        sequence bigint NOT NULL DEFAULT 0,
        hash text NOT NULL DEFAULT '',
        CONSTRAINT pk_identity_audit_head PRIMARY KEY (chain)
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_audit (
        chain text NOT NULL,
        sequence bigint NOT NULL,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        subject text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        previous_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT pk_identity_audit PRIMARY KEY (chain, sequence)
      )`);
    await queryRunner.query(`
      CREATE TRIGGER tr_identity_audit_append_only BEFORE UPDATE OR DELETE ON identity_audit
        FOR EACH ROW EXECUTE FUNCTION identity_refuse_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_audit`);
    await queryRunner.query(`DROP TABLE identity_audit_head`);
  }
}
