import { randomUUID } from 'node:crypto';

import { create } from '@bufbuild/protobuf';

import { NewEntrySchema, Side } from '@yishi/contracts';

import { validateEntries } from './entry-validation';

const line = (side: Side, amount: string, currency: string) => ({ accountId: randomUUID(), side, amount: { amount, currency } });

const entryOf = (...postings: ReturnType<typeof line>[]) => create(NewEntrySchema, { id: randomUUID(), bookId: randomUUID(), recordedBy: 'treasurer', postings });

describe('entries balanced per currency', () => {
  it('drafts an entry that balances in each of its currencies', () => {
    const drafts = validateEntries([
      entryOf(line(Side.DEBIT, '5.00', 'CNY'), line(Side.CREDIT, '5.00', 'CNY'), line(Side.DEBIT, '1.00', 'USD'), line(Side.CREDIT, '1.00', 'USD')),
    ]);
    expect(drafts).toEqual([expect.objectContaining({ postings: expect.any(Array) })]);
  });

  it.each([
    ['one currency', [line(Side.DEBIT, '5.00', 'CNY'), line(Side.CREDIT, '4.99', 'CNY')], ['CNY']],
    ['the second of two', [line(Side.DEBIT, '5.00', 'CNY'), line(Side.CREDIT, '5.00', 'CNY'), line(Side.DEBIT, '1.00', 'USD'), line(Side.CREDIT, '2.00', 'USD')], ['USD']],
    ['two that offset each other in total', [line(Side.DEBIT, '1.00', 'CNY'), line(Side.CREDIT, '1.00', 'USD')], ['CNY', 'USD']],
  ])('refuses an entry unbalanced in %s, naming each currency', (_, postings, currencies) => {
    expect(validateEntries([entryOf(...postings)])).toEqual(
      currencies.map((currency) => ({ field: 'entries[0].postings', reason: `debits and credits in ${currency} must be equal` })),
    );
  });
});
