import { Permission, Role } from '@yishi/contracts';

export type RoleName =
  | 'resident'
  | 'building_representative'
  | 'estate_representative'
  | 'council_member'
  | 'fundraising_member'
  | 'owners_committee_member'
  | 'community_staff'
  | 'finance_officer'
  | 'auditor'
  | 'administrator';

export const ROLE_NAMES: Partial<Record<Role, RoleName>> = {
  [Role.RESIDENT]: 'resident',
  [Role.BUILDING_REPRESENTATIVE]: 'building_representative',
  [Role.ESTATE_REPRESENTATIVE]: 'estate_representative',
  [Role.COUNCIL_MEMBER]: 'council_member',
  [Role.FUNDRAISING_MEMBER]: 'fundraising_member',
  [Role.OWNERS_COMMITTEE_MEMBER]: 'owners_committee_member',
  [Role.COMMUNITY_STAFF]: 'community_staff',
  [Role.FINANCE_OFFICER]: 'finance_officer',
  [Role.AUDITOR]: 'auditor',
  [Role.ADMINISTRATOR]: 'administrator',
};

export const WIRE_ROLES = Object.fromEntries(Object.entries(ROLE_NAMES).map(([wire, name]) => [name, Number(wire)])) as Record<RoleName, Role>;

/** How much a role may do; a granter may grant only roles ranked no higher than its own. */
const RANK: Record<RoleName, number> = {
  resident: 1,
  building_representative: 2,
  fundraising_member: 2,
  estate_representative: 3,
  owners_committee_member: 3,
  council_member: 4,
  auditor: 5,
  finance_officer: 5,
  community_staff: 6,
  administrator: 9,
};

const PERMISSIONS: Record<RoleName, readonly Permission[]> = {
  resident: [Permission.READ],
  building_representative: [Permission.READ, Permission.WRITE],
  fundraising_member: [Permission.READ, Permission.WRITE],
  estate_representative: [Permission.READ, Permission.WRITE],
  owners_committee_member: [Permission.READ, Permission.WRITE],
  council_member: [Permission.READ, Permission.WRITE],
  // Read-only on money and everything else.
  auditor: [Permission.READ],
  finance_officer: [Permission.READ, Permission.WRITE],
  community_staff: [Permission.READ, Permission.WRITE, Permission.GRANT],
  administrator: [Permission.READ, Permission.WRITE, Permission.GRANT],
};

export function allows(role: RoleName, permission: Permission): boolean {
  return PERMISSIONS[role].includes(permission);
}

/** Whether someone holding `granter` may grant `granted`. */
export function mayGrant(granter: RoleName, granted: RoleName): boolean {
  return allows(granter, Permission.GRANT) && RANK[granted] <= RANK[granter];
}
