import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type ProjectStatusName = 'open_for_contributions' | 'open_for_spending' | 'closed';

export interface ProjectRecord {
  book_id: string;
  project_ref: string;
  name_zh: string;
  name_en: string;
  estate_ref: string;
  cost: string;
  currency: string;
  status: ProjectStatusName;
}

export interface FundAccountRow {
  id: string;
  code: string;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

export interface PaymentRow {
  entry_id: string;
  payee: string;
  category: string;
  amount: string;
  /** What the payment took from each source account, by account code. */
  parts: Record<string, string>;
}

export interface ReceiptRow {
  entry_id: string;
  sequence: string;
  hash: string;
  effective_date: string;
  evidence: string;
  metadata: Record<string, string>;
  amount: string;
}

export interface HouseholdGiftRow {
  project: string;
  household: string;
  given: string;
  refunded: string;
}

@Injectable()
export class FundsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Opens the project, or returns it as it is when it already exists. */
  async openProject(project: Omit<ProjectRecord, 'status'>): Promise<ProjectRecord> {
    await this.dataSource.query(
      `INSERT INTO fund_project (book_id, project_ref, name_zh, name_en, estate_ref, cost, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (book_id, project_ref) DO NOTHING`,
      [project.book_id, project.project_ref, project.name_zh, project.name_en, project.estate_ref, project.cost, project.currency],
    );
    return (await this.project(project.book_id, project.project_ref))!;
  }

