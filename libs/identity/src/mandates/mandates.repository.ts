import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

export type MandateSource = 'paper' | 'election';

@Injectable()
export class MandatesRepository {
  /** Records the mandate behind a role assignment, for exactly the assignment's period. */
  async insert(manager: EntityManager, mandate: { assignment_id: string; source: MandateSource; decision_ref: string; recorded_by: string }): Promise<string> {
    const id = uuidv7();
    await manager.query(
      `INSERT INTO identity_mandate (id, user_id, role, place_id, term_start, term_end, source, decision_ref, recorded_by, role_assignment_id)
       SELECT $1, r.user_id, r.role, r.place_id, r.starts_at, r.ends_at, $3, $4, $5, r.id FROM identity_role_assignment r WHERE r.id = $2`,
      [id, mandate.assignment_id, mandate.source, mandate.decision_ref, mandate.recorded_by],
    );
    return id;
  }

  async electedBefore(manager: EntityManager, electionId: string, userId: string): Promise<boolean> {
    const [row] = (await manager.query(`SELECT EXISTS (SELECT 1 FROM identity_mandate WHERE source = 'election' AND decision_ref = $1 AND user_id = $2) AS found`, [
      electionId,
      userId,
    ])) as { found: boolean }[];
    return row!.found;
  }

  /** Those of `userIds` that are no user. */
  async unknownUsers(manager: EntityManager, userIds: readonly string[]): Promise<string[]> {
    const rows = (await manager.query(`SELECT given.id FROM unnest($1::uuid[]) AS given (id) WHERE NOT EXISTS (SELECT 1 FROM identity_user u WHERE u.id = given.id)`, [
      userIds,
    ])) as { id: string }[];
    return rows.map((row) => row.id);
  }
}
