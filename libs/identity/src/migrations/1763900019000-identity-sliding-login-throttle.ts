import type { MigrationInterface, QueryRunner } from 'typeorm';

import { CREATE_LOGIN_WINDOW } from './1763900011000-identity-users';

/**
 * Login attempts are counted over the last sixty seconds, not per calendar minute: a fixed
 * window let ten attempts before a minute boundary and ten after it through. Each key keeps
 * the times of its most recent attempts (never more than the limit allows plus one).
 */
export class IdentitySlidingLoginThrottle1763900019000 implements MigrationInterface {
  name = 'IdentitySlidingLoginThrottle1763900019000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_login_window`);
    await queryRunner.query(`
      CREATE TABLE identity_login_throttle (
        key text NOT NULL,
        attempted_at timestamptz[] NOT NULL,
        CONSTRAINT pk_identity_login_throttle PRIMARY KEY (key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_login_throttle`);
    await queryRunner.query(CREATE_LOGIN_WINDOW);
  }
}
