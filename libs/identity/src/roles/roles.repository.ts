import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

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
}

@Injectable()
export class RolesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** The user's roles in force now at `placeId` or any place above it (a role reaches everything below its place). */
  effectiveAt(userId: string, placeId: string): Promise<AssignmentRecord[]> {
    return this.dataSource.query(
      `WITH RECURSIVE above AS (SELECT id, parent_id FROM identity_place WHERE id = $2
                                UNION ALL SELECT p.id, p.parent_id FROM identity_place p JOIN above ON p.id = above.parent_id)
       SELECT r.id, r.user_id, r.role, r.place_id, r.project_ref, r.starts_at, r.ends_at
         FROM identity_role_assignment r JOIN above ON above.id = r.place_id
        WHERE r.user_id = $1 AND r.starts_at <= now() AND (r.ends_at IS NULL OR r.ends_at > now())`,
      [userId, placeId],
    );
  }

  async anyAdministrator(): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM identity_role_assignment WHERE role = 'administrator') AS found`)) as { found: boolean }[];
    return row!.found;
  }

  async insert(assignment: Omit<AssignmentRecord, 'id' | 'starts_at'> & { starts_at: Date | null; granted_by: string | null }): Promise<AssignmentRecord> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO identity_role_assignment (id, user_id, role, place_id, project_ref, starts_at, ends_at, granted_by)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8)
       RETURNING id, user_id, role, place_id, project_ref, starts_at, ends_at`,
      [uuidv7(), assignment.user_id, assignment.role, assignment.place_id, assignment.project_ref, assignment.starts_at?.toISOString() ?? null, assignment.ends_at?.toISOString() ?? null, assignment.granted_by],
    )) as AssignmentRecord[];
    return row!;
  }
}
