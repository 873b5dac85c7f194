import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organisations with the people acting for them, and representatives' mandates. */
export class IdentityOrganisationsMandates1763900014000 implements MigrationInterface {
  name = 'IdentityOrganisationsMandates1763900014000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_organisation (
        id uuid NOT NULL,
        kind text NOT NULL,
        name_zh text NOT NULL,
        name_en text NOT NULL DEFAULT '',
        place_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_organisation PRIMARY KEY (id),
        CONSTRAINT fk_identity_organisation_place FOREIGN KEY (place_id) REFERENCES identity_place (id),
        CONSTRAINT ck_identity_organisation_kind
          CHECK (kind IN ('co_sponsor', 'property_company', 'owners_committee', 'government_department', 'contractor'))
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_organisation_agent (
        organisation_id uuid NOT NULL,
        user_id uuid NOT NULL,
        capacity text NOT NULL,
        CONSTRAINT pk_identity_organisation_agent PRIMARY KEY (organisation_id, user_id),
        CONSTRAINT fk_identity_agent_organisation FOREIGN KEY (organisation_id) REFERENCES identity_organisation (id),
        CONSTRAINT fk_identity_agent_user FOREIGN KEY (user_id) REFERENCES identity_user (id)
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_mandate (
        id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL,
        place_id uuid NOT NULL,
        term_start timestamptz NOT NULL,
        term_end timestamptz NOT NULL,
        source text NOT NULL,
        decision_ref text NOT NULL,
        recorded_by text NOT NULL,
        role_assignment_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_mandate PRIMARY KEY (id),
        CONSTRAINT fk_identity_mandate_user FOREIGN KEY (user_id) REFERENCES identity_user (id),
        CONSTRAINT fk_identity_mandate_place FOREIGN KEY (place_id) REFERENCES identity_place (id),
        CONSTRAINT fk_identity_mandate_assignment FOREIGN KEY (role_assignment_id) REFERENCES identity_role_assignment (id),
        CONSTRAINT ck_identity_mandate_role CHECK (role IN ('building_representative', 'estate_representative', 'council_member')),
        CONSTRAINT ck_identity_mandate_source CHECK (source IN ('paper', 'election')),
        CONSTRAINT ck_identity_mandate_term CHECK (term_end > term_start)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['identity_mandate', 'identity_organisation_agent', 'identity_organisation']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
