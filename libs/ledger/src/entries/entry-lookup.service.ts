import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import type { EntrySchema, GetEntryRequest } from '@yishi/contracts';

import { JournalRepository } from '../chain/journal.repository';
import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { amountText, isUuid, WIRE_ENTRY_KINDS, WIRE_SIDES } from '../wire';


@Injectable()
export class EntryLookupService {
  constructor(@Inject(JournalRepository) private readonly journal: JournalRepository) {}

  async get(request: GetEntryRequest): Promise<MessageInitShape<typeof EntrySchema>> {
    const entry = isUuid(request.entryId) ? await this.journal.entry(request.entryId) : undefined;
    if (!entry) throw ledgerError(LedgerErrorCode.EntryNotFound, [{ field: 'entry_id', reason: 'no such entry' }]);
    const postings = await this.journal.postingsOf([entry]);
    return {
      id: entry.id,
      bookId: entry.book_id,
      sequence: BigInt(entry.sequence),
      kind: WIRE_ENTRY_KINDS[entry.kind],
      effectiveDate: entry.effective_date,
      memo: entry.memo,
      recordedBy: entry.recorded_by,
      evidence: entry.evidence,
      decisionRef: entry.decision_ref,
      metadata: entry.metadata,
      postings: postings
        .filter((posting) => posting.phase !== 'release')
        .map((posting) => ({
          accountId: posting.account_id,
          side: WIRE_SIDES[posting.side],
          amount: { amount: amountText(posting.amount, posting.currency), currency: posting.currency },
        })),
      pendingId: entry.pending_id ?? '',
      reversesEntryId: entry.reverses_entry_id ?? '',
      recordedAt: timestampFromDate(entry.recorded_at),
      hash: entry.hash,
      previousHash: entry.previous_hash ?? '',
    };
  }
}
