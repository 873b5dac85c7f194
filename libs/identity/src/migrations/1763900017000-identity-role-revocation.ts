import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A revoked role assignment is kept, marked with when, by whom and why it ended. */
export class IdentityRoleRevocation1763900017000 implements MigrationInterface {
  name = 'IdentityRoleRevocation1763900017000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE identity_role_assignment ADD COLUMN revoked_at timestamptz, ADD COLUMN revoked_by uuid, ADD COLUMN revoke_reason text`);
    await queryRunner.query(`
      ALTER TABLE identity_role_assignment ADD CONSTRAINT ck_identity_role_revocation
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL) AND (revoked_at IS NULL) = (revoke_reason IS NULL))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE identity_role_assignment DROP CONSTRAINT ck_identity_role_revocation`);
    await queryRunner.query(`ALTER TABLE identity_role_assignment DROP COLUMN revoke_reason, DROP COLUMN revoked_by, DROP COLUMN revoked_at`);
  }
}
