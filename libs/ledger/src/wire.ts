import { AccountKind, EntryKind, Side as WireSide } from '@yishi/contracts';
import { fromMinorUnits } from '@yishi/money';

import type { EntryKindName, Side } from './entries/entry.model';

export type AccountKindName = 'custody' | 'fund' | 'counterparty' | 'memo';

export const ACCOUNT_KIND_NAMES: Partial<Record<AccountKind, AccountKindName>> = {
  [AccountKind.CUSTODY]: 'custody',
  [AccountKind.FUND]: 'fund',
  [AccountKind.COUNTERPARTY]: 'counterparty',
  [AccountKind.MEMO]: 'memo',
};

export const WIRE_ACCOUNT_KINDS: Record<AccountKindName, AccountKind> = {
  custody: AccountKind.CUSTODY,
  fund: AccountKind.FUND,
  counterparty: AccountKind.COUNTERPARTY,
  memo: AccountKind.MEMO,
};

export const SIDE_NAMES: Partial<Record<WireSide, Side>> = { [WireSide.DEBIT]: 'debit', [WireSide.CREDIT]: 'credit' };
export const WIRE_SIDES: Record<Side, WireSide> = { debit: WireSide.DEBIT, credit: WireSide.CREDIT };

/** Posted totals as the balance on the account's normal side, as a decimal string. */
export function normalBalance(normalSide: Side, debits: bigint, credits: bigint, currency: string): string {
  return fromMinorUnits(normalSide === 'debit' ? debits - credits : credits - debits, currency);
}

/** Minor units from a Postgres bigint column, to the wire's decimal string. */
export function amountText(value: string | bigint, currency: string): string {
  return fromMinorUnits(BigInt(value), currency);
}

export const WIRE_ENTRY_KINDS: Record<EntryKindName, EntryKind> = {
  posted: EntryKind.POSTED,
  pending: EntryKind.PENDING,
  post_pending: EntryKind.POST_PENDING,
  void_pending: EntryKind.VOID_PENDING,
  expire_pending: EntryKind.EXPIRE_PENDING,
};

export { isCalendarDate, isSeededUuid, isUuid } from '@yishi/persistence';

/** What is wrong with a free text the ledger keeps, or null. (A NUL in it is refused as the request is read: see `decodeRequest`.) */
export function textProblem(value: string, maxLength: number): string | null {
  return value.length > maxLength ? `must be at most ${maxLength} characters` : null;
}
