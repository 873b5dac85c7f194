import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Roles held by users at a place, for a time. */
export class IdentityRoles1763900012000 implements MigrationInterface {
  name = 'IdentityRoles1763900012000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_role_assignment (
        id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL,
        place_id uuid NOT NULL,
        project_ref text NOT NULL DEFAULT '',
        starts_at timestamptz NOT NULL DEFAULT now(),
        ends_at timestamptz,
        granted_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_role_assignment PRIMARY KEY (id),
        CONSTRAINT fk_identity_role_user FOREIGN KEY (user_id) REFERENCES identity_user (id),
        CONSTRAINT fk_identity_role_place FOREIGN KEY (place_id) REFERENCES identity_place (id),
        CONSTRAINT ck_identity_role_period CHECK (ends_at IS NULL OR ends_at > starts_at)
      )`);
    await queryRunner.query(`CREATE INDEX ix_identity_role_user ON identity_role_assignment (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_role_assignment`);
  }
}
