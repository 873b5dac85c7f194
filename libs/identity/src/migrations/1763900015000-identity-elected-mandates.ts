import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One mandate per person per election, so an election result announced again records nothing twice. */
export class IdentityElectedMandates1763900015000 implements MigrationInterface {
  name = 'IdentityElectedMandates1763900015000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE UNIQUE INDEX uq_identity_mandate_election ON identity_mandate (decision_ref, user_id) WHERE source = 'election'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX uq_identity_mandate_election`);
  }
}
