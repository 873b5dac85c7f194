import { hash } from 'node:crypto';

import type { EntryKindName, Phase, PostingLine, Side } from './entry.model';

/** An entry as stored in the journal. */
export interface EntryRow {
  readonly id: string;
  readonly bookId: string;
  readonly sequence: bigint;
  readonly kind: EntryKindName;
  readonly effectiveDate: string;
  readonly memo: string;
  readonly recordedBy: string;
  readonly evidence: string;
  readonly decisionRef: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly pendingId: string | null;
  readonly reversesEntryId: string | null;
  readonly recordedAt: Date;
  /** Hex; '' for the first entry of a book. */
  readonly previousHash: string;
  readonly hash: string;
}

export interface PostingRow {
  readonly entryId: string;
  readonly line: number;
  readonly accountId: string;
  readonly bookSequence: bigint;
  readonly phase: Phase;
  readonly side: Side;
  readonly amount: bigint;
  readonly currency: string;
  /** The account's posted totals after this line, for statements and past balances. */
  readonly debitsPostedAfter: bigint;
  readonly creditsPostedAfter: bigint;
}

/**
 * The postings a batch writes, held column by column as the write statement sends them: no object
 * per posting. A batch of 16,000 entries would otherwise keep 32,000 of them until its write
 * commits, long enough to be promoted to the old generation and marked there (ADR 0021).
 */
export class PostingColumns {
  readonly entryIds: string[] = [];
  readonly lines: number[] = [];
  readonly accountIds: string[] = [];
  readonly bookSequences: bigint[] = [];
  readonly phases: Phase[] = [];
  readonly sides: Side[] = [];
  readonly amounts: bigint[] = [];
  readonly currencies: string[] = [];
  readonly debitsPostedAfter: bigint[] = [];
  readonly creditsPostedAfter: bigint[] = [];

  get length(): number {
    return this.entryIds.length;
  }

  push(posting: PostingRow): void {
    this.entryIds.push(posting.entryId);
    this.lines.push(posting.line);
    this.accountIds.push(posting.accountId);
    this.bookSequences.push(posting.bookSequence);
    this.phases.push(posting.phase);
    this.sides.push(posting.side);
    this.amounts.push(posting.amount);
    this.currencies.push(posting.currency);
    this.debitsPostedAfter.push(posting.debitsPostedAfter);
    this.creditsPostedAfter.push(posting.creditsPostedAfter);
  }

  /** The posted lines of one entry: what a reversal of it must mirror. A scan, for the rare reversal. */
  postedLinesOf(entryId: string): PostingLine[] {
    const lines: PostingLine[] = [];
    this.entryIds.forEach((id, index) => {
      if (id !== entryId || this.phases[index] !== 'posted') return;
      lines.push({ accountId: this.accountIds[index]!, side: this.sides[index]!, amount: this.amounts[index]!, currency: this.currencies[index]! });
    });
    return lines;
  }

  /** Keeps the first `length` postings: a linked chain that failed takes its postings back. */
  truncate(length: number): void {
    for (const column of this.columns()) column.length = length;
  }

  private columns(): unknown[][] {
    return [this.entryIds, this.lines, this.accountIds, this.bookSequences, this.phases, this.sides, this.amounts, this.currencies, this.debitsPostedAfter, this.creditsPostedAfter];
  }
}

/** Metadata as sorted key/value pairs: the same map always hashes the same, whatever its key order. */
export function canonicalMetadata(metadata: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The last moment written out: a batch's entries, and consecutive entries of a verified chain, mostly share one. */
let lastMoment = { time: Number.NaN, iso: '' };

/** `moment.toISOString()`, which cost a fifth of hashing an entry when called for each. */
function isoMoment(moment: Date): string {
  const time = moment.getTime();
  if (time !== lastMoment.time) lastMoment = { time, iso: moment.toISOString() };
  return lastMoment.iso;
}

type HashedPosting = Pick<PostingRow, 'accountId' | 'phase' | 'side' | 'amount' | 'currency'>;
type HashedEntry = Omit<EntryRow, 'hash' | 'previousHash'>;

/**
 * SHA-256 over the previous entry's hash and this entry's content in a fixed order. Whatever
 * changes a stored entry or one of its postings changes this hash and every later one.
 */
export function entryHash(previousHash: string, entry: HashedEntry, postings: readonly HashedPosting[]): string {
  const content = JSON.stringify([
    entry.bookId,
    entry.sequence.toString(),
    entry.id,
    entry.kind,
    entry.effectiveDate,
    entry.memo,
    entry.recordedBy,
    entry.evidence,
    entry.decisionRef,
    canonicalMetadata(entry.metadata),
    entry.pendingId ?? '',
    entry.reversesEntryId ?? '',
    isoMoment(entry.recordedAt),
    postings.map((posting) => [posting.accountId, posting.phase, posting.side, posting.amount.toString(), posting.currency]),
  ]);
  return hash('sha256', `${previousHash}\n${content}`, 'hex');
}
