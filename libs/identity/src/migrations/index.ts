import type { MigrationClass } from '@yishi/persistence';

import { IdentityPlaces1763900010000 } from './1763900010000-identity-places';
import { IdentityUsers1763900011000 } from './1763900011000-identity-users';
import { IdentityRoles1763900012000 } from './1763900012000-identity-roles';
import { IdentityAudit1763900013000 } from './1763900013000-identity-audit';
import { IdentityOrganisationsMandates1763900014000 } from './1763900014000-identity-organisations-mandates';
import { IdentityElectedMandates1763900015000 } from './1763900015000-identity-elected-mandates';
import { IdentityGivenElectorates1763900016000 } from './1763900016000-identity-given-electorates';
import { IdentityRoleRevocation1763900017000 } from './1763900017000-identity-role-revocation';
import { IdentityOneLoginPerPerson1763900018000 } from './1763900018000-identity-one-login-per-person';
import { IdentitySlidingLoginThrottle1763900019000 } from './1763900019000-identity-sliding-login-throttle';

/** The identity database's own migrations, oldest first (the host adds the messaging tables). */
export const identityMigrations: MigrationClass[] = [
  IdentityPlaces1763900010000,
  IdentityUsers1763900011000,
  IdentityRoles1763900012000,
  IdentityAudit1763900013000,
  IdentityOrganisationsMandates1763900014000,
  IdentityElectedMandates1763900015000,
  IdentityGivenElectorates1763900016000,
  IdentityRoleRevocation1763900017000,
  IdentityOneLoginPerPerson1763900018000,
  IdentitySlidingLoginThrottle1763900019000,
];
