import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

import { IN_FORCE } from '../roles/roles.repository';

export type ElectorateKindName = 'households' | 'estate_representatives' | 'council' | 'given_list';

export type VoterKindName = 'household' | 'user' | 'person';

export interface VoterRecord {
  voter_id: string;
  voter_kind: VoterKindName;
  label: string;
}

export interface ElectorateRecord {
  id: string;
  place_id: string;
  kind: ElectorateKindName;
  version: number;
  created_at: Date;
  voters: (VoterRecord & { casters: { person_id: string; user_id: string | null }[] })[];
}

/**
 * Active households of the place `$placeParam` and every place below it, each with its label: the
 * codes from that place down, then the door ("b45-u1-301").
 */
function householdsBelow(placeParam: string): string {
  return `WITH RECURSIVE below AS (SELECT id, ''::text AS path FROM identity_place WHERE id = ${placeParam}
                                   UNION ALL SELECT p.id, concat_ws('-', NULLIF(below.path, ''), p.code)
                                     FROM identity_place p JOIN below ON p.parent_id = below.id),
          households AS (SELECT h.id, concat_ws('-', NULLIF(below.path, ''), h.door) AS label
                           FROM identity_household h JOIN below ON below.id = h.place_id WHERE h.status = 'active')`;
}

@Injectable()
export class ElectoratesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Freezes the active households of the place and every place below it as the next version of
   * its electorate, in one statement (so a household added meanwhile is either in or out, whole).
   */
  snapshotHouseholds(placeId: string): Promise<string> {
    return this.freeze(placeId, 'households', (manager, id) =>
      manager.query(
        `${householdsBelow('$2')}
         INSERT INTO identity_electorate_voter (electorate_id, voter_id, voter_kind, label) SELECT $1, id, 'household', label FROM households`,
        [id, placeId],
      ),
    );
  }

  /**
   * Freezes the users holding `role` in force at exactly this place (representatives of an estate,
   * the community's council) as the next version of that electorate.
   */
  snapshotRoleHolders(placeId: string, kind: ElectorateKindName, role: string): Promise<string> {
    return this.freeze(placeId, kind, (manager, id) =>
      manager.query(
        `INSERT INTO identity_electorate_voter (electorate_id, voter_id, voter_kind, label)
         SELECT DISTINCT ON (u.id) $1::uuid, u.id, 'user', u.login
           FROM identity_role_assignment r JOIN identity_user u ON u.id = r.user_id
          WHERE r.place_id = $2 AND r.role = $3 AND ${IN_FORCE}`,
        [id, placeId, role],
      ),
    );
  }

  /** Freezes the voters the caller named (already checked) as the next version of the place's given list. */
  snapshotList(placeId: string, voters: readonly VoterRecord[]): Promise<string> {
    return this.freeze(placeId, 'given_list', (manager, id) =>
      manager.query(
        `INSERT INTO identity_electorate_voter (electorate_id, voter_id, voter_kind, label)
         SELECT $1, voter_id, voter_kind, label FROM unnest($2::uuid[], $3::text[], $4::text[]) AS given (voter_id, voter_kind, label)`,
        [id, voters.map((voter) => voter.voter_id), voters.map((voter) => voter.voter_kind), voters.map((voter) => voter.label)],
      ),
    );
  }

  /** Those of `ids` that are active households of the community, labelled from the community down. */
  householdsOf(communityId: string, ids: readonly string[]): Promise<{ id: string; label: string }[]> {
    return this.dataSource.query(`${householdsBelow('$1')} SELECT id, label FROM households WHERE id = ANY($2::uuid[])`, [communityId, ids]);
  }

  /** Those of `ids` that are members of an active household of the community, with their names. */
  membersOf(communityId: string, ids: readonly string[]): Promise<{ id: string; name: string }[]> {
    return this.dataSource.query(
      `${householdsBelow('$1')}
       SELECT p.id, p.name FROM identity_person p
        WHERE p.id = ANY($2::uuid[]) AND EXISTS (SELECT 1 FROM identity_household_member m JOIN households h ON h.id = m.household_id WHERE m.person_id = p.id)`,
      [communityId, ids],
    );
  }

  async find(id: string): Promise<ElectorateRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT e.id, e.place_id, e.kind, e.version, e.created_at,
              COALESCE((SELECT json_agg(json_build_object('voter_id', v.voter_id, 'voter_kind', v.voter_kind, 'label', v.label, 'casters',
                                          COALESCE((SELECT json_agg(json_build_object('person_id', c.person_id, 'user_id', c.user_id) ORDER BY c.person_id)
                                                      FROM identity_electorate_caster c WHERE c.electorate_id = v.electorate_id AND c.household_id = v.voter_id), '[]'))
                                        ORDER BY v.label, v.voter_id)
                          FROM identity_electorate_voter v WHERE v.electorate_id = e.id), '[]') AS voters
         FROM identity_electorate e WHERE e.id = $1`,
      [id],
    )) as ElectorateRecord[];
    return row;
  }

  /**
   * Takes the next version of a place's electorate of this kind: `fill` adds its voters; then each
   * household voter's casters are frozen with it, as the household named them.
   */
  private async freeze(placeId: string, kind: ElectorateKindName, fill: (manager: EntityManager, electorateId: string) => Promise<unknown>): Promise<string> {
    const id = uuidv7();
    await this.dataSource.transaction(async (manager) => {
      // Versions of one place's electorate are taken one at a time.
      await manager.query(`SELECT 1 FROM identity_place WHERE id = $1 FOR UPDATE`, [placeId]);
      await manager.query(
        `INSERT INTO identity_electorate (id, place_id, kind, version)
         SELECT $1, $2, $3, COALESCE(max(version), 0) + 1 FROM identity_electorate WHERE place_id = $2 AND kind = $3`,
        [id, placeId, kind],
      );
      await fill(manager, id);
      await manager.query(
        `INSERT INTO identity_electorate_caster (electorate_id, household_id, person_id, user_id)
         SELECT v.electorate_id, v.voter_id, m.person_id, (SELECT u.id FROM identity_user u WHERE u.person_id = m.person_id ORDER BY u.created_at LIMIT 1)
           FROM identity_electorate_voter v JOIN identity_household_member m ON m.household_id = v.voter_id AND m.may_vote
          WHERE v.electorate_id = $1 AND v.voter_kind = 'household'`,
        [id],
      );
    });
    return id;
  }
}
