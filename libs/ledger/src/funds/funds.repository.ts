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

  /** Accounts whose code starts with `prefix`, with their totals. */
  fundAccounts(bookId: string, prefix: string): Promise<FundAccountRow[]> {
    return this.dataSource.query(
      `SELECT id, code, debits_posted, credits_posted, debits_pending, credits_pending
         FROM ledger_account WHERE book_id = $1 AND starts_with(code, $2) ORDER BY code`,
      [bookId, prefix],
    );
  }

  /** The project's payments, each with what it took from every source account. */
  payments(bookId: string, projectRef: string): Promise<PaymentRow[]> {
    return this.dataSource.query(
      `SELECT e.id AS entry_id, e.metadata->>'payee' AS payee, e.metadata->>'category' AS category,
              sum(p.amount) FILTER (WHERE p.side = 'credit')::text AS amount,
              jsonb_object_agg(a.code, p.amount::text) FILTER (WHERE p.side = 'debit') AS parts
         FROM ledger_entry e
         JOIN ledger_posting p ON p.entry_id = e.id AND p.phase = 'posted'
         JOIN ledger_account a ON a.id = p.account_id
        WHERE e.book_id = $1 AND e.metadata->>'project' = $2 AND e.metadata->>'operation' = 'payment'
        GROUP BY e.id ORDER BY e.sequence`,
      [bookId, projectRef],
    );
  }

  /** The contribution a receipt code names. */
  async receipt(bookId: string, receiptCode: string): Promise<ReceiptRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT e.id AS entry_id, e.sequence::text AS sequence, encode(e.hash, 'hex') AS hash, e.effective_date::text AS effective_date,
              e.evidence, e.metadata, (SELECT sum(p.amount)::text FROM ledger_posting p WHERE p.entry_id = e.id AND p.side = 'credit' AND p.phase = 'posted') AS amount
         FROM ledger_entry e WHERE e.book_id = $1 AND e.metadata->>'receipt_code' = $2`,
      [bookId, receiptCode],
    )) as ReceiptRow[];
    return row;
  }

  /** The project's in-kind gifts (memo book). */
  inKind(bookId: string, projectRef: string): Promise<{ sponsor: string; description: string; value: string }[]> {
    return this.dataSource.query(
      `SELECT e.metadata->>'sponsor' AS sponsor, e.metadata->>'description' AS description,
              (SELECT sum(p.amount)::text FROM ledger_posting p WHERE p.entry_id = e.id AND p.side = 'debit') AS value
         FROM ledger_entry e WHERE e.book_id = $1 AND e.metadata->>'project' = $2 AND e.metadata->>'operation' = 'in_kind'
        ORDER BY e.sequence`,
      [bookId, projectRef],
    );
  }

  /** What each household gave to each project (or one household to all). */
  householdGifts(bookId: string, filter: { project?: string; household?: string }): Promise<HouseholdGiftRow[]> {
    return this.dataSource.query(
      `SELECT e.metadata->>'project' AS project, e.metadata->>'household' AS household,
              COALESCE(sum(p.amount) FILTER (WHERE p.side = 'credit' AND e.metadata->>'operation' = 'contribution'), 0)::text AS given,
              COALESCE(sum(p.amount) FILTER (WHERE p.side = 'credit' AND e.metadata->>'operation' = 'refund'), 0)::text AS refunded
         FROM ledger_entry e JOIN ledger_posting p ON p.entry_id = e.id AND p.phase = 'posted'
        WHERE e.book_id = $1 AND e.metadata->>'operation' IN ('contribution', 'refund')
          AND ($2::text IS NULL OR e.metadata->>'project' = $2)
          AND ($3::text IS NULL OR e.metadata->>'household' = $3)
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [bookId, filter.project ?? null, filter.household ?? null],
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

  /** Commitments from a fund account, by the project they went to. */
  commitmentsFrom(accountId: string): Promise<{ project: string; committed: string; disbursed: string }[]> {
    return this.dataSource.query(
      `SELECT a.ref_project AS project,
              sum(t.amount) FILTER (WHERE t.state = 'pending')::text AS committed,
              COALESCE(sum(p.amount), 0)::text AS disbursed
         FROM ledger_pending_transfer t
         JOIN ledger_account a ON a.id = t.credit_account_id
         LEFT JOIN ledger_posting p ON p.entry_id = t.resolved_by_entry_id AND p.phase = 'posted' AND p.side = 'debit'
        WHERE t.debit_account_id = $1
        GROUP BY a.ref_project ORDER BY a.ref_project`,
      [accountId],
    );
  }
}
