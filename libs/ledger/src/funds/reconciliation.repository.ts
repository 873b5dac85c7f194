import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type BankLineStateName = 'matched' | 'unmatched' | 'amount_mismatch' | 'explained';

export interface BankLineRecord {
  line: number;
  date: string;
  /** Signed fen: money in is positive. */
  amount: bigint;
  reference: string;
  description: string;
  state: BankLineStateName;
  entry_id: string | null;
  explanation: string;
}

export interface StatementRecord {
  account_id: string;
  statement_date: string;
  first_date: string;
  closing_balance: bigint;
}

/** A posted movement of the custody account, signed as the bank sees it. */
export interface CustodyMovement {
  entry_id: string;
  effective_date: string;
  amount: bigint;
  evidence: string;
}

@Injectable()
export class ReconciliationRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async statement(bookId: string, statementRef: string): Promise<StatementRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT account_id, statement_date::text AS statement_date, first_date::text AS first_date, closing_balance::text AS closing_balance
         FROM fund_bank_statement WHERE book_id = $1 AND statement_ref = $2`,
      [bookId, statementRef],
    )) as (Omit<StatementRecord, 'closing_balance'> & { closing_balance: string })[];
    return row && { ...row, closing_balance: BigInt(row.closing_balance) };
  }

  async lines(bookId: string, statementRef: string): Promise<BankLineRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT line, date::text AS date, amount::text AS amount, reference, description, state, entry_id, explanation
         FROM fund_bank_line WHERE book_id = $1 AND statement_ref = $2 ORDER BY line`,
      [bookId, statementRef],
    )) as (Omit<BankLineRecord, 'amount'> & { amount: string })[];
    return rows.map((row) => ({ ...row, amount: BigInt(row.amount) }));
  }

  /** The account's posted movements dated between two days, with the entries other statements already claimed left out. */
  movements(bookId: string, accountId: string, from: string, to: string, exceptStatement: string): Promise<CustodyMovement[]> {
    return this.dataSource
      .query(
        `SELECT e.id AS entry_id, e.effective_date::text AS effective_date, e.evidence,
                sum(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END)::text AS amount
           FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id
          WHERE p.account_id = $2 AND p.phase = 'posted' AND e.book_id = $1
            AND e.effective_date BETWEEN $3::date AND $4::date
            AND NOT EXISTS (SELECT 1 FROM fund_bank_line l
                             WHERE l.entry_id = e.id AND l.book_id = $1 AND l.statement_ref <> $5)
          GROUP BY e.id ORDER BY e.effective_date, e.sequence`,
        [bookId, accountId, from, to, exceptStatement],
      )
      .then((rows: (Omit<CustodyMovement, 'amount'> & { amount: string })[]) => rows.map((row) => ({ ...row, amount: BigInt(row.amount) })));
  }

  /** The account's posted balance (debit side) at the end of a day, by effective date. */
  async balanceOn(accountId: string, date: string): Promise<bigint> {
    const [row] = (await this.dataSource.query(
      `SELECT COALESCE(sum(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0)::text AS balance
         FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id
        WHERE p.account_id = $1 AND p.phase = 'posted' AND e.effective_date <= $2::date`,
      [accountId, date],
    )) as { balance: string }[];
    return BigInt(row!.balance);
  }

  async save(bookId: string, statementRef: string, statement: StatementRecord, lines: readonly BankLineRecord[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO fund_bank_statement (book_id, statement_ref, account_id, statement_date, first_date, closing_balance)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [bookId, statementRef, statement.account_id, statement.statement_date, statement.first_date, statement.closing_balance.toString()],
      );
      await manager.query(
        `INSERT INTO fund_bank_line (book_id, statement_ref, line, date, amount, reference, description, state, entry_id, explanation)
         SELECT $1, $2, * FROM unnest($3::int[], $4::date[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[])`,
        [
          bookId,
          statementRef,
          lines.map((line) => line.line),
          lines.map((line) => line.date),
          lines.map((line) => line.amount.toString()),
          lines.map((line) => line.reference),
          lines.map((line) => line.description),
          lines.map((line) => line.state),
          lines.map((line) => line.entry_id),
          lines.map((line) => line.explanation),
        ],
      );
    });
  }

  async resolve(bookId: string, statementRef: string, line: number, state: BankLineStateName, entryId: string | null, explanation: string): Promise<boolean> {
    const [, updated] = (await this.dataSource.query(
      `UPDATE fund_bank_line SET state = $4, entry_id = $5, explanation = $6 WHERE book_id = $1 AND statement_ref = $2 AND line = $3`,
      [bookId, statementRef, line, state, entryId, explanation],
    )) as [unknown, number];
    return updated > 0;
  }
}
