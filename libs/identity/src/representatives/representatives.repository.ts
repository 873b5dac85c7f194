import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { RoleName } from '../roles/role-rules';
import { IN_FORCE } from '../roles/roles.repository';

export interface RepresentativeRecord {
  role: RoleName;
  place_id: string;
  place_name_zh: string;
  name: string;
  /** The person's mobile number, or the login when it is one. */
  phone: string | null;
  ends_at: Date | null;
}

@Injectable()
export class RepresentativesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Representatives and council members in office at the place or below it, council first. */
  inOfficeBelow(placeId: string): Promise<RepresentativeRecord[]> {
    return this.dataSource.query(
      `WITH RECURSIVE below AS (SELECT id, name_zh, code::text AS path FROM identity_place WHERE id = $1
                                UNION ALL SELECT p.id, p.name_zh, below.path || '/' || p.code FROM identity_place p JOIN below ON p.parent_id = below.id)
       SELECT r.role, r.place_id, below.name_zh AS place_name_zh, person.name,
              COALESCE(person.phone, CASE WHEN u.login ~ '^1[0-9]{10}$' THEN u.login END) AS phone, r.ends_at
         FROM identity_role_assignment r
         JOIN below ON below.id = r.place_id
         JOIN identity_user u ON u.id = r.user_id
         JOIN identity_person person ON person.id = u.person_id
        WHERE r.role IN ('council_member', 'estate_representative', 'building_representative') AND ${IN_FORCE}
        ORDER BY array_position(ARRAY['council_member', 'estate_representative', 'building_representative'], r.role), below.path, r.starts_at, r.id`,
      [placeId],
    );
  }
}
