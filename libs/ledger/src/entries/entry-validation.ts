import { hash } from 'node:crypto';

import { timestampDate } from '@bufbuild/protobuf/wkt';

import { EntryKind, Side as WireSide, type NewEntry, type Posting } from '@yishi/contracts';
import type { Violation } from '@yishi/messaging';
import { AmountError, DEFAULT_CURRENCY, isKnownCurrency, toMinorUnits } from '@yishi/money';

import { isCalendarDate, isSeededUuid, isUuid, textProblem } from '../wire';
import { canonicalMetadata } from './entry-rows';
import type { EntryDraft, EntryKindName, PostingLine, Side } from './entry.model';

export const MAX_ENTRIES_PER_REQUEST = 8_000;
const MAX_TEXT = 1_000;
const MAX_METADATA_KEYS = 32;
const MAX_METADATA_KEY = 100;

const KIND_NAMES: Partial<Record<EntryKind, EntryKindName>> = {
  [EntryKind.UNSPECIFIED]: 'posted',
  [EntryKind.POSTED]: 'posted',
  [EntryKind.PENDING]: 'pending',
  [EntryKind.POST_PENDING]: 'post_pending',
  [EntryKind.VOID_PENDING]: 'void_pending',
};

const AMOUNT_PROBLEMS: Record<AmountError['problem'], string> = {
  'not-a-number': 'must be a decimal number such as "500.00"',
  'not-positive': 'must be greater than zero',
  'too-precise': 'has more decimals than the currency allows (fen: two)',
  'too-large': 'is too large',
  'unknown-currency': 'is in an unknown currency',
};

/** Collects what is wrong with a request, each problem with the field path that has it (built only then). */
class Findings {
  readonly violations: Violation[] = [];
  add(field: string, reason: string): void {
    this.violations.push({ field, reason });
  }
  onEntry(entry: number, field: string, reason: string): void {
    this.add(`entries[${entry}].${field}`, reason);
  }
  onPosting(entry: number, line: number, field: string, reason: string): void {
    this.onEntry(entry, `postings[${line}].${field}`, reason);
  }
}

/** Turns wire entries into drafts, or returns every violation (field and reason) it found. */
export function validateEntries(entries: readonly NewEntry[]): EntryDraft[] | Violation[] {
  const findings = new Findings();
  if (entries.length === 0) findings.add('entries', 'must hold at least one entry');
  if (entries.length > MAX_ENTRIES_PER_REQUEST) findings.add('entries', `must hold at most ${MAX_ENTRIES_PER_REQUEST} entries`);
  if (entries.at(-1)?.linked) findings.onEntry(entries.length - 1, 'linked', 'the last entry cannot open a linked chain');
  const drafts = entries.map((entry, index) => validateEntry(entry, index, findings));
  return findings.violations.length > 0 ? findings.violations : (drafts as EntryDraft[]);
}

function validateEntry(entry: NewEntry, index: number, findings: Findings): EntryDraft | null {
  const before = findings.violations.length;
  const kind = KIND_NAMES[entry.kind];
  if (!kind) findings.onEntry(index, 'kind', 'must be POSTED, PENDING, POST_PENDING or VOID_PENDING');
  if (!isUuid(entry.id)) findings.onEntry(index, 'id', 'must be a UUID chosen by the client');
  // The ledger derives the ids of the entries it makes itself (an expiry's, an operation's later
  // entries) as version 8 UUIDs: a client that took one could keep a reservation from lapsing.
  else if (isSeededUuid(entry.id)) findings.onEntry(index, 'id', 'must not be a version 8 UUID: those are the ids the ledger derives for its own entries');
  if (!isUuid(entry.bookId)) findings.onEntry(index, 'book_id', 'must be a book id');
  if (entry.effectiveDate && !isCalendarDate(entry.effectiveDate)) findings.onEntry(index, 'effective_date', 'must be a date YYYY-MM-DD');
  if (!entry.recordedBy.trim()) findings.onEntry(index, 'recorded_by', 'must name who recorded the entry');
  checkTexts(entry, index, findings);
  const postings = entry.postings.map((posting, line) => validatePosting(posting, index, line, findings));
  if (kind && findings.violations.length === before) checkShape(entry, kind, postings as PostingLine[], index, findings);
  if (findings.violations.length > before || !kind) return null;
  return {
    id: entry.id,
    bookId: entry.bookId,
    kind,
    effectiveDate: entry.effectiveDate || null,
    memo: entry.memo,
    recordedBy: entry.recordedBy,
    evidence: entry.evidence,
    decisionRef: entry.decisionRef,
    metadata: entry.metadata,
    postings: postings as PostingLine[],
    pendingId: entry.pendingId || null,
    expiresAt: entry.expiresAt ? timestampDate(entry.expiresAt) : null,
    reversesEntryId: entry.reversesEntryId || null,
    linked: entry.linked,
    fingerprint: fingerprintOf(entry, kind, postings as PostingLine[]),
  };
}

