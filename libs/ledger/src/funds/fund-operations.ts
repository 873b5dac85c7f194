import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import type { Money, OperationHeader, OperationResultSchema } from '@yishi/contracts';
import { AmountError, DEFAULT_CURRENCY, toMinorUnits } from '@yishi/money';

import { EntriesService } from '../entries/entries.service';
import type { EntryDraft, EntryKindName, EntryOutcome, PostingLine } from '../entries/entry.model';
import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { isCalendarDate, isSeededUuid, isUuid, textProblem } from '../wire';
import { FundChartService } from './fund-chart.service';

type OperationResult = MessageInitShape<typeof OperationResultSchema>;

const MAX_HEADER_TEXT = 1_000;

export function invalid(field: string, reason: string): never {
  throw ledgerError(LedgerErrorCode.InvalidRequest, [{ field, reason }]);
}

export function amountOf(money: Money | undefined, field: string): bigint {
  try {
    return toMinorUnits(money?.amount ?? '', money?.currency || DEFAULT_CURRENCY);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    return invalid(field, `is not a positive amount in fen (${error.problem})`);
  }
}

export function pair(debit: string, credit: string, amount: bigint): PostingLine[] {
  return [
    { accountId: debit, side: 'debit', amount, currency: DEFAULT_CURRENCY },
    { accountId: credit, side: 'credit', amount, currency: DEFAULT_CURRENCY },
  ];
}

export interface DraftParts {
  readonly id?: string;
  readonly kind?: EntryKindName;
  readonly postings: PostingLine[];
  readonly decisionRef?: string;
  readonly pendingId?: string;
  readonly expiresAt?: Date;
  readonly linked?: boolean;
  readonly metadata: Record<string, string>;
}

/**
 * What every fund operation shares: the header is checked, the community's book found, and the
 * operation becomes entry drafts whose id is the operation id (or derived from it).
 */
@Injectable()
export class FundOperations {
  constructor(
    @Inject(FundChartService) private readonly chart: FundChartService,
    @Inject(EntriesService) private readonly entries: EntriesService,
  ) {}

  async open(header: OperationHeader | undefined): Promise<{ header: OperationHeader; bookId: string }> {
    if (!header) return invalid('header', 'is required');
    if (!isUuid(header.operationId)) invalid('header.operation_id', 'must be a UUID chosen by the client');
    if (isSeededUuid(header.operationId)) invalid('header.operation_id', 'must not be a version 8 UUID: those are the ids the ledger derives for its own entries');
    if (!header.recordedBy.trim()) invalid('header.recorded_by', 'must name who recorded it');
    for (const [field, text] of [['recorded_by', header.recordedBy], ['evidence', header.evidence], ['memo', header.memo], ['community_ref', header.communityRef]] as const) {
      const problem = textProblem(text, MAX_HEADER_TEXT);
      if (problem) invalid(`header.${field}`, problem);
    }
    if (header.effectiveDate && !isCalendarDate(header.effectiveDate)) invalid('header.effective_date', 'must be YYYY-MM-DD');
    if (!header.communityRef.trim()) invalid('header.community_ref', 'must name the community');
    // The community's books are created on first use.
    return { header, bookId: await this.chart.openBook(header.communityRef, header.communityRef) };
  }
  draft(header: OperationHeader, bookId: string, content: string, entry: DraftParts): EntryDraft {
    return {
      id: entry.id ?? header.operationId,
      bookId,
      kind: entry.kind ?? 'posted',
      effectiveDate: header.effectiveDate || null,
      memo: header.memo,
      recordedBy: header.recordedBy,
      evidence: header.evidence,
      decisionRef: entry.decisionRef ?? '',
      metadata: entry.metadata,
      postings: entry.postings,
      pendingId: entry.pendingId ?? null,
      expiresAt: entry.expiresAt ?? null,
      reversesEntryId: null,
      linked: entry.linked ?? false,
      fingerprint: createHash('sha256').update(content).digest('hex'),
    };
  }
  /** Records one entry whose fingerprint is the operation's content; answers as the operation. */
  async record(header: OperationHeader, bookId: string, content: string, entry: DraftParts): Promise<OperationResult> {
    const [outcome] = await this.entries.record([this.draft(header, bookId, content, entry)]);
    return {
      operationId: header.operationId,
      applied: outcome!.applied,
      refusal: outcome!.refusal ?? '',
      sequence: outcome!.sequence ?? 0n,
      replayed: outcome!.replayed,
    };
  }

  recordAll(drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    return drafts.length > 0 ? this.entries.record(drafts) : Promise.resolve([]);
  }
}
