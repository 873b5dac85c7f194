import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { uuidv7 } from '@yishi/persistence';

import type { JournalReader } from '../chain/journal.repository';

export interface BookRecord {
  id: string;
  community_ref: string;
  name: string;
  head_sequence: string;
  head_hash: string | null;
}

const BOOK_COLUMNS = `id, community_ref, name, head_sequence, encode(head_hash, 'hex') AS head_hash`;

@Injectable()
export class BooksRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Opens the community's book, or returns the one it has (safe under concurrent calls). */
  async open(communityRef: string, name: string): Promise<BookRecord> {
    await this.dataSource.query(
      `INSERT INTO ledger_book (id, community_ref, name) VALUES ($1, $2, $3) ON CONFLICT (community_ref) DO NOTHING`,
      [uuidv7(), communityRef, name],
    );
    const [book] = (await this.dataSource.query(`SELECT ${BOOK_COLUMNS} FROM ledger_book WHERE community_ref = $1`, [communityRef])) as BookRecord[];
    return book!;
  }

  async findByCommunity(communityRef: string): Promise<BookRecord | undefined> {
    const [book] = (await this.dataSource.query(`SELECT ${BOOK_COLUMNS} FROM ledger_book WHERE community_ref = $1`, [communityRef])) as BookRecord[];
    return book;
  }

  async find(id: string, reader: JournalReader = this.dataSource): Promise<BookRecord | undefined> {
    const [book] = (await reader.query(`SELECT ${BOOK_COLUMNS} FROM ledger_book WHERE id = $1`, [id])) as BookRecord[];
    return book;
  }
}
