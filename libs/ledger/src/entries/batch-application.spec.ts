import { Refusal } from '../ledger.error';
import { BatchApplication, type BatchState } from './batch-application';
import type { AccountState } from './entry.model';
import { expiryDraft } from './pending-expiry';

const BOOK = 'book-1';
const EXPIRES_AT = new Date('2026-11-25T08:00:00Z');

function account(id: string): AccountState {
  return {
    id,
    bookId: BOOK,
    currency: 'CNY',
    closed: false,
    debitsMustNotExceedCredits: false,
    creditsMustNotExceedDebits: false,
    debitsPosted: 0n,
    creditsPosted: 0n,
    debitsPending: 5_000_00n,
    creditsPending: 5_000_00n,
  };
}

/** A book whose happiness fund has 5,000 reserved for a project until EXPIRES_AT. */
function reservedGrant(): BatchState {
  return {
    books: new Map([[BOOK, { id: BOOK, sequence: 1n, hash: 'ab', recordedAt: null, version: 1n }]]),
    accounts: new Map([
      ['fund.happiness', account('fund.happiness')],
      ['fund.project', account('fund.project')],
    ]),
    pendings: new Map([
      [
        'grant',
        {
          id: 'grant',
          bookId: BOOK,
          debitAccountId: 'fund.happiness',
          creditAccountId: 'fund.project',
          amount: 5_000_00n,
          currency: 'CNY',
          expiresAt: EXPIRES_AT,
          state: 'pending',
          resolvedByEntryId: null,
        },
      ],
    ]),
    storedOutcomes: new Map(),
    reversalTargets: new Map(),
  };
}

describe('expiring a reservation', () => {
  it('before its time (a clock behind the database’s) is refused without recording the refusal, so a later sweep expires it', () => {
    const early = new BatchApplication(reservedGrant(), new Date(EXPIRES_AT.getTime() - 1));
    expect(early.applyAll([expiryDraft('grant', BOOK)])).toEqual([expect.objectContaining({ applied: false, refusal: Refusal.PendingNotDue })]);
    expect(early.writes.requests).toEqual([]);
    expect(early.writes.outcomes.size).toBe(0);

    const onTime = new BatchApplication(reservedGrant(), EXPIRES_AT);
    expect(onTime.applyAll([expiryDraft('grant', BOOK)])).toEqual([expect.objectContaining({ applied: true, refusal: null })]);
    expect(onTime.writes.resolvedPendings.get('grant')?.state).toBe('expired');
  });
});
