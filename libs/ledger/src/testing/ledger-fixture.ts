import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DataSource } from 'typeorm';

import { AccountKind, LedgerRpc, Side, type NewEntrySchema } from '@yishi/contracts';
import type { RpcClient } from '@yishi/messaging';
import { uuidv7 } from '@yishi/persistence';
import { startServiceFixture, type ServiceFixture, type ServiceFixtureOptions } from '@yishi/service-kit';

import { ledgerService } from '../index';

type NewEntryInit = MessageInitShape<typeof NewEntrySchema>;

/** A running ledger service on its own fresh database, reached over the machine's NATS. */
export type LedgerFixture = ServiceFixture;

export function startLedger(options?: ServiceFixtureOptions): Promise<LedgerFixture> {
  return startServiceFixture(ledgerService, options);
}

export async function openBook(rpc: RpcClient, community = `community-${uuidv7()}`) {
  return rpc.call(LedgerRpc.openBook, { communityRef: community, name: '百联社区' });
}

export interface AccountOptions {
  readonly kind?: AccountKind;
  readonly normalSide?: Side;
  readonly noOverdraft?: boolean;
  readonly currency?: string;
}

/** A fund (credit-normal) by default; `noOverdraft` forbids spending below zero. */
export async function openAccount(rpc: RpcClient, bookId: string, code: string, options: AccountOptions = {}) {
  const normalSide = options.normalSide ?? Side.CREDIT;
  return rpc.call(LedgerRpc.openAccount, {
    bookId,
    code,
    nameZh: code,
    nameEn: code,
    kind: options.kind ?? AccountKind.FUND,
    normalSide,
    currency: options.currency ?? 'CNY',
    flags: {
      debitsMustNotExceedCredits: Boolean(options.noOverdraft) && normalSide === Side.CREDIT,
      creditsMustNotExceedDebits: Boolean(options.noOverdraft) && normalSide === Side.DEBIT,
    },
  });
}

/** Memo of an entry that `refuseMarkedEntries` makes the database refuse: the whole batch holding it fails. */
export const REFUSED_BY_DATABASE = 'the database refuses to write this';

/** Installs a trigger that refuses every entry with REFUSED_BY_DATABASE as its memo; returns its removal. */
export async function refuseMarkedEntries(dataSource: DataSource): Promise<() => Promise<void>> {
  await dataSource.query(`
    CREATE FUNCTION test_refuse_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.memo = '${REFUSED_BY_DATABASE}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_entry BEFORE INSERT ON ledger_entry FOR EACH ROW EXECUTE FUNCTION test_refuse_entry();`);
  return async () => {
    await dataSource.query(`DROP TRIGGER test_refuse_entry ON ledger_entry; DROP FUNCTION test_refuse_entry()`);
  };
}

/** A posted transfer of `amount` (a decimal string) from `debit` to `credit`. */
export function transfer(bookId: string, debit: string, credit: string, amount: string, extra: Omit<NewEntryInit, 'id' | 'bookId' | '$typeName'> & { id?: string } = {}): NewEntryInit {
  return {
    id: uuidv7(),
    bookId,
    recordedBy: 'finance-officer-1',
    postings: [
      { accountId: debit, side: Side.DEBIT, amount: { amount, currency: 'CNY' } },
      { accountId: credit, side: Side.CREDIT, amount: { amount, currency: 'CNY' } },
    ],
    ...extra,
  };
}

export async function post(rpc: RpcClient, ...entries: NewEntryInit[]) {
  return (await rpc.call(LedgerRpc.postEntries, { entries })).results;
}

/** Rows of one book when a book is named, of every book otherwise (`$1` is the book's id or null). */
const IN_BOOK = (column: string) => `($1::uuid IS NULL OR ${column} = $1)`;

/**
 * The invariants of RELIABILITY.md that hold for any ledger database: debits equal credits,
 * stored balances equal the sum of postings, no account beyond its limit, every chain verifies.
 * Checks one book when `bookId` is given, every book otherwise.
 */
export async function checkInvariants(rpc: RpcClient, dataSource: DataSource, bookId?: string): Promise<void> {
  const book = [bookId ?? null];
  const [unbalanced]: { n: string }[] = await dataSource.query(
    `SELECT count(*) AS n FROM (
       SELECT p.entry_id FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id WHERE ${IN_BOOK('e.book_id')}
        GROUP BY p.entry_id, p.currency, p.phase
       HAVING sum(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) <> 0) u`,
    book,
  );
  const [drifted]: { n: string }[] = await dataSource.query(
    `SELECT count(*) AS n FROM ledger_account a LEFT JOIN LATERAL (
       SELECT COALESCE(sum(amount) FILTER (WHERE side = 'debit' AND phase = 'posted'), 0) AS dp,
              COALESCE(sum(amount) FILTER (WHERE side = 'credit' AND phase = 'posted'), 0) AS cp,
              COALESCE(sum(amount) FILTER (WHERE side = 'debit' AND phase = 'pending'), 0)
                - COALESCE(sum(amount) FILTER (WHERE side = 'debit' AND phase = 'release'), 0) AS dq,
              COALESCE(sum(amount) FILTER (WHERE side = 'credit' AND phase = 'pending'), 0)
                - COALESCE(sum(amount) FILTER (WHERE side = 'credit' AND phase = 'release'), 0) AS cq
         FROM ledger_posting p WHERE p.account_id = a.id) s ON true
      WHERE ${IN_BOOK('a.book_id')}
        AND (a.debits_posted <> s.dp OR a.credits_posted <> s.cp OR a.debits_pending <> s.dq OR a.credits_pending <> s.cq)`,
    book,
  );
  const [overdrawn]: { n: string }[] = await dataSource.query(
    `SELECT count(*) AS n FROM ledger_account a
      WHERE ${IN_BOOK('a.book_id')}
        AND ((debits_must_not_exceed_credits AND debits_posted + debits_pending > credits_posted)
          OR (credits_must_not_exceed_debits AND credits_posted + credits_pending > debits_posted))`,
    book,
  );
  const [totals]: { d: string; c: string }[] = await dataSource.query(
    `SELECT COALESCE(sum(p.amount) FILTER (WHERE p.side = 'debit'), 0) AS d, COALESCE(sum(p.amount) FILTER (WHERE p.side = 'credit'), 0) AS c
       FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.phase = 'posted' AND ${IN_BOOK('a.book_id')}`,
    book,
  );
  expect({ unbalanced: Number(unbalanced!.n), drifted: Number(drifted!.n), overdrawn: Number(overdrawn!.n) }).toEqual({ unbalanced: 0, drifted: 0, overdrawn: 0 });
  expect(totals!.d).toBe(totals!.c);
  const books: { id: string }[] = await dataSource.query(`SELECT id FROM ledger_book WHERE ${IN_BOOK('id')}`, book);
  for (const { id } of books) {
    expect(await rpc.call(LedgerRpc.verifyChain, { bookId: id })).toMatchObject({ ok: true, firstBadSequence: 0n });
  }
}
