import type { MigrationClass } from '@yishi/persistence';

import { IdentityPlaces1763900010000 } from './1763900010000-identity-places';

/** The identity database's own migrations, oldest first (the host adds the messaging tables). */
export const identityMigrations: MigrationClass[] = [IdentityPlaces1763900010000];
