import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

export interface UserRecord {
  id: string;
  login: string;
  password_hash: string;
}

export interface RefreshRecord {
  id: string;
  family_id: string;
  user_id: string;
  secret_hash: Buffer;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

const UNIQUE_VIOLATION = '23505';

/** A user is a new person (named) or one already recorded (by id). */
export type NewUserPerson = { readonly name: string } | { readonly id: string };

@Injectable()
export class SessionsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * A user for a new person (named) or for a recorded one (by id), in one transaction; or which
   * uniqueness it would break: the login, or the person's one login.
   */
  async createUser(
    person: NewUserPerson,
    login: string,
    passwordHash: string,
    alongside?: (manager: EntityManager, userId: string) => Promise<void>,
  ): Promise<UserRecord | 'login-taken' | 'person-has-login'> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const personId = 'id' in person ? person.id : uuidv7();
        const id = uuidv7();
        if ('name' in person) await manager.query(`INSERT INTO identity_person (id, name) VALUES ($1, $2)`, [personId, person.name]);
        await manager.query(`INSERT INTO identity_user (id, person_id, login, password_hash) VALUES ($1, $2, $3, $4)`, [id, personId, login, passwordHash]);
        await alongside?.(manager, id);
        return { id, login, password_hash: passwordHash };
      });
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== UNIQUE_VIOLATION) throw error;
      return constraint === 'uq_identity_user_person' ? 'person-has-login' : 'login-taken';
    }
  }

  async userByLogin(login: string): Promise<UserRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT id, login, password_hash FROM identity_user WHERE login = $1`, [login])) as UserRecord[];
    return row;
  }

  async userById(id: string): Promise<UserRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT id, login, password_hash FROM identity_user WHERE id = $1`, [id])) as UserRecord[];
    return row;
  }

  /**
   * Counts an attempt against each key and returns the most attempts any key has had in the
   * `windowSeconds` up to `at`, this one included — in one statement, before any password is
   * looked at. The upsert locks each key's row (in key order, so two attempts sharing keys never
   * deadlock), so concurrent attempts are all counted; only the newest `keep` times are kept.
   */
  async countAttempt(keys: readonly string[], at: Date, windowSeconds: number, keep: number): Promise<number> {
    const rows = (await this.dataSource.query(
      `INSERT INTO identity_login_throttle AS throttle (key, attempted_at) SELECT unnest($1::text[]), ARRAY[$2::timestamptz]
       ON CONFLICT (key) DO UPDATE SET attempted_at = ARRAY(
         SELECT attempt FROM unnest(throttle.attempted_at || $2::timestamptz) AS attempt
         WHERE attempt > $2::timestamptz - make_interval(secs => $3) ORDER BY attempt DESC LIMIT $4)
       RETURNING cardinality(attempted_at) AS attempts`,
      [[...keys].sort(), at.toISOString(), windowSeconds, keep],
    )) as { attempts: number }[];
    return Math.max(...rows.map((row) => row.attempts));
  }

  async insertRefresh(record: Omit<RefreshRecord, 'used_at' | 'revoked_at'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO identity_refresh_token (id, family_id, user_id, secret_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [record.id, record.family_id, record.user_id, record.secret_hash, record.expires_at.toISOString()],
    );
  }

  /** Marks the token used, only if it was not used or revoked before; false means it was. */
  async useRefresh(id: string): Promise<boolean> {
    const [, updated] = (await this.dataSource.query(
      `UPDATE identity_refresh_token SET used_at = now() WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
      [id],
    )) as [unknown, number];
    return updated === 1;
  }

  async findRefresh(id: string): Promise<RefreshRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM identity_refresh_token WHERE id = $1`, [id])) as RefreshRecord[];
    return row;
  }

  /** Sets the new hash and revokes every refresh token of the user, in one transaction. */
  async changePassword(userId: string, passwordHash: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE identity_user SET password_hash = $2 WHERE id = $1`, [userId, passwordHash]);
      await manager.query(`UPDATE identity_refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
    });
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.dataSource.query(`UPDATE identity_refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
  }
}
