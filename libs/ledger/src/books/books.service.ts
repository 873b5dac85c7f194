import { Inject, Injectable } from '@nestjs/common';

import type { Book, OpenBookRequest } from '@yishi/contracts';

import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { BooksRepository, type BookRecord } from './books.repository';

type BookInit = Omit<Book, '$typeName'>;

@Injectable()
export class BooksService {
  constructor(@Inject(BooksRepository) private readonly books: BooksRepository) {}

  async open(request: OpenBookRequest): Promise<BookInit> {
    const violations = [
      ...(request.communityRef.trim() ? [] : [{ field: 'community_ref', reason: 'must name the community' }]),
      ...(request.name.trim() ? [] : [{ field: 'name', reason: 'must not be empty' }]),
    ];
    if (violations.length > 0) throw ledgerError(LedgerErrorCode.InvalidRequest, violations);
    return toBook(await this.books.open(request.communityRef, request.name));
  }
}

export function toBook(record: BookRecord): BookInit {
  return {
    id: record.id,
    communityRef: record.community_ref,
    name: record.name,
    headSequence: BigInt(record.head_sequence),
    headHash: record.head_hash ?? '',
  };
}
