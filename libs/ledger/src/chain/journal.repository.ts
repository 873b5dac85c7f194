import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { EntryKindName, Phase, Side } from '../entries/entry.model';

export interface JournalEntryRow {
  id: string;
  book_id: string;
  sequence: string;
  kind: EntryKindName;
  effective_date: string;
  memo: string;
  recorded_by: string;
  evidence: string;
  decision_ref: string;
  metadata: Record<string, string>;
  pending_id: string | null;
  reverses_entry_id: string | null;
  recorded_at: Date;
  previous_hash: string | null;
  hash: string;
}

export interface JournalPostingRow {
  entry_id: string;
  line: number;
  account_id: string;
  phase: Phase;
  side: Side;
  amount: string;
  currency: string;
  /** The account's posted totals after this line, as statements and past balances read them. */
  debits_posted_after: string;
  credits_posted_after: string;
}

/** An account's totals as stored, which its postings must add up to. */
export interface AccountTotalsRow {
  id: string;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

const ENTRY_COLUMNS = `id, book_id, sequence, kind, effective_date::text AS effective_date, memo, recorded_by, evidence,
  decision_ref, metadata, pending_id, reverses_entry_id, recorded_at,
  encode(previous_hash, 'hex') AS previous_hash, encode(hash, 'hex') AS hash`;

/** Where a read runs: the pool, or the connection of one snapshot. */
export type JournalReader = Pick<EntityManager, 'query'>;

/** Reads the journal as stored, for lookups and for walking the hash chain. */
@Injectable()
export class JournalRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async entry(id: string): Promise<JournalEntryRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entry WHERE id = $1`, [id])) as JournalEntryRow[];
    return row;
  }

  /** Runs `read` in one read-only snapshot of the database: it sees the book as it stood when it began, whatever is posted meanwhile. */
  inSnapshot<T>(read: (reader: JournalReader) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return read(manager);
    });
  }

  /**
   * The book's entries numbered after `afterSequence`, at most `count`, in order. A book numbers its
   * entries without gaps, so they are asked for as a range: with `LIMIT` alone, statistics that had
   * not yet caught up with a bulk load (a table thought small) chose to read every later entry of
   * the book and sort them, for every page, and verifying 463,000 entries took 50 s.
   */
  entriesAfter(bookId: string, afterSequence: bigint, count: number, reader: JournalReader = this.dataSource): Promise<JournalEntryRow[]> {
    return reader.query(
      `SELECT ${ENTRY_COLUMNS} FROM ledger_entry WHERE book_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence`,
      [bookId, afterSequence.toString(), (afterSequence + BigInt(count)).toString()],
    );
  }

  /** The entries' postings, found by the entries' sequences (postings are keyed by account, then sequence). */
  postingsOf(entries: readonly Pick<JournalEntryRow, 'id' | 'sequence'>[], reader: JournalReader = this.dataSource): Promise<JournalPostingRow[]> {
    return reader.query(
      `SELECT entry_id, line, account_id, phase, side, amount, currency, debits_posted_after, credits_posted_after FROM ledger_posting
        WHERE book_sequence = ANY($1::bigint[]) AND entry_id = ANY($2::uuid[]) ORDER BY entry_id, line`,
      [entries.map((entry) => entry.sequence), entries.map((entry) => entry.id)],
    );
  }

  /** The stored totals of every account of the book. */
  accountTotals(bookId: string, reader: JournalReader): Promise<AccountTotalsRow[]> {
    return reader.query(`SELECT id, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_account WHERE book_id = $1`, [bookId]);
  }
}
