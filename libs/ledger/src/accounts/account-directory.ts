import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AccountIdentity {
  readonly bookId: string;
  readonly currency: string;
}

/**
 * Which book and currency each account has. Accounts are never deleted and these never change,
 * so what was read once stays true: the hot path asks the database only about new ids.
 */
@Injectable()
export class AccountDirectory {
  private readonly known = new Map<string, AccountIdentity>();
  private readonly books = new Set<string>();

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async accounts(ids: readonly string[]): Promise<Map<string, AccountIdentity>> {
    const missing = [...new Set(ids)].filter((id) => !this.known.has(id));
    if (missing.length > 0) {
      const rows: { id: string; book_id: string; currency: string }[] = await this.dataSource.query(
        `SELECT id, book_id, currency FROM ledger_account WHERE id = ANY($1::uuid[])`,
        [missing],
      );
      for (const row of rows) this.known.set(row.id, { bookId: row.book_id, currency: row.currency });
    }
    return new Map(ids.flatMap((id) => (this.known.has(id) ? [[id, this.known.get(id)!] as const] : [])));
  }

  async existingBooks(ids: readonly string[]): Promise<Set<string>> {
    const missing = [...new Set(ids)].filter((id) => !this.books.has(id));
    if (missing.length > 0) {
      const rows: { id: string }[] = await this.dataSource.query(`SELECT id FROM ledger_book WHERE id = ANY($1::uuid[])`, [missing]);
      for (const row of rows) this.books.add(row.id);
    }
    return new Set(ids.filter((id) => this.books.has(id)));
  }
}
