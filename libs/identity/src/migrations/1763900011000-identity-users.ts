import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users and their credentials, refresh-token families, login throttling and the signing key. */
/** Login attempts per calendar minute (replaced by a sliding window in 1763900019000, whose `down` restores it). */
export const CREATE_LOGIN_WINDOW = `
  CREATE TABLE identity_login_window (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    attempts integer NOT NULL,
    CONSTRAINT pk_identity_login_window PRIMARY KEY (key, window_start)
  )`;

export class IdentityUsers1763900011000 implements MigrationInterface {
  name = 'IdentityUsers1763900011000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_user (
        id uuid NOT NULL,
        person_id uuid NOT NULL,
        login text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_user PRIMARY KEY (id),
        CONSTRAINT uq_identity_user_login UNIQUE (login),
        CONSTRAINT fk_identity_user_person FOREIGN KEY (person_id) REFERENCES identity_person (id)
      )`);
    await queryRunner.query(`
      CREATE TABLE identity_refresh_token (
        id uuid NOT NULL,
        family_id uuid NOT NULL,
        user_id uuid NOT NULL,
        secret_hash bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT pk_identity_refresh_token PRIMARY KEY (id),
        CONSTRAINT fk_identity_refresh_token_user FOREIGN KEY (user_id) REFERENCES identity_user (id)
      )`);
    await queryRunner.query(`CREATE INDEX ix_identity_refresh_token_family ON identity_refresh_token (family_id)`);
    await queryRunner.query(CREATE_LOGIN_WINDOW);
    await queryRunner.query(`
      CREATE TABLE identity_signing_key (
        id text NOT NULL,
        private_jwk jsonb NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identity_signing_key PRIMARY KEY (id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['identity_signing_key', 'identity_login_window', 'identity_refresh_token', 'identity_user']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
