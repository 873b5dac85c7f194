import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface HouseholdRecord {
  id: string;
  place_id: string;
  members: { person_id: string; relation: 'owner' | 'tenant' | 'family'; may_vote: boolean }[];
}

@Injectable()
export class HouseholdsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async find(id: string): Promise<HouseholdRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT h.id, h.place_id,
              COALESCE((SELECT json_agg(json_build_object('person_id', m.person_id, 'relation', m.relation, 'may_vote', m.may_vote) ORDER BY m.person_id)
                          FROM identity_household_member m WHERE m.household_id = h.id), '[]') AS members
         FROM identity_household h WHERE h.id = $1`,
      [id],
    )) as HouseholdRecord[];
    return row;
  }

  /** The places of the households the person is a member of (none: not a recorded member). */
  async placesOfMember(personId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT h.place_id FROM identity_household_member m JOIN identity_household h ON h.id = m.household_id WHERE m.person_id = $1`,
      [personId],
    )) as { place_id: string }[];
    return rows.map((row) => row.place_id);
  }

  /** The person the user is, if they have a login. */
  async personOf(userId: string): Promise<string | undefined> {
    const [row] = (await this.dataSource.query(`SELECT person_id FROM identity_user WHERE id = $1`, [userId])) as { person_id: string }[];
    return row?.person_id;
  }

  /** Exactly these members may now cast the household's vote; the others may not. */
  async setVoters(manager: EntityManager, householdId: string, personIds: readonly string[]): Promise<void> {
    await manager.query(`UPDATE identity_household_member SET may_vote = (person_id = ANY($2::uuid[])) WHERE household_id = $1`, [householdId, personIds]);
  }
}
