import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Places, households, people and their memberships, and electorate snapshots. */
export class IdentityPlaces1763900010000 implements MigrationInterface {
  name = 'IdentityPlaces1763900010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_place (
        id uuid NOT NULL,
        parent_id uuid,
        kind text NOT NULL,
        code text NOT NULL,
        name_zh text NOT NULL,
        name_en text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_place PRIMARY KEY (id),
        CONSTRAINT fk_identity_place_parent FOREIGN KEY (parent_id) REFERENCES identity_place (id),
        CONSTRAINT ck_identity_place_kind CHECK (kind IN ('district', 'street', 'community', 'estate', 'village_group', 'building', 'unit'))
      )`);
    // Codes are unique among siblings (NULL parents are districts, compared as one group).
    await queryRunner.query(`CREATE UNIQUE INDEX uq_identity_place_code ON identity_place (COALESCE(parent_id, '00000000-0000-0000-0000-000000000000'), code)`);
    await queryRunner.query(`
      CREATE TABLE identity_place_version (
        place_id uuid NOT NULL,
        valid_from timestamptz NOT NULL DEFAULT clock_timestamp(),
        name_zh text NOT NULL,
        name_en text NOT NULL,
        parent_id uuid,
        CONSTRAINT pk_identity_place_version PRIMARY KEY (place_id, valid_from),
        CONSTRAINT fk_identity_place_version_place FOREIGN KEY (place_id) REFERENCES identity_place (id)
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_household (
        id uuid NOT NULL,
        place_id uuid NOT NULL,
        door text NOT NULL,
        type text NOT NULL,
        floor_area numeric(8, 2),
        status text NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_household PRIMARY KEY (id),
        CONSTRAINT fk_identity_household_place FOREIGN KEY (place_id) REFERENCES identity_place (id),
        CONSTRAINT uq_identity_household_door UNIQUE (place_id, door),
        CONSTRAINT ck_identity_household_type CHECK (type IN ('occupied', 'vacant')),
        CONSTRAINT ck_identity_household_status CHECK (status IN ('active', 'merged', 'gone'))
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_person (
        id uuid NOT NULL,
        name text NOT NULL,
        phone text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_person PRIMARY KEY (id)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_identity_person_phone ON identity_person (phone) WHERE phone IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE identity_household_member (
        household_id uuid NOT NULL,
        person_id uuid NOT NULL,
        relation text NOT NULL,
        may_vote boolean NOT NULL DEFAULT true,
        CONSTRAINT pk_identity_household_member PRIMARY KEY (household_id, person_id),
        CONSTRAINT fk_identity_member_household FOREIGN KEY (household_id) REFERENCES identity_household (id),
        CONSTRAINT fk_identity_member_person FOREIGN KEY (person_id) REFERENCES identity_person (id),
        CONSTRAINT ck_identity_member_relation CHECK (relation IN ('owner', 'tenant', 'family'))
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_electorate (
        id uuid NOT NULL,
        place_id uuid NOT NULL,
        kind text NOT NULL,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_electorate PRIMARY KEY (id),
        CONSTRAINT fk_identity_electorate_place FOREIGN KEY (place_id) REFERENCES identity_place (id),
        CONSTRAINT uq_identity_electorate_version UNIQUE (place_id, kind, version)
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_electorate_voter (
        electorate_id uuid NOT NULL,
        -- A household (household electorates) or a user (representatives, council).
        voter_id uuid NOT NULL,
        voter_kind text NOT NULL,
        label text NOT NULL,
        CONSTRAINT pk_identity_electorate_voter PRIMARY KEY (electorate_id, voter_id),
        CONSTRAINT fk_identity_voter_electorate FOREIGN KEY (electorate_id) REFERENCES identity_electorate (id),
        CONSTRAINT ck_identity_voter_kind CHECK (voter_kind IN ('household', 'user'))
      )`);
    // A snapshot is a record: it never changes once taken.
    await queryRunner.query(`
      CREATE FUNCTION identity_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'electorate snapshots are immutable: % on % refused (选民名册快照不可修改)', TG_OP, TG_TABLE_NAME;
      END $$`);
    for (const table of ['identity_electorate', 'identity_electorate_voter']) {
      await queryRunner.query(`CREATE TRIGGER tr_${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION identity_refuse_change()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['identity_electorate_voter', 'identity_electorate', 'identity_household_member', 'identity_person', 'identity_household', 'identity_place_version', 'identity_place']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION identity_refuse_change()`);
  }
}
