import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

import type { Side } from '../entries/entry.model';
import type { AccountKindName } from '../wire';

export interface AccountRecord {
  id: string;
  book_id: string;
  code: string;
  name_zh: string;
  name_en: string;
  kind: AccountKindName;
  currency: string;
  normal_side: Side;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  closed: boolean;
  ref_community: string;
  ref_estate: string;
  ref_project: string;
  ref_household: string;
  ref_organisation: string;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

export type NewAccount = Omit<AccountRecord, 'id' | 'closed' | 'debits_posted' | 'credits_posted' | 'debits_pending' | 'credits_pending'>;

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AccountsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Inserts the account; returns undefined when the book already has one with this code. */
  async insert(account: NewAccount): Promise<AccountRecord | undefined> {
    try {
      const [row] = (await this.dataSource.query(
        `INSERT INTO ledger_account (id, book_id, code, name_zh, name_en, kind, currency, normal_side,
                                     debits_must_not_exceed_credits, credits_must_not_exceed_debits,
                                     ref_community, ref_estate, ref_project, ref_household, ref_organisation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
        [
          uuidv7(),
          account.book_id,
          account.code,
          account.name_zh,
          account.name_en,
          account.kind,
          account.currency,
          account.normal_side,
          account.debits_must_not_exceed_credits,
          account.credits_must_not_exceed_debits,
          account.ref_community,
          account.ref_estate,
          account.ref_project,
          account.ref_household,
          account.ref_organisation,
        ],
      )) as AccountRecord[];
      return row;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  async find(id: string): Promise<AccountRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ledger_account WHERE id = $1`, [id])) as AccountRecord[];
    return row;
  }

  async findByCode(bookId: string, code: string): Promise<AccountRecord | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ledger_account WHERE book_id = $1 AND code = $2`, [bookId, code])) as AccountRecord[];
    return row;
  }

  /**
   * Closes the account unless something is still reserved on it; returns it as it now is. Like
   * every writer of a book, it locks the book row first and raises its version, so no batch is
   * mid-way through it and none that read the account open can write after it closed.
   */
  close(id: string): Promise<{ closed: boolean; account: AccountRecord | undefined }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE ledger_book SET version = version + 1 WHERE id = (SELECT book_id FROM ledger_account WHERE id = $1)`, [id]);
      const [rows] = (await manager.query(
        `UPDATE ledger_account SET closed = true WHERE id = $1 AND debits_pending = 0 AND credits_pending = 0 RETURNING *`,
        [id],
      )) as [AccountRecord[], number];
      if (rows.length > 0) return { closed: true, account: rows[0] };
      const [account] = (await manager.query(`SELECT * FROM ledger_account WHERE id = $1`, [id])) as AccountRecord[];
      return { closed: false, account };
    });
  }
}
