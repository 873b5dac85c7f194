import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

export type OrganisationKindName = 'co_sponsor' | 'property_company' | 'owners_committee' | 'government_department' | 'contractor';

export interface OrganisationRecord {
  id: string;
  kind: OrganisationKindName;
  name_zh: string;
  name_en: string;
  place_id: string | null;
  agents: { user_id: string; capacity: string }[];
}

@Injectable()
export class OrganisationsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async insert(organisation: Omit<OrganisationRecord, 'id' | 'agents'>): Promise<string> {
    const id = uuidv7();
    await this.dataSource.query(`INSERT INTO identity_organisation (id, kind, name_zh, name_en, place_id) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      organisation.kind,
      organisation.name_zh,
      organisation.name_en,
      organisation.place_id,
    ]);
    return id;
  }

  async addAgent(organisationId: string, userId: string, capacity: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO identity_organisation_agent (organisation_id, user_id, capacity) VALUES ($1, $2, $3)
       ON CONFLICT (organisation_id, user_id) DO UPDATE SET capacity = EXCLUDED.capacity`,
      [organisationId, userId, capacity],
    );
  }

  async find(id: string): Promise<OrganisationRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT o.id, o.kind, o.name_zh, o.name_en, o.place_id,
              COALESCE((SELECT json_agg(json_build_object('user_id', a.user_id, 'capacity', a.capacity) ORDER BY a.user_id)
                          FROM identity_organisation_agent a WHERE a.organisation_id = o.id), '[]') AS agents
         FROM identity_organisation o WHERE o.id = $1`,
      [id],
    )) as OrganisationRecord[];
    return row;
  }

  async userExists(id: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM identity_user WHERE id = $1) AS found`, [id])) as { found: boolean }[];
    return row!.found;
  }
}
