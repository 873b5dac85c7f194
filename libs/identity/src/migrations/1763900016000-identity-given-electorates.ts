import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Electorates from a given list may name persons; a household's voters record who may cast its one
 * vote, frozen with the snapshot like the rest of it.
 */
export class IdentityGivenElectorates1763900016000 implements MigrationInterface {
  name = 'IdentityGivenElectorates1763900016000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE identity_electorate_voter DROP CONSTRAINT ck_identity_voter_kind`);
    await queryRunner.query(`ALTER TABLE identity_electorate_voter ADD CONSTRAINT ck_identity_voter_kind CHECK (voter_kind IN ('household', 'user', 'person'))`);
    await queryRunner.query(`
      CREATE TABLE identity_electorate_caster (
        electorate_id uuid NOT NULL,
        household_id uuid NOT NULL,
        person_id uuid NOT NULL,
        -- The person's login when the snapshot was taken, if they had one.
        user_id uuid,
        CONSTRAINT pk_identity_electorate_caster PRIMARY KEY (electorate_id, household_id, person_id),
        CONSTRAINT fk_identity_caster_voter FOREIGN KEY (electorate_id, household_id) REFERENCES identity_electorate_voter (electorate_id, voter_id)
      )`);
    await queryRunner.query(
      `CREATE TRIGGER tr_identity_electorate_caster_immutable BEFORE UPDATE OR DELETE ON identity_electorate_caster FOR EACH ROW EXECUTE FUNCTION identity_refuse_change()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_electorate_caster`);
    // Refused while any snapshot names a person: snapshots are never rewritten.
    await queryRunner.query(`ALTER TABLE identity_electorate_voter DROP CONSTRAINT ck_identity_voter_kind`);
    await queryRunner.query(`ALTER TABLE identity_electorate_voter ADD CONSTRAINT ck_identity_voter_kind CHECK (voter_kind IN ('household', 'user'))`);
  }
}
