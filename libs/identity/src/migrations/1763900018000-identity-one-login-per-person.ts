import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A person has at most one login: staff may give one to a person recorded from a roster. */
export class IdentityOneLoginPerPerson1763900018000 implements MigrationInterface {
  name = 'IdentityOneLoginPerPerson1763900018000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE identity_user ADD CONSTRAINT uq_identity_user_person UNIQUE (person_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE identity_user DROP CONSTRAINT uq_identity_user_person`);
  }
}
