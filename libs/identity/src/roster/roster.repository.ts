import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

import { PlacesRepository, type PlaceKindName } from '../places/places.repository';
import type { RosterLine } from './roster';

export interface RosterCounts {
  buildings: number;
  households: number;
  people: number;
}

/** Applies a checked roster in one transaction; what already exists is found, not created again. */
@Injectable()
export class RosterRepository {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PlacesRepository) private readonly places: PlacesRepository,
  ) {}

  apply(estateId: string, lines: readonly RosterLine[]): Promise<RosterCounts> {
    return this.dataSource.transaction(async (manager) => {
      const counts: RosterCounts = { buildings: 0, households: 0, people: 0 };
      const placeIds = new Map<string, string>();
      for (const line of lines) {
        const building = await this.place(manager, placeIds, estateId, 'building', line.building, () => (counts.buildings += 1));
        const home = line.unit ? await this.place(manager, placeIds, building, 'unit', line.unit, () => undefined) : building;
        const household = await this.household(manager, home, line, () => (counts.households += 1));
        await this.member(manager, household, line, () => (counts.people += 1));
      }
      return counts;
    });
  }

  private async place(manager: EntityManager, known: Map<string, string>, parentId: string, kind: PlaceKindName, code: string, created: () => void): Promise<string> {
    const key = `${parentId}/${code}`;
    const cached = known.get(key);
    if (cached) return cached;
    const existing = await this.places.findChild(parentId, code, manager);
    const id = existing?.id ?? (await this.places.insert({ parent_id: parentId, kind, code, name_zh: code, name_en: code }, manager))!.id;
    if (!existing) created();
    known.set(key, id);
    return id;
  }

  private async household(manager: EntityManager, placeId: string, line: RosterLine, created: () => void): Promise<string> {
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO identity_household (id, place_id, door, type, floor_area) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (place_id, door) DO NOTHING RETURNING id`,
      [uuidv7(), placeId, line.door, line.type, line.floorArea],
    );
    if (inserted[0]) {
      created();
      return inserted[0].id;
    }
    const [row] = (await manager.query(`SELECT id FROM identity_household WHERE place_id = $1 AND door = $2`, [placeId, line.door])) as { id: string }[];
    return row!.id;
  }

  /** People are known by phone, or by name within the household when they have none. */
  private async member(manager: EntityManager, householdId: string, line: RosterLine, created: () => void): Promise<void> {
    const [known] = (await manager.query(
      line.phone
        ? `SELECT id FROM identity_person WHERE phone = $1`
        : `SELECT p.id FROM identity_person p JOIN identity_household_member m ON m.person_id = p.id WHERE m.household_id = $2 AND p.name = $1 AND p.phone IS NULL`,
      line.phone ? [line.phone] : [line.name, householdId],
    )) as { id: string }[];
    const personId = known?.id ?? uuidv7();
    if (!known) {
      await manager.query(`INSERT INTO identity_person (id, name, phone) VALUES ($1, $2, $3)`, [personId, line.name, line.phone]);
      created();
    }
    await manager.query(
      `INSERT INTO identity_household_member (household_id, person_id, relation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [householdId, personId, line.relation],
    );
  }
}