function validatePosting(posting: Posting, index: number, line: number, findings: Findings): PostingLine | null {
  const side: Side | null = posting.side === WireSide.DEBIT ? 'debit' : posting.side === WireSide.CREDIT ? 'credit' : null;
  if (!isUuid(posting.accountId)) findings.onPosting(index, line, 'account_id', 'must be an account id');
  if (!side) findings.onPosting(index, line, 'side', 'must be DEBIT or CREDIT');
  const currency = posting.amount?.currency || DEFAULT_CURRENCY;
  if (!isKnownCurrency(currency)) {
    findings.onPosting(index, line, 'amount.currency', `is not a currency the ledger keeps: ${currency}`);
    return null;
  }
  const amount = parseAmount(posting.amount?.amount ?? '', currency);
  if (typeof amount === 'string') findings.onPosting(index, line, 'amount.amount', amount);
  return side && typeof amount === 'bigint' ? { accountId: posting.accountId, side, amount, currency } : null;
}

/** The amount in minor units, or what is wrong with it. */
function parseAmount(amount: string, currency: string): bigint | string {
  try {
    return toMinorUnits(amount, currency);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    return AMOUNT_PROBLEMS[error.problem];
  }
}

function checkShape(entry: NewEntry, kind: EntryKindName, postings: readonly PostingLine[], index: number, findings: Findings): void {
  const needsPending = kind === 'post_pending' || kind === 'void_pending';
  if (needsPending && !isUuid(entry.pendingId)) findings.onEntry(index, 'pending_id', 'must name the pending transfer');
  if (!needsPending && entry.pendingId) findings.onEntry(index, 'pending_id', 'is only for POST_PENDING and VOID_PENDING');
  if (entry.expiresAt && kind !== 'pending') findings.onEntry(index, 'expires_at', 'is only for PENDING entries');
  if (entry.reversesEntryId && !isUuid(entry.reversesEntryId)) findings.onEntry(index, 'reverses_entry_id', 'must be an entry id');
  if (kind === 'posted' && postings.length < 2) findings.onEntry(index, 'postings', 'must hold at least two postings');
  if (kind === 'void_pending' && postings.length > 0) findings.onEntry(index, 'postings', 'must be empty: voiding releases the whole reservation');
  if ((kind === 'pending' || (kind === 'post_pending' && postings.length > 0)) && !isOneTransfer(postings)) {
    findings.onEntry(index, 'postings', 'must be exactly one debit and one credit of the same amount on two accounts');
  }
  for (const currency of unbalancedCurrencies(postings)) findings.onEntry(index, 'postings', `debits and credits in ${currency} must be equal`);
}

function isOneTransfer(postings: readonly PostingLine[]): boolean {
  const [first, second] = postings;
  return postings.length === 2 && first!.side !== second!.side && first!.accountId !== second!.accountId && first!.amount === second!.amount;
}

/** The currencies whose debits and credits differ; an entry in one currency (nearly all) needs no map. */
function unbalancedCurrencies(postings: readonly PostingLine[]): readonly string[] {
  const currency = postings[0]?.currency;
  if (postings.every((posting) => posting.currency === currency)) return currency === undefined || netOf(postings) === 0n ? [] : [currency];
  const net = new Map<string, bigint>();
  for (const posting of postings) net.set(posting.currency, (net.get(posting.currency) ?? 0n) + signed(posting));
  return [...net].filter(([, amount]) => amount !== 0n).map(([unbalanced]) => unbalanced);
}

const signed = (posting: PostingLine): bigint => (posting.side === 'debit' ? posting.amount : -posting.amount);

function netOf(postings: readonly PostingLine[]): bigint {
  let net = 0n;
  for (const posting of postings) net += signed(posting);
  return net;
}

/** The entry's free texts, by field name on the wire. */
const TEXT_FIELDS = [
  ['memo', 'memo'],
  ['evidence', 'evidence'],
  ['decision_ref', 'decisionRef'],
  ['recorded_by', 'recordedBy'],
] as const;

function checkTexts(entry: NewEntry, index: number, findings: Findings): void {
  for (const [field, name] of TEXT_FIELDS) {
    const problem = textProblem(entry[name], MAX_TEXT);
    if (problem) findings.onEntry(index, field, problem);
  }
  let keys = 0;
  for (const key in entry.metadata) {
    keys += 1;
    const keyProblem = textProblem(key, MAX_METADATA_KEY);
    const valueProblem = keyProblem ? null : textProblem(entry.metadata[key]!, MAX_TEXT);
    if (keyProblem) findings.onEntry(index, 'metadata', `each key ${keyProblem}`);
    if (valueProblem) findings.onEntry(index, `metadata.${key}`, valueProblem);
  }
  if (keys > MAX_METADATA_KEYS) findings.onEntry(index, 'metadata', `must hold at most ${MAX_METADATA_KEYS} keys`);
}

/** The content a retry must repeat exactly (the id's idempotency fingerprint). */
function fingerprintOf(entry: NewEntry, kind: EntryKindName, postings: readonly PostingLine[]): string {
  const content = JSON.stringify([
    entry.id,
    entry.bookId,
    kind,
    entry.effectiveDate,
    entry.memo,
    entry.recordedBy,
    entry.evidence,
    entry.decisionRef,
    canonicalMetadata(entry.metadata),
    postings.map((posting) => [posting.accountId, posting.side, posting.amount.toString(), posting.currency]),
    entry.pendingId,
    entry.expiresAt ? timestampDate(entry.expiresAt).toISOString() : '',
    entry.reversesEntryId,
    entry.linked,
  ]);
  return hash('sha256', content, 'hex');
}
