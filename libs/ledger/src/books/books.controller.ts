import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import { LedgerRpc, type OpenBookRequest } from '@yishi/contracts';

import { BooksService } from './books.service';

@Controller()
export class BooksController {
  constructor(@Inject(BooksService) private readonly books: BooksService) {}

  @MessagePattern(LedgerRpc.openBook.subject)
  open(request: OpenBookRequest) {
    return this.books.open(request);
  }
}
