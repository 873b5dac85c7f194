import { IdentityRpc, PlaceKind } from '@yishi/contracts';
import type { RpcClient } from '@yishi/messaging';

/** A place for tests: its code (also its name), its parent's code (none for a district), its kind. */
export type PlaceSpec = readonly [code: string, parent: string | null, kind: PlaceKind];

/** The Zhuhai places of the worked examples: Bailian (with Bailian Xincun, building 45) and Nancun, both in Jida street. */
export const ZHUHAI: readonly PlaceSpec[] = [
  ['xiangzhou', null, PlaceKind.DISTRICT],
  ['jida', 'xiangzhou', PlaceKind.STREET],
  ['bailian', 'jida', PlaceKind.COMMUNITY],
  ['nancun', 'jida', PlaceKind.COMMUNITY],
  ['bailian-xincun', 'bailian', PlaceKind.ESTATE],
  ['ncc-plaza', 'nancun', PlaceKind.ESTATE],
  ['b45', 'bailian-xincun', PlaceKind.BUILDING],
];

/** Creates the places parent first and users with a good password; adds each one's id to `ids` under its code or login. */
export async function seedIdentity(rpc: RpcClient, ids: Record<string, string>, places: readonly PlaceSpec[], logins: readonly string[]): Promise<void> {
  for (const [code, parent, kind] of places) {
    ids[code] = (await rpc.call(IdentityRpc.createPlace, { parentId: parent ? ids[parent]! : '', kind, code, nameZh: code })).id;
  }
  for (const login of logins) {
    ids[login] = (await rpc.call(IdentityRpc.registerUser, { name: login, login, password: 'long enough password' })).id;
  }
}
