import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import type { VerifyChainRequest, VerifyChainResponseSchema } from '@yishi/contracts';

import { BooksRepository, type BookRecord } from '../books/books.repository';
import { entryHash } from '../entries/entry-rows';
import { applyMovement, type AccountTotals } from '../entries/entry.model';
import { isUuid } from '../wire';
import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { JournalRepository, type AccountTotalsRow, type JournalEntryRow, type JournalPostingRow, type JournalReader } from './journal.repository';

const PAGE = 2_000;

@Injectable()
export class ChainService {
  constructor(
    @Inject(JournalRepository) private readonly journal: JournalRepository,
    @Inject(BooksRepository) private readonly books: BooksRepository,
  ) {}

  /**
   * Walks the book's journal from the first entry, recomputing each hash from the stored content
   * and the previous hash, and each account's running totals from its lines; the first sequence
   * that does not match is reported. Then every account's stored totals must be what its lines add
   * up to. Entries up to a head once read are written for good, so most of the journal is walked
   * outside any transaction (a snapshot held that long would keep every updated account row's old
   * versions alive); the last stretch, the head and the accounts' totals are read in one short
   * snapshot, so entries posted meanwhile are neither walked nor taken for tampering.
   */
  async verify(request: VerifyChainRequest): Promise<MessageInitShape<typeof VerifyChainResponseSchema>> {
    const book = isUuid(request.bookId) ? await this.books.find(request.bookId) : undefined;
    if (!book) throw ledgerError(LedgerErrorCode.BookNotFound, [{ field: 'book_id', reason: 'no such book' }]);
    const walk = new ChainWalk();
    let head = BigInt(book.head_sequence);
    while (head - walk.checked > BigInt(PAGE)) {
      const bad = await this.walkOn(walk, book.id, { head });
      if (bad !== null) return walk.failure(bad, book);
      head = BigInt((await this.books.find(book.id))!.head_sequence);
    }
    return this.journal.inSnapshot(async (reader) => {
      const head = (await this.books.find(book.id, reader))!;
      const bad = await this.walkOn(walk, book.id, { reader });
      if (bad !== null) return walk.failure(bad, head);
      const headMatches = BigInt(head.head_sequence) === walk.checked && (head.head_hash ?? '') === walk.previousHash;
      const drifted = walk.totals.firstDrifted(await this.journal.accountTotals(book.id, reader));
      return {
        ok: headMatches && !drifted,
        entriesChecked: walk.checked,
        firstBadSequence: headMatches ? 0n : walk.checked + 1n,
        headHash: walk.previousHash,
        driftedAccountId: drifted?.id ?? '',
      };
    });
  }

  /**
   * Walks on up to `head`, where every entry must be found, or to the last entry the reader sees;
   * the sequence of the first entry that does not match, or null.
   */
  private async walkOn(walk: ChainWalk, bookId: string, { reader, head }: { reader?: JournalReader; head?: bigint }): Promise<bigint | null> {
    for (;;) {
      const count = head === undefined ? PAGE : Math.min(PAGE, Number(head - walk.checked));
      if (count === 0) return null;
      const entries = await this.journal.entriesAfter(bookId, walk.checked, count, reader);
      const bad = walk.follow(entries, groupByEntry(await this.journal.postingsOf(entries, reader)));
      if (bad !== null) return bad;
      if (entries.length < count) return head === undefined ? null : walk.checked + 1n;
    }
  }
}

/** How far a walk along a book's chain has checked, the hash it has reached and the totals its lines add up to. */
class ChainWalk {
  checked = 0n;
  previousHash = '';
  readonly totals = new WalkedTotals();

  /** Follows the entries in order; the sequence of the first that does not match, or null. */
  follow(entries: readonly JournalEntryRow[], postings: ReadonlyMap<string, JournalPostingRow[]>): bigint | null {
    for (const entry of entries) {
      const expected = this.checked + 1n;
      const lines = postings.get(entry.id) ?? [];
      if (BigInt(entry.sequence) !== expected || !hashMatches(entry, this.previousHash, lines) || !this.totals.follow(lines)) return expected;
      this.previousHash = entry.hash;
      this.checked = expected;
    }
    return null;
  }

  failure(badSequence: bigint, book: BookRecord): MessageInitShape<typeof VerifyChainResponseSchema> {
    return { ok: false, entriesChecked: this.checked, firstBadSequence: badSequence, headHash: book.head_hash ?? '' };
  }
}

function hashMatches(entry: JournalEntryRow, previousHash: string, postings: readonly JournalPostingRow[]): boolean {
  if ((entry.previous_hash ?? '') !== previousHash) return false;
  const recomputed = entryHash(
    previousHash,
    {
      id: entry.id,
      bookId: entry.book_id,
      sequence: BigInt(entry.sequence),
      kind: entry.kind,
      effectiveDate: entry.effective_date,
      memo: entry.memo,
      recordedBy: entry.recorded_by,
      evidence: entry.evidence,
      decisionRef: entry.decision_ref,
      metadata: entry.metadata,
      pendingId: entry.pending_id,
      reversesEntryId: entry.reverses_entry_id,
      recordedAt: entry.recorded_at,
    },
    postings.map((posting) => ({ ...posting, accountId: posting.account_id, amount: BigInt(posting.amount) })),
  );
  return recomputed === entry.hash;
}

/** Each account's totals as its lines add them up, in journal order. */
class WalkedTotals {
  private readonly accounts = new Map<string, AccountTotals>();

  /** Adds the entry's lines; false if a line's stored running totals are not what its account's lines add up to. */
  follow(lines: readonly JournalPostingRow[]): boolean {
    for (const line of lines) {
      const totals = this.of(line.account_id);
      applyMovement(totals, { phase: line.phase, side: line.side, amount: BigInt(line.amount) }, 1n);
      if (BigInt(line.debits_posted_after) !== totals.debitsPosted || BigInt(line.credits_posted_after) !== totals.creditsPosted) return false;
    }
    return true;
  }

  /** The first account whose stored totals are not those its lines add up to. */
  firstDrifted(stored: readonly AccountTotalsRow[]): AccountTotalsRow | undefined {
    return stored.find((account) => {
      const walked = this.of(account.id);
      return (
        BigInt(account.debits_posted) !== walked.debitsPosted ||
        BigInt(account.credits_posted) !== walked.creditsPosted ||
        BigInt(account.debits_pending) !== walked.debitsPending ||
        BigInt(account.credits_pending) !== walked.creditsPending
      );
    });
  }

  private of(accountId: string): AccountTotals {
    let totals = this.accounts.get(accountId);
    if (!totals) {
      totals = { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n };
      this.accounts.set(accountId, totals);
    }
    return totals;
  }
}

function groupByEntry(postings: readonly JournalPostingRow[]): Map<string, JournalPostingRow[]> {
  const grouped = new Map<string, JournalPostingRow[]>();
  for (const posting of postings) {
    const ofEntry = grouped.get(posting.entry_id) ?? [];
    ofEntry.push(posting);
    grouped.set(posting.entry_id, ofEntry);
  }
  return grouped;
}