  async project(bookId: string, projectRef: string): Promise<ProjectRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM fund_project WHERE book_id = $1 AND project_ref = $2`, [bookId, projectRef])) as ProjectRecord[];
    return row;
  }

  async setStatus(bookId: string, projectRef: string, status: ProjectStatusName): Promise<ProjectRecord | undefined> {
    const [rows] = (await this.dataSource.query(
      `UPDATE fund_project SET status = $3 WHERE book_id = $1 AND project_ref = $2 RETURNING *`,
      [bookId, projectRef, status],
    )) as [ProjectRecord[], number];
    return rows[0];
  }

  /**
   * Accounts whose code starts with `prefix`, with their totals: now (the stored balances), or as
   * they stood at the end of `asOf` by effective date (summed from the postings).
   */
  fundAccounts(bookId: string, prefix: string, asOf?: string): Promise<FundAccountRow[]> {
    if (!asOf) {
      return this.dataSource.query(
        `SELECT id, code, debits_posted, credits_posted, debits_pending, credits_pending
           FROM ledger_account WHERE book_id = $1 AND starts_with(code, $2) ORDER BY code`,
        [bookId, prefix],
      );
    }
    return this.dataSource.query(
      `SELECT a.id, a.code,
              COALESCE(sum(m.amount) FILTER (WHERE m.side = 'debit' AND m.phase = 'posted'), 0)::text AS debits_posted,
              COALESCE(sum(m.amount) FILTER (WHERE m.side = 'credit' AND m.phase = 'posted'), 0)::text AS credits_posted,
              (COALESCE(sum(m.amount) FILTER (WHERE m.side = 'debit' AND m.phase = 'pending'), 0)
                 - COALESCE(sum(m.amount) FILTER (WHERE m.side = 'debit' AND m.phase = 'release'), 0))::text AS debits_pending,
              (COALESCE(sum(m.amount) FILTER (WHERE m.side = 'credit' AND m.phase = 'pending'), 0)
                 - COALESCE(sum(m.amount) FILTER (WHERE m.side = 'credit' AND m.phase = 'release'), 0))::text AS credits_pending
         FROM ledger_account a
         LEFT JOIN (SELECT p.account_id, p.side, p.phase, p.amount
                      FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id AND e.sequence = p.book_sequence
                     WHERE e.book_id = $1 AND e.effective_date <= $3::date) m ON m.account_id = a.id
        WHERE a.book_id = $1 AND starts_with(a.code, $2)
        GROUP BY a.id ORDER BY a.code`,
      [bookId, prefix, asOf],
    );
  }

  /** The project's payments, each with what it took from every source account. */
  payments(bookId: string, projectRef: string, asOf?: string): Promise<PaymentRow[]> {
    return this.dataSource.query(
      `SELECT e.id AS entry_id, e.metadata->>'payee' AS payee, e.metadata->>'category' AS category,
              sum(p.amount) FILTER (WHERE p.side = 'credit' AND starts_with(a.code, 'custody.'))::text AS amount,
              jsonb_object_agg(a.code, p.amount::text) FILTER (WHERE p.side = 'debit' AND starts_with(a.code, 'fund.')) AS parts
         FROM ledger_entry e
         JOIN ledger_posting p ON p.book_sequence = e.sequence AND p.entry_id = e.id AND p.phase = 'posted'
         JOIN ledger_account a ON a.id = p.account_id
        WHERE e.book_id = $1 AND e.metadata->>'project' = $2 AND e.metadata->>'operation' = 'payment'
          AND ($3::date IS NULL OR e.effective_date <= $3::date)
        GROUP BY e.id ORDER BY e.sequence`,
      [bookId, projectRef, asOf ?? null],
    );
  }

  /** The contribution a receipt code names. */
  async receipt(bookId: string, receiptCode: string): Promise<ReceiptRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT e.id AS entry_id, e.sequence::text AS sequence, encode(e.hash, 'hex') AS hash, e.effective_date::text AS effective_date,
              e.evidence, e.metadata, (SELECT sum(p.amount)::text FROM ledger_posting p WHERE p.book_sequence = e.sequence AND p.entry_id = e.id AND p.side = 'credit' AND p.phase = 'posted') AS amount
         FROM ledger_entry e WHERE e.book_id = $1 AND e.metadata->>'receipt_code' = $2`,
      [bookId, receiptCode],
    )) as ReceiptRow[];
    return row;
  }

  /** The project's in-kind gifts (memo book). */
  inKind(bookId: string, projectRef: string, asOf?: string): Promise<{ sponsor: string; description: string; value: string }[]> {
    return this.dataSource.query(
      `SELECT e.metadata->>'sponsor' AS sponsor, e.metadata->>'description' AS description,
              (SELECT sum(p.amount)::text FROM ledger_posting p WHERE p.book_sequence = e.sequence AND p.entry_id = e.id AND p.side = 'debit') AS value
         FROM ledger_entry e WHERE e.book_id = $1 AND e.metadata->>'project' = $2 AND e.metadata->>'operation' = 'in_kind'
          AND ($3::date IS NULL OR e.effective_date <= $3::date)
        ORDER BY e.sequence`,
      [bookId, projectRef, asOf ?? null],
    );
  }

  /** What each household gave to each project (or one household to all). */
  householdGifts(bookId: string, filter: { project?: string; household?: string; asOf?: string }): Promise<HouseholdGiftRow[]> {
    return this.dataSource.query(
      `SELECT e.metadata->>'project' AS project, e.metadata->>'household' AS household,
              COALESCE(sum(p.amount) FILTER (WHERE p.side = 'credit' AND e.metadata->>'operation' = 'contribution'), 0)::text AS given,
              COALESCE(sum(p.amount) FILTER (WHERE p.side = 'credit' AND e.metadata->>'operation' = 'refund'), 0)::text AS refunded
         FROM ledger_entry e JOIN ledger_posting p ON p.book_sequence = e.sequence AND p.entry_id = e.id AND p.phase = 'posted'
        WHERE e.book_id = $1 AND e.metadata->>'operation' IN ('contribution', 'refund')
          AND ($2::text IS NULL OR e.metadata->>'project' = $2)
          AND ($3::text IS NULL OR e.metadata->>'household' = $3)
          AND ($4::date IS NULL OR e.effective_date <= $4::date)
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [bookId, filter.project ?? null, filter.household ?? null, filter.asOf ?? null],
    );
  }

  /** The fund account that committed money into `accountId` most recently (where a grant goes back to). */
  async committingAccount(accountId: string): Promise<string | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT debit_account_id FROM ledger_pending_transfer WHERE credit_account_id = $1 ORDER BY id DESC LIMIT 1`,
      [accountId],
    )) as { debit_account_id: string }[];
    return row?.debit_account_id;
  }

  /** What a fund reserved for and paid to each project, from the postings (up to `asOf` when given). */
  commitmentsFrom(accountId: string, asOf?: string): Promise<{ project: string; committed: string; disbursed: string }[]> {
    return this.dataSource.query(
      `SELECT pa.ref_project AS project,
              (COALESCE(sum(p.amount) FILTER (WHERE p.phase = 'pending'), 0)
                 - COALESCE(sum(p.amount) FILTER (WHERE p.phase = 'release'), 0))::text AS committed,
              COALESCE(sum(p.amount) FILTER (WHERE p.phase = 'posted'), 0)::text AS disbursed
         FROM ledger_posting p
         JOIN ledger_entry e ON e.id = p.entry_id
         JOIN ledger_posting c ON c.book_sequence = p.book_sequence AND c.entry_id = p.entry_id AND c.phase = p.phase AND c.side = 'credit'
         JOIN ledger_account pa ON pa.id = c.account_id
        WHERE p.account_id = $1 AND p.side = 'debit' AND pa.ref_project <> ''
          AND ($2::date IS NULL OR e.effective_date <= $2::date)
        GROUP BY pa.ref_project ORDER BY pa.ref_project`,
      [accountId, asOf ?? null],
    );
  }

}
