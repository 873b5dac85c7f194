import type { MigrationClass } from '@yishi/persistence';

import { IdentityPlaces1763900010000 } from './1763900010000-identity-places';
import { IdentityUsers1763900011000 } from './1763900011000-identity-users';
import { IdentityRoles1763900012000 } from './1763900012000-identity-roles';
import { IdentityAudit1763900013000 } from './1763900013000-identity-audit';
import { IdentityOrganisationsMandates1763900014000 } from './1763900014000-identity-organisations-mandates';

/** The identity database's own migrations, oldest first (the host adds the messaging tables). */
export const identityMigrations: MigrationClass[] = [IdentityPlaces1763900010000, IdentityUsers1763900011000, IdentityRoles1763900012000, IdentityAudit1763900013000, IdentityOrganisationsMandates1763900014000];
