import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

export type ElectorateKindName = 'households' | 'estate_representatives' | 'council';

export interface ElectorateRecord {
  id: string;
  place_id: string;
  kind: ElectorateKindName;
  version: number;
  created_at: Date;
  voters: { voter_id: string; voter_kind: 'household' | 'user'; label: string }[];
}

@Injectable()
export class ElectoratesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Freezes the active households of the place and every place below it as the next version of
   * its electorate, in one statement (so a household added meanwhile is either in or out, whole).
   */
  async snapshotHouseholds(placeId: string): Promise<string> {
    const id = uuidv7();
    await this.dataSource.transaction(async (manager) => {
      // Versions of one place's electorate are taken one at a time.
      await manager.query(`SELECT 1 FROM identity_place WHERE id = $1 FOR UPDATE`, [placeId]);
      await manager.query(
        `WITH RECURSIVE below AS (SELECT id, ''::text AS path FROM identity_place WHERE id = $2
                                  UNION ALL SELECT p.id, concat_ws('-', NULLIF(below.path, ''), p.code)
                                    FROM identity_place p JOIN below ON p.parent_id = below.id),
              electorate AS (INSERT INTO identity_electorate (id, place_id, kind, version)
                             SELECT $1, $2, 'households', COALESCE(max(version), 0) + 1 FROM identity_electorate WHERE place_id = $2 AND kind = 'households'
                             RETURNING id)
         INSERT INTO identity_electorate_voter (electorate_id, voter_id, voter_kind, label)
         SELECT (SELECT id FROM electorate), h.id, 'household', concat_ws('-', NULLIF(below.path, ''), h.door)
           FROM identity_household h JOIN below ON below.id = h.place_id
          WHERE h.status = 'active'`,
        [id, placeId],
      );
    });
    return id;
  }

  /**
   * Freezes the users holding `role` in force at exactly this place (representatives of an estate,
   * the community's council) as the next version of that electorate.
   */
  async snapshotRoleHolders(placeId: string, kind: ElectorateKindName, role: string): Promise<string> {
    const id = uuidv7();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM identity_place WHERE id = $1 FOR UPDATE`, [placeId]);
      await manager.query(
        `WITH electorate AS (INSERT INTO identity_electorate (id, place_id, kind, version)
                             SELECT $1, $2, $3, COALESCE(max(version), 0) + 1 FROM identity_electorate WHERE place_id = $2 AND kind = $3
                             RETURNING id)
         INSERT INTO identity_electorate_voter (electorate_id, voter_id, voter_kind, label)
         SELECT DISTINCT ON (u.id) (SELECT id FROM electorate), u.id, 'user', u.login
           FROM identity_role_assignment r JOIN identity_user u ON u.id = r.user_id
          WHERE r.place_id = $2 AND r.role = $4 AND r.starts_at <= now() AND (r.ends_at IS NULL OR r.ends_at > now())`,
        [id, placeId, kind, role],
      );
    });
    return id;
  }

  async find(id: string): Promise<ElectorateRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT e.id, e.place_id, e.kind, e.version, e.created_at,
              COALESCE((SELECT json_agg(json_build_object('voter_id', v.voter_id, 'voter_kind', v.voter_kind, 'label', v.label) ORDER BY v.label)
                          FROM identity_electorate_voter v WHERE v.electorate_id = e.id), '[]') AS voters
         FROM identity_electorate e WHERE e.id = $1`,
      [id],
    )) as ElectorateRecord[];
    return row;
  }
}
