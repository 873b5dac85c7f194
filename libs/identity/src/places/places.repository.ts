import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

export type PlaceKindName = 'district' | 'street' | 'community' | 'estate' | 'village_group' | 'building' | 'unit';

export interface PlaceRecord {
  id: string;
  parent_id: string | null;
  kind: PlaceKindName;
  code: string;
  name_zh: string;
  name_en: string;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class PlacesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  find(id: string, manager: EntityManager = this.dataSource.manager): Promise<PlaceRecord | undefined> {
    return manager.query(`SELECT id, parent_id, kind, code, name_zh, name_en FROM identity_place WHERE id = $1`, [id]).then((rows: PlaceRecord[]) => rows[0]);
  }

  findChild(parentId: string, code: string, manager: EntityManager = this.dataSource.manager): Promise<PlaceRecord | undefined> {
    return manager
      .query(`SELECT id, parent_id, kind, code, name_zh, name_en FROM identity_place WHERE parent_id = $1 AND code = $2`, [parentId, code])
      .then((rows: PlaceRecord[]) => rows[0]);
  }

  /** Inserts the place with its first version; undefined when its code is taken among its siblings. */
  async insert(place: Omit<PlaceRecord, 'id'>, manager: EntityManager = this.dataSource.manager): Promise<PlaceRecord | undefined> {
    const id = uuidv7();
    try {
      await manager.query(`INSERT INTO identity_place (id, parent_id, kind, code, name_zh, name_en) VALUES ($1, $2, $3, $4, $5, $6)`, [
        id,
        place.parent_id,
        place.kind,
        place.code,
        place.name_zh,
        place.name_en,
      ]);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
    await this.recordVersion(manager, id, place.name_zh, place.name_en, place.parent_id);
    return { id, ...place };
  }

  /** Changes name or parent; the version before stays in the history. */
  async update(id: string, change: { name_zh: string; name_en: string; parent_id: string | null }): Promise<PlaceRecord | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE identity_place SET name_zh = $2, name_en = $3, parent_id = $4 WHERE id = $1 RETURNING id, parent_id, kind, code, name_zh, name_en`,
        [id, change.name_zh, change.name_en, change.parent_id],
      )) as [PlaceRecord[], number];
      if (rows[0]) await this.recordVersion(manager, id, change.name_zh, change.name_en, change.parent_id);
      return rows[0];
    });
  }

  history(id: string): Promise<{ name_zh: string; name_en: string; parent_id: string | null; valid_from: Date }[]> {
    return this.dataSource.query(`SELECT name_zh, name_en, parent_id, valid_from FROM identity_place_version WHERE place_id = $1 ORDER BY valid_from`, [id]);
  }

  /** The community the place belongs to (itself, or the nearest above it), if any. */
  async communityOf(placeId: string, manager: EntityManager = this.dataSource.manager): Promise<string | undefined> {
    const [row] = (await manager.query(
      `WITH RECURSIVE up AS (SELECT id, parent_id, kind FROM identity_place WHERE id = $1
                             UNION ALL SELECT p.id, p.parent_id, p.kind FROM identity_place p JOIN up ON p.id = up.parent_id)
       SELECT id FROM up WHERE kind = 'community' LIMIT 1`,
      [placeId],
    )) as { id: string }[];
    return row?.id;
  }

  /** True when `candidate` is `ancestor` or lies below it (a move must not make a cycle). */
  async isWithin(candidate: string, ancestor: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `WITH RECURSIVE up AS (SELECT id, parent_id FROM identity_place WHERE id = $1
                             UNION ALL SELECT p.id, p.parent_id FROM identity_place p JOIN up ON p.id = up.parent_id)
       SELECT EXISTS (SELECT 1 FROM up WHERE id = $2) AS within`,
      [candidate, ancestor],
    )) as { within: boolean }[];
    return row!.within;
  }

  private async recordVersion(manager: EntityManager, id: string, nameZh: string, nameEn: string, parentId: string | null): Promise<void> {
    await manager.query(`INSERT INTO identity_place_version (place_id, name_zh, name_en, parent_id) VALUES ($1, $2, $3, $4)`, [id, nameZh, nameEn, parentId]);
  }
}
