import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

export interface ElectorateRecord {
  id: string;
  place_id: string;
  kind: 'households';
  version: number;
  created_at: Date;
  voters: { household_id: string; label: string }[];
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
         INSERT INTO identity_electorate_voter (electorate_id, household_id, label)
         SELECT (SELECT id FROM electorate), h.id, concat_ws('-', NULLIF(below.path, ''), h.door)
           FROM identity_household h JOIN below ON below.id = h.place_id
          WHERE h.status = 'active'`,
        [id, placeId],
      );
    });
    return id;
  }

  async find(id: string): Promise<ElectorateRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT e.id, e.place_id, e.kind, e.version, e.created_at,
              COALESCE((SELECT json_agg(json_build_object('household_id', v.household_id, 'label', v.label) ORDER BY v.label)
                          FROM identity_electorate_voter v WHERE v.electorate_id = e.id), '[]') AS voters
         FROM identity_electorate e WHERE e.id = $1`,
      [id],
    )) as ElectorateRecord[];
    return row;
  }
}
