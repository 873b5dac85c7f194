/** The ledger's own vocabulary, independent of the wire format. Amounts are fen (bigint). */

export type Side = 'debit' | 'credit';
/** How a posting moves an account: posted money, a reservation, or the release of one. */
export type Phase = 'posted' | 'pending' | 'release';
export type EntryKindName = 'posted' | 'pending' | 'post_pending' | 'void_pending' | 'expire_pending';

export interface PostingLine {
  readonly accountId: string;
  readonly side: Side;
  readonly amount: bigint;
  readonly currency: string;
}

/** A validated request to record one entry. */
export interface EntryDraft {
  readonly id: string;
  readonly bookId: string;
  readonly kind: EntryKindName;
  /** null: the day it is recorded (Asia/Shanghai). */
  readonly effectiveDate: string | null;
  readonly memo: string;
  readonly recordedBy: string;
  readonly evidence: string;
  readonly decisionRef: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly postings: readonly PostingLine[];
  readonly pendingId: string | null;
  readonly expiresAt: Date | null;
  readonly reversesEntryId: string | null;
  readonly linked: boolean;
  /** Hex SHA-256 of the request's content: the same id must always come with the same content. */
  readonly fingerprint: string;
}

/** An entry as a reversal names it: only an entry of the reversal's own book can be reversed. */
export function entryInBook(bookId: string, entryId: string): string {
  return `${bookId}/${entryId}`;
}

/** An entry a reversal names, as the reversal is checked against it. */
export interface ReversalTarget {
  /** Its posted lines, which the reversal must undo exactly. */
  readonly lines: readonly PostingLine[];
  /** Whether another entry reverses it already. */
  readonly reversed: boolean;
}

/** Whether `postings` undo `lines` exactly: the same accounts, amounts and currencies, each on the other side. */
export function mirrors(postings: readonly PostingLine[], lines: readonly PostingLine[]): boolean {
  const key = (line: PostingLine, side: Side): string => `${line.accountId} ${side} ${line.amount} ${line.currency}`;
  const undone = lines.map((line) => key(line, line.side === 'debit' ? 'credit' : 'debit')).sort();
  const given = postings.map((posting) => key(posting, posting.side)).sort();
  return undone.length === given.length && undone.every((line, index) => line === given[index]);
}

/** An account's posted and pending debits and credits, in minor units. */
export interface AccountTotals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface AccountState extends AccountTotals {
  readonly id: string;
  readonly bookId: string;
  readonly currency: string;
  readonly closed: boolean;
  readonly debitsMustNotExceedCredits: boolean;
  readonly creditsMustNotExceedDebits: boolean;
}

/** Moves the account's totals by a line, or (`direction` -1) takes the line back. */
export function applyMovement(account: AccountTotals, line: { readonly phase: Phase; readonly side: Side; readonly amount: bigint }, direction: 1n | -1n): void {
  const amount = line.amount * direction;
  const debit = line.side === 'debit';
  switch (line.phase) {
    case 'posted':
      if (debit) account.debitsPosted += amount;
      else account.creditsPosted += amount;
      return;
    case 'pending':
      if (debit) account.debitsPending += amount;
      else account.creditsPending += amount;
      return;
    case 'release':
      if (debit) account.debitsPending -= amount;
      else account.creditsPending -= amount;
      return;
  }
}

export type PendingStateName = 'pending' | 'posted' | 'voided' | 'expired';

export interface PendingTransferState {
  readonly id: string;
  readonly bookId: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly expiresAt: Date | null;
  state: PendingStateName;
  resolvedByEntryId: string | null;
}

export interface BookHead {
  readonly id: string;
  sequence: bigint;
  /** Hex SHA-256 of the last entry; '' for an empty book. */
  hash: string;
  recordedAt: Date | null;
  /** Raised by every writer of the book; a batch read without a lock writes only if it is unchanged. */
  readonly version: bigint;
}

export interface EntryOutcome {
  readonly id: string;
  readonly applied: boolean;
  readonly refusal: string | null;
  readonly sequence: bigint | null;
  readonly hash: string | null;
  readonly replayed: boolean;
}

/** What a stored request id answers with on a retry. */
export interface StoredOutcome {
  readonly fingerprint: string;
  readonly refusal: string | null;
  readonly sequence: bigint | null;
  readonly hash: string | null;
}
