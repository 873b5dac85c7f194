import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

import type { RoleName } from './role-rules';

export interface AssignmentRecord {
  id: string;
  user_id: string;
  role: RoleName;
  place_id: string;
  project_ref: string;
  starts_at: Date;
  ends_at: Date | null;
  revoked_at: Date | null;
}

/** SQL: the assignment `r` is in force now (begun, not ended, not revoked). */
export const IN_FORCE = `r.starts_at <= now() AND (r.ends_at IS NULL OR r.ends_at > now()) AND r.revoked_at IS NULL`;

const COLUMNS = `id, user_id, role, place_id, project_ref, starts_at, ends_at, revoked_at`;

@Injectable()
export class RolesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** The user's roles in force now at `placeId` or any place above it (a role reaches everything below its place). */
  effectiveAt(userId: string, placeId: string): Promise<AssignmentRecord[]> {
    return this.dataSource.query(
      `WITH RECURSIVE above AS (SELECT id, parent_id FROM identity_place WHERE id = $2
                                UNION ALL SELECT p.id, p.parent_id FROM identity_place p JOIN above ON p.id = above.parent_id)
       SELECT r.* FROM identity_role_assignment r JOIN above ON above.id = r.place_id WHERE r.user_id = $1 AND ${IN_FORCE}`,
      [userId, placeId],
    );
  }

  async anyAdministrator(): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM identity_role_assignment WHERE role = 'administrator') AS found`)) as { found: boolean }[];
    return row!.found;
  }

  async find(id: string): Promise<AssignmentRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT ${COLUMNS} FROM identity_role_assignment WHERE id = $1`, [id])) as AssignmentRecord[];
    return row;
  }

  /** Ends the assignment now, keeping it; undefined when it was revoked already. */
  async revoke(manager: EntityManager, id: string, revokedBy: string, reason: string): Promise<AssignmentRecord | undefined> {
    const [rows] = (await manager.query(
      `UPDATE identity_role_assignment SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [id, revokedBy, reason],
    )) as [AssignmentRecord[], number];
    return rows[0];
  }

  async insert(
    assignment: Omit<AssignmentRecord, 'id' | 'starts_at' | 'revoked_at'> & { starts_at: Date | null; granted_by: string | null },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AssignmentRecord> {
    const [row] = (await manager.query(
      `INSERT INTO identity_role_assignment (id, user_id, role, place_id, project_ref, starts_at, ends_at, granted_by)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8)
       RETURNING ${COLUMNS}`,
      [uuidv7(), assignment.user_id, assignment.role, assignment.place_id, assignment.project_ref, assignment.starts_at?.toISOString() ?? null, assignment.ends_at?.toISOString() ?? null, assignment.granted_by],
    )) as AssignmentRecord[];
    return row!;
  }
}
