import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { AccountRecord } from '../accounts/accounts.repository';

/** An account's columns but its running totals, which `accountAt` gives as they stood at a moment. */
const ACCOUNT_SETTINGS = `a.id, a.book_id, a.code, a.name_zh, a.name_en, a.kind, a.currency, a.normal_side, a.debits_must_not_exceed_credits,
  a.credits_must_not_exceed_debits, a.closed, a.ref_community, a.ref_estate, a.ref_project, a.ref_household, a.ref_organisation`;

export interface PostedTotalsRow {
  debits_posted_after: string;
  credits_posted_after: string;
}

export interface StatementRow extends PostedTotalsRow {
  entry_id: string;
  book_sequence: string;
  side: 'debit' | 'credit';
  amount: string;
  effective_date: string;
  recorded_at: Date;
  memo: string;
  evidence: string;
}

export interface TrialBalanceRow {
  id: string;
  code: string;
  name_zh: string;
  name_en: string;
  kind: string;
  currency: string;
  debits: string;
  credits: string;
}

@Injectable()
export class BalancesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * The account with its totals as they stood at `moment`, in one round trip. The book's last write
   * recorded by then gives the sequence; posted totals are the account's last posting up to it
   * (one index lookup whatever the number of postings), pending ones the sum of its reservations
   * and their releases up to it (read from an index of those alone). Joins laterally from the one
   * account row: planning the statement costs more than running it.
   */
  async accountAt(accountId: string, moment: Date): Promise<AccountRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT ${ACCOUNT_SETTINGS},
              COALESCE(t.debits_posted_after, 0) AS debits_posted, COALESCE(t.credits_posted_after, 0) AS credits_posted,
              COALESCE(r.debits_pending, 0) AS debits_pending, COALESCE(r.credits_pending, 0) AS credits_pending
         FROM ledger_account a
         LEFT JOIN LATERAL (
           SELECT m.sequence FROM ledger_book_moment m WHERE m.book_id = a.book_id AND m.recorded_at <= $2
            ORDER BY m.recorded_at DESC, m.sequence DESC LIMIT 1) s ON true
         LEFT JOIN LATERAL (
           SELECT p.debits_posted_after, p.credits_posted_after FROM ledger_posting p
            WHERE p.account_id = a.id AND p.book_sequence <= s.sequence
            ORDER BY p.book_sequence DESC, p.line DESC LIMIT 1) t ON true
         LEFT JOIN LATERAL (
           SELECT sum(CASE q.phase WHEN 'pending' THEN q.amount ELSE -q.amount END) FILTER (WHERE q.side = 'debit') AS debits_pending,
                  sum(CASE q.phase WHEN 'pending' THEN q.amount ELSE -q.amount END) FILTER (WHERE q.side = 'credit') AS credits_pending
             FROM ledger_posting q WHERE q.account_id = a.id AND q.phase <> 'posted' AND q.book_sequence <= s.sequence) r ON true
        WHERE a.id = $1`,
      [accountId, moment.toISOString()],
    )) as AccountRecord[];
    return row;
  }

  /**
   * Every posted line of the account's first `entries` entries after `afterSequence`: whole
   * entries, so a page that resumes after a sequence never leaves out a second line of its entry.
   */
  statementPage(accountId: string, afterSequence: bigint, entries: number): Promise<StatementRow[]> {
    return this.dataSource.query(
      `WITH s AS (
         SELECT DISTINCT book_sequence FROM ledger_posting
          WHERE account_id = $1 AND phase = 'posted' AND book_sequence > $2
          ORDER BY book_sequence LIMIT $3)
       SELECT p.entry_id, p.book_sequence, p.side, p.amount, p.debits_posted_after, p.credits_posted_after,
              e.effective_date::text AS effective_date, e.recorded_at, e.memo, e.evidence
         FROM s JOIN ledger_posting p ON p.account_id = $1 AND p.book_sequence = s.book_sequence AND p.phase = 'posted'
         JOIN ledger_entry e ON e.id = p.entry_id
        ORDER BY p.book_sequence, p.line`,
      [accountId, afterSequence.toString(), entries],
    );
  }

  /** Posted debits and credits of every account in the book, by effective date up to `asOfDate`. */
  trialBalance(bookId: string, asOfDate: string): Promise<TrialBalanceRow[]> {
    return this.dataSource.query(
      `SELECT a.id, a.code, a.name_zh, a.name_en, a.kind, a.currency,
              COALESCE(sum(m.amount) FILTER (WHERE m.side = 'debit'), 0) AS debits,
              COALESCE(sum(m.amount) FILTER (WHERE m.side = 'credit'), 0) AS credits
         FROM ledger_account a
         LEFT JOIN (SELECT p.account_id, p.side, p.amount
                      FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id AND e.sequence = p.book_sequence
                     WHERE e.book_id = $1 AND p.phase = 'posted' AND e.effective_date <= $2::date) m
                ON m.account_id = a.id
        WHERE a.book_id = $1
        GROUP BY a.id
        ORDER BY a.code`,
      [bookId, asOfDate],
    );
  }
}
