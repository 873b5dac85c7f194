import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import { AccountKind, EntryKind, EntryStatus, LedgerRpc, Side } from '@yishi/contracts';
import { InvalidArgumentError } from '@yishi/messaging';
import { uuidFromSeed, uuidv7 } from '@yishi/persistence';
import { eventually } from '@yishi/testing';

import { checkInvariants, openAccount, openBook, post, startLedger, transfer, type LedgerFixture } from './testing/ledger-fixture';

describe('the ledger engine', () => {
  let ledger: LedgerFixture;
  let bookId: string;
  /** Debit-normal: where money comes from in these tests (a household's or the district's side). */
  let source: string;

  beforeAll(async () => {
    ledger = await startLedger();
    bookId = (await openBook(ledger.rpc)).id;
    source = (await openAccount(ledger.rpc, bookId, 'counterparty.source', { kind: AccountKind.COUNTERPARTY, normalSide: Side.DEBIT })).id;
  });

  afterAll(async () => {
    await checkInvariants(ledger.rpc, ledger.dataSource);
    await ledger.stop();
  });

  const bookVersion = async (): Promise<number> => Number((await ledger.dataSource.query(`SELECT version FROM ledger_book WHERE id = $1`, [bookId]))[0].version);

  const count = async (table: string): Promise<number> => Number((await ledger.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  /** Runs one statement as a superuser who bypasses the ledger's triggers, as someone tampering with the journal would. */
  const asSuperuser = <R = unknown>(sql: string, parameters: unknown[]): Promise<R[]> =>
    ledger.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL session_replication_role = replica`);
      return manager.query(sql, parameters) as Promise<R[]>;
    });
  /** A new book whose journal holds one transfer of each amount, in order; their outcomes. */
  const journalOf = async (...amounts: string[]) => {
    const book = (await openBook(ledger.rpc)).id;
    const from = (await openAccount(ledger.rpc, book, 'counterparty.x', { normalSide: Side.DEBIT })).id;
    const to = (await openAccount(ledger.rpc, book, 'fund.x')).id;
    return { book, results: await post(ledger.rpc, ...amounts.map((amount) => transfer(book, from, to, amount))) };
  };

  const fundWith = async (code: string, amount: string, options = { noOverdraft: true }) => {
    const fund = (await openAccount(ledger.rpc, bookId, code, options)).id;
    const [result] = await post(ledger.rpc, transfer(bookId, source, fund, amount));
    expect(result!.status).toBe(EntryStatus.APPLIED);
    return fund;
  };

  describe('concurrency', () => {
    it('50 concurrent spends of 70 from a fund holding 100 (no overdraft): exactly one succeeds', async () => {
      const fund = await fundWith('fund.rails', '100.00');
      const payee = (await openAccount(ledger.rpc, bookId, 'counterparty.rails-contractor', { normalSide: Side.DEBIT, kind: AccountKind.COUNTERPARTY })).id;
      const results = await Promise.all(Array.from({ length: 50 }, () => post(ledger.rpc, transfer(bookId, fund, payee, '70.00'))));
      const statuses = results.map(([result]) => result!.status);
      expect(statuses.filter((status) => status === EntryStatus.APPLIED)).toHaveLength(1);
      expect(results.filter(([result]) => result!.refusal === 'EXCEEDS_CREDITS')).toHaveLength(49);
      const account = await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund });
      expect(account.balance).toMatchObject({ posted: '30.00', available: '30.00' });
    });

    it('opposite transfers in parallel all succeed: no deadlock reaches a caller', async () => {
      const a = await fundWith('fund.a', '1000.00');
      const b = await fundWith('fund.b', '1000.00');
      const requests = Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? transfer(bookId, a, b, '1.00') : transfer(bookId, b, a, '1.00')));
      const results = await Promise.all(requests.map((entry) => post(ledger.rpc, entry)));
      expect(results.every(([result]) => result!.status === EntryStatus.APPLIED)).toBe(true);
    });

    it('goes on posting after the server ends its idle posting connections', async () => {
      const fund = await fundWith('fund.reconnect', '10.00');
      const postingBackends = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ledger-posting'`;
      const ended = await ledger.dataSource.query(`SELECT pg_terminate_backend(pid) FROM (${postingBackends}) posting`);
      expect(ended.length).toBeGreaterThan(0);
      await eventually(async () => expect(await ledger.dataSource.query(postingBackends)).toHaveLength(0));
      const [result] = await post(ledger.rpc, transfer(bookId, source, fund, '1.00'));
      expect(result!.status).toBe(EntryStatus.APPLIED);
    });

    it('two replicas writing one book at once apply every deposit once and never overdraw', async () => {
      const replica = await ledger.startReplica();
      try {
        const fund = await fundWith('fund.replicas', '100.00');
        const payee = (await openAccount(ledger.rpc, bookId, 'counterparty.replicas', { normalSide: Side.DEBIT, kind: AccountKind.COUNTERPARTY })).id;
        const versionBefore = await bookVersion();
        const deposits = Array.from({ length: 40 }, () => transfer(bookId, source, fund, '1.00'));
        const spends = Array.from({ length: 40 }, () => transfer(bookId, fund, payee, '7.00'));
        const results = await Promise.all([...deposits, ...spends].map((entry) => post(ledger.rpc, entry)));
        const applied = (entries: typeof deposits, from: number) => results.slice(from, from + entries.length).filter(([result]) => result!.status === EntryStatus.APPLIED).length;
        expect(applied(deposits, 0)).toBe(40);
        const spent = applied(spends, 40);
        const account = await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund });
        expect(account.balance?.posted).toBe(`${140 - 7 * spent}.00`);
        expect(140 - 7 * spent).toBeGreaterThanOrEqual(0);
        expect(await bookVersion()).toBeGreaterThan(versionBefore);
      } finally {
        await replica.stop();
      }
    });

    it('20 concurrent requests with one entry id produce one entry', async () => {
      const fund = await fundWith('fund.playground', '500.00');
      const entry = transfer(bookId, source, fund, '45.00');
      const results = await Promise.all(Array.from({ length: 20 }, () => post(ledger.rpc, entry)));
      const [stored] = await ledger.dataSource.query(`SELECT count(*) AS n FROM ledger_entry WHERE id = $1`, [entry.id]);
      expect(Number(stored.n)).toBe(1);
      expect(new Set(results.map(([result]) => result!.sequence))).toEqual(new Set([results[0]![0]!.sequence]));
      expect(results.filter(([result]) => !result!.replayed)).toHaveLength(1);
    });
  });

  describe('a batch applied over what this replica wrote last, without reading it again (ADR 0017)', () => {
    /** Posts in turn on the main replica, so that it remembers the book and these accounts. */
    const warm = async (...accounts: string[]) => {
      for (let round = 0; round < 3; round += 1) for (const account of accounts) await post(ledger.rpc, transfer(bookId, source, account, '1.00'));
    };

    it('is refused and redone from the database when another replica spent the money meanwhile', async () => {
      const fund = await fundWith('fund.remembered', '200.00');
      const other = await fundWith('fund.remembered-other', '1.00');
      const payee = (await openAccount(ledger.rpc, bookId, 'counterparty.remembered', { normalSide: Side.DEBIT, kind: AccountKind.COUNTERPARTY })).id;
      await warm(fund, other, payee);
      const replica = await ledger.startReplicaApart();
      try {
        const [elsewhere] = await post(replica.rpc, transfer(bookId, fund, payee, '150.00'));
        expect(elsewhere!.status).toBe(EntryStatus.APPLIED);
        // Read afresh (a new account), then in turn, so the book is remembered again without the fund.
        const newcomer = (await openAccount(ledger.rpc, bookId, 'fund.remembered-newcomer')).id;
        await post(ledger.rpc, transfer(bookId, source, newcomer, '1.00'));
        await warm(other);
        const [spend] = await post(ledger.rpc, transfer(bookId, fund, payee, '100.00'));
        expect(spend).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'EXCEEDS_CREDITS' });
        expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('53.00');
      } finally {
        await replica.stop();
      }
    });

    it('is refused and redone when the account was closed meanwhile', async () => {
      const fund = (await openAccount(ledger.rpc, bookId, 'fund.closing')).id;
      await warm(fund);
      await post(ledger.rpc, transfer(bookId, fund, source, '3.00'));
      await ledger.rpc.call(LedgerRpc.closeAccount, { accountId: fund });
      const [late] = await post(ledger.rpc, transfer(bookId, source, fund, '1.00'));
      expect(late).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'ACCOUNT_CLOSED' });
    });

    it('replays an id it wrote earlier instead of applying it twice', async () => {
      const fund = await fundWith('fund.remembered-repeat', '10.00');
      await warm(fund);
      const deposit = transfer(bookId, source, fund, '5.00');
      const [first] = await post(ledger.rpc, deposit);
      await warm(fund);
      const [again] = await post(ledger.rpc, deposit);
      expect(again).toMatchObject({ status: EntryStatus.APPLIED, replayed: true, sequence: first!.sequence });
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('21.00');
    });
  });

  describe('idempotency', () => {
    it('a retry with the same content gets the first result, even a refusal', async () => {
      const fund = await fundWith('fund.retry', '10.00');
      const spend = transfer(bookId, fund, source, '20.00');
      const [first] = await post(ledger.rpc, spend);
      await post(ledger.rpc, transfer(bookId, source, fund, '50.00'));
      const [again] = await post(ledger.rpc, spend);
      expect(first).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'EXCEEDS_CREDITS', replayed: false });
      expect(again).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'EXCEEDS_CREDITS', replayed: true });
    });

    it('a refused linked chain sent again gets each entry’s first refusal and writes nothing', async () => {
      const fund = await fundWith('fund.chain-retry', '10.00');
      const chain = [transfer(bookId, source, fund, '5.00', { linked: true }), transfer(bookId, fund, source, '50.00')];
      const first = await post(ledger.rpc, ...chain);
      const requestsBefore = await count('ledger_request');
      const again = await post(ledger.rpc, ...chain);
      const answer = (results: typeof first) => results.map(({ refusal, replayed }) => ({ refusal, replayed }));
      expect(answer(first)).toEqual([
        { refusal: 'LINKED_ENTRY_FAILED', replayed: false },
        { refusal: 'EXCEEDS_CREDITS', replayed: false },
      ]);
      expect(answer(again)).toEqual([
        { refusal: 'LINKED_ENTRY_FAILED', replayed: true },
        { refusal: 'EXCEEDS_CREDITS', replayed: true },
      ]);
      expect(await count('ledger_request')).toBe(requestsBefore);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('10.00');
    });

    it('the same id with other content is a conflict and changes nothing', async () => {
      const fund = await fundWith('fund.conflict', '10.00');
      const entry = transfer(bookId, source, fund, '1.00');
      const [first] = await post(ledger.rpc, entry);
      const [other] = await post(ledger.rpc, { ...entry, memo: 'a different memo' });
      expect(first!.status).toBe(EntryStatus.APPLIED);
      expect(other).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'ID_CONFLICT' });
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('11.00');
    });
  });

  describe('bad input is refused with the field and the reason, and nothing is written', () => {
    let fund: string;
    beforeAll(async () => {
      fund = await fundWith('fund.bad-input', '100.00');
    });

    const refuse = async (entry: ReturnType<typeof transfer>, field: string, reason: RegExp) => {
      const before = [await count('ledger_entry'), await count('ledger_request'), await count('ledger_posting')];
      const failure = post(ledger.rpc, entry);
      await expect(failure).rejects.toBeInstanceOf(InvalidArgumentError);
      const error = (await failure.catch((caught: unknown) => caught)) as InstanceType<typeof InvalidArgumentError>;
      expect(error.violations).toEqual(expect.arrayContaining([{ field, reason: expect.stringMatching(reason) }]));
      expect([await count('ledger_entry'), await count('ledger_request'), await count('ledger_posting')]).toEqual(before);
    };

    it('an unbalanced entry', async () => {
      const entry = transfer(bookId, source, fund, '10.00');
      entry.postings = [entry.postings![0]!, { accountId: fund, side: Side.CREDIT, amount: { amount: '9.99', currency: 'CNY' } }];
      await refuse(entry, 'entries[0].postings', /debits and credits in CNY must be equal/);
    });

    it.each([
      ['0.00', /greater than zero/],
      ['-5.00', /greater than zero/],
      ['1.001', /more decimals/],
      ['1.100', /more decimals/],
      ['12,50', /decimal number/],
    ])('an amount of %s', async (amount, reason) => {
      await refuse(transfer(bookId, source, fund, amount), 'entries[0].postings[0].amount.amount', reason);
    });

    it('a day the calendar does not have, as an effective date or as the date of a trial balance', async () => {
      await refuse(transfer(bookId, source, fund, '1.00', { effectiveDate: '2026-02-30' }), 'entries[0].effective_date', /YYYY-MM-DD/);
      await refuse(transfer(bookId, source, fund, '1.00', { effectiveDate: '0000-01-01' }), 'entries[0].effective_date', /YYYY-MM-DD/);
      const trialBalance = ledger.rpc.call(LedgerRpc.getTrialBalance, { bookId, asOfDate: '2026-02-30' });
      await expect(trialBalance).rejects.toMatchObject({ violations: [{ field: 'as_of_date', reason: expect.stringMatching(/YYYY-MM-DD/) }] });
    });

    it('an unknown account', async () => {
      await refuse(transfer(bookId, source, uuidv7(), '1.00'), 'entries[0].postings[1].account_id', /no such account/);
    });

    it('a request naming an unknown account is refused alone when it arrives together with good ones', async () => {
      const good = Array.from({ length: 10 }, () => transfer(bookId, source, fund, '1.00'));
      const bad = transfer(bookId, source, uuidv7(), '1.00');
      const [refused, ...applied] = await Promise.allSettled([post(ledger.rpc, bad), ...good.map((entry) => post(ledger.rpc, entry))]);
      expect(refused!.status).toBe('rejected');
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(InvalidArgumentError);
      expect(applied.map((result) => result.status === 'fulfilled' && result.value[0]!.status)).toEqual(good.map(() => EntryStatus.APPLIED));
      const stored = await ledger.dataSource.query(`SELECT count(*)::int AS n FROM ledger_request WHERE id = $1`, [bad.id]);
      expect(stored[0].n).toBe(0);
    });

    it('a posting in another currency than its account', async () => {
      const entry = transfer(bookId, source, fund, '1.00');
      entry.postings = [
        { accountId: source, side: Side.DEBIT, amount: { amount: '1.00', currency: 'USD' } },
        { accountId: fund, side: Side.CREDIT, amount: { amount: '1.00', currency: 'USD' } },
      ];
      await refuse(entry, 'entries[0].postings[0].amount.currency', /keeps CNY, not USD/);
    });

    it('a NUL character in a text or a metadata value, which Postgres cannot store', async () => {
      await refuse(transfer(bookId, source, fund, '1.00', { memo: 'rails\u0000' }), 'entries[0].memo', /NUL/);
      await refuse(transfer(bookId, source, fund, '1.00', { metadata: { household: '3-\u0000-201' } }), 'entries[0].metadata.household', /NUL/);
      await expect(ledger.rpc.call(LedgerRpc.openAccount, { bookId, code: 'fund.nul', nameZh: '扶手\u0000', kind: AccountKind.FUND, normalSide: Side.CREDIT })).rejects.toMatchObject({
        violations: [{ field: 'name_zh', reason: expect.stringMatching(/NUL/) }],
      });
    });

    it('an id of version 8, which the ledger keeps for the entries it derives itself (an expiry’s)', async () => {
      await refuse(transfer(bookId, source, fund, '1.00', { id: uuidFromSeed('expire:any reservation') }), 'entries[0].id', /version 8/);
    });

    it('an entry with one posting', async () => {
      const entry = transfer(bookId, source, fund, '1.00');
      entry.postings = entry.postings!.slice(0, 1);
      await refuse(entry, 'entries[0].postings', /at least two postings/);
    });
  });

  describe('immutability and tamper evidence', () => {
    it('the database refuses UPDATE and DELETE of a posted entry or posting', async () => {
      const fund = await fundWith('fund.immutable', '5.00');
      const [row] = await ledger.dataSource.query(`SELECT entry_id FROM ledger_posting WHERE account_id = $1`, [fund]);
      await expect(ledger.dataSource.query(`UPDATE ledger_posting SET amount = 1 WHERE entry_id = $1`, [row.entry_id])).rejects.toThrow(/append-only/);
      await expect(ledger.dataSource.query(`DELETE FROM ledger_entry WHERE id = $1`, [row.entry_id])).rejects.toThrow(/append-only/);
      await expect(ledger.dataSource.query(`UPDATE ledger_entry SET memo = 'edited' WHERE id = $1`, [row.entry_id])).rejects.toThrow(/append-only/);
      await expect(ledger.dataSource.query(`TRUNCATE ledger_posting CASCADE`)).rejects.toThrow(/append-only/);
    });

    it('the database refuses postings that do not balance or name a missing entry, an account of another book or another currency', async () => {
      const fund = await fundWith('fund.references', '5.00');
      const [row] = await ledger.dataSource.query(`SELECT entry_id, book_sequence FROM ledger_posting WHERE account_id = $1`, [fund]);
      const otherBook = (await openBook(ledger.rpc)).id;
      const stranger = (await openAccount(ledger.rpc, otherBook, 'fund.stranger')).id;
      const insertPair = (entryId: string, debit: string, credit: string, { currency = 'CNY', creditAmount = 1 } = {}) =>
        ledger.dataSource.query(
          `INSERT INTO ledger_posting (entry_id, line, account_id, book_sequence, phase, side, amount, currency, debits_posted_after, credits_posted_after)
           VALUES ($1, 10, $2, $4, 'posted', 'debit', 1, $5, 0, 0), ($1, 11, $3, $4, 'posted', 'credit', $6, $5, 0, 0)`,
          [entryId, debit, credit, row.book_sequence, currency, creditAmount],
        );
      const postingsBefore = await count('ledger_posting');
      await expect(insertPair(uuidv7(), source, fund)).rejects.toThrow(/分录账户无效/);
      await expect(insertPair(row.entry_id, source, stranger)).rejects.toThrow(/another book/);
      await expect(insertPair(row.entry_id, source, fund, { currency: 'USD' })).rejects.toThrow(/another book or currency/);
      await expect(insertPair(row.entry_id, source, fund, { creditAmount: 2 })).rejects.toThrow(/not balanced/);
      expect(await count('ledger_posting')).toBe(postingsBefore);
    });

    it('the database refuses an entry naming a book that does not exist, or an entry of another book', async () => {
      const otherBook = (await openBook(ledger.rpc)).id;
      const [theirs] = await ledger.dataSource.query(`SELECT id FROM ledger_entry WHERE book_id = $1 LIMIT 1`, [bookId]);
      const insertEntry = (book: string, reverses: string | null) =>
        ledger.dataSource.query(
          `INSERT INTO ledger_entry (id, book_id, sequence, kind, effective_date, recorded_by, recorded_at, hash, reverses_entry_id)
           VALUES ($1, $2, 999999, 'posted', '2026-05-01', 'test', now(), '\\x00', $3)`,
          [uuidv7(), book, reverses],
        );
      const entriesBefore = await count('ledger_entry');
      await expect(insertEntry(uuidv7(), null)).rejects.toThrow(/分录引用的账簿或分录不存在/);
      await expect(insertEntry(otherBook, theirs.id)).rejects.toThrow(/分录引用的账簿或分录不存在/);
      await expect(insertEntry(otherBook, uuidv7())).rejects.toThrow(/分录引用的账簿或分录不存在/);
      expect(await count('ledger_entry')).toBe(entriesBefore);
    });

    it('the database refuses deleting a book or an account', async () => {
      const otherBook = (await openBook(ledger.rpc)).id;
      const stranger = (await openAccount(ledger.rpc, otherBook, 'fund.stranger')).id;
      await expect(ledger.dataSource.query(`DELETE FROM ledger_account WHERE id = $1`, [stranger])).rejects.toThrow(/refused/);
      await expect(ledger.dataSource.query(`DELETE FROM ledger_book WHERE id = $1`, [otherBook])).rejects.toThrow(/refused/);
    });

    it('the database lets a pending transfer be resolved once and nothing else of it change', async () => {
      const fund = await fundWith('fund.pending-guard', '10.00');
      const pledge = transfer(bookId, fund, source, '6.00', { kind: EntryKind.PENDING });
      const open = transfer(bookId, fund, source, '1.00', { kind: EntryKind.PENDING });
      await post(ledger.rpc, pledge, open);
      await post(ledger.rpc, { ...transfer(bookId, fund, source, '1.00', { kind: EntryKind.VOID_PENDING, pendingId: pledge.id }), postings: [] });
      const sql = (statement: string, id: string) => ledger.dataSource.query(statement, [id]);
      await expect(sql(`UPDATE ledger_pending_transfer SET amount = 1 WHERE id = $1`, open.id!)).rejects.toThrow(/resolved once/);
      const resolvedWith = (change: string) => `UPDATE ledger_pending_transfer SET state = 'voided', resolved_by_entry_id = id, ${change} WHERE id = $1`;
      await expect(sql(resolvedWith('amount = 1'), open.id!)).rejects.toThrow(/resolved once/);
      await expect(sql(resolvedWith('credit_account_id = debit_account_id'), open.id!)).rejects.toThrow(/resolved once/);
      await expect(sql(`UPDATE ledger_pending_transfer SET expires_at = now() WHERE id = $1`, open.id!)).rejects.toThrow(/resolved once/);
      await expect(sql(`UPDATE ledger_pending_transfer SET state = 'pending', resolved_by_entry_id = NULL WHERE id = $1`, pledge.id!)).rejects.toThrow(/resolved once/);
      await expect(sql(`DELETE FROM ledger_pending_transfer WHERE id = $1`, open.id!)).rejects.toThrow(/append-only/);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance).toMatchObject({ debitsPending: '1.00', available: '9.00' });
    });

    it('altering an amount as superuser (triggers bypassed) makes verify report that entry’s sequence', async () => {
      const { book, results } = await journalOf('1.00', '2.00', '3.00', '4.00');
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: true, entriesChecked: 4n });
      const third = results[2]!;
      await asSuperuser(`UPDATE ledger_posting SET amount = 30000 WHERE entry_id = $1`, [third.id]);
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: false, firstBadSequence: third.sequence, entriesChecked: 2n });
      await asSuperuser(`UPDATE ledger_posting SET amount = 300 WHERE entry_id = $1`, [third.id]);
    });

    it('altering a running balance or an account’s totals as superuser makes verify report the entry or the account', async () => {
      const { book, results } = await journalOf('1.00', '2.00', '3.00');
      const second = results[1]!;
      const [line] = await ledger.dataSource.query(`SELECT account_id, line FROM ledger_posting WHERE entry_id = $1 AND side = 'credit'`, [second.id]);
      const alterLine = (by: number) => asSuperuser(`UPDATE ledger_posting SET credits_posted_after = credits_posted_after + $2 WHERE entry_id = $1 AND line = $3`, [second.id, by, line.line]);
      await alterLine(100);
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: false, firstBadSequence: second.sequence, entriesChecked: 1n });
      await alterLine(-100);
      const alterAccount = (by: number) => asSuperuser(`UPDATE ledger_account SET credits_posted = credits_posted + $2 WHERE id = $1`, [line.account_id, by]);
      await alterAccount(100);
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: false, firstBadSequence: 0n, entriesChecked: 3n, driftedAccountId: line.account_id });
      await alterAccount(-100);
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: true, driftedAccountId: '' });
    });

    it('deleting an entry as superuser (triggers bypassed) makes verify report the gap at its sequence', async () => {
      const { book, results } = await journalOf('1.00', '2.00', '3.00');
      const second = results[1]!;
      const [gone] = await asSuperuser<{ entry: unknown; postings: unknown }>(
        `WITH e AS (DELETE FROM ledger_entry WHERE id = $1 RETURNING *), p AS (DELETE FROM ledger_posting WHERE entry_id = $1 RETURNING *)
         SELECT (SELECT json_agg(e) FROM e) AS entry, (SELECT json_agg(p) FROM p) AS postings`,
        [second.id],
      );
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: false, firstBadSequence: second.sequence, entriesChecked: 1n });
      await asSuperuser(
        `WITH e AS (INSERT INTO ledger_entry SELECT * FROM json_populate_recordset(NULL::ledger_entry, $1))
         INSERT INTO ledger_posting SELECT * FROM json_populate_recordset(NULL::ledger_posting, $2)`,
        [JSON.stringify(gone.entry), JSON.stringify(gone.postings)],
      );
      expect(await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book })).toMatchObject({ ok: true, entriesChecked: 3n });
    });

    it('corrects by reversal: a new entry pointing at the original, which stays as it was', async () => {
      const fund = await fundWith('fund.reversal', '1.00');
      const mistaken = transfer(bookId, source, fund, '500.00', { evidence: 'R-0042' });
      await post(ledger.rpc, mistaken);
      const [reversal] = await post(ledger.rpc, transfer(bookId, fund, source, '500.00', { reversesEntryId: mistaken.id, memo: 'wrong household' }));
      const [dangling] = await post(ledger.rpc, transfer(bookId, fund, source, '1.00', { reversesEntryId: uuidv7() }));
      expect(reversal!.status).toBe(EntryStatus.APPLIED);
      expect(dangling).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'REVERSED_ENTRY_NOT_FOUND' });
      expect(await ledger.rpc.call(LedgerRpc.getEntry, { entryId: reversal!.id })).toMatchObject({ reversesEntryId: mistaken.id });
      expect(await ledger.rpc.call(LedgerRpc.getEntry, { entryId: mistaken.id })).toMatchObject({ evidence: 'R-0042', reversesEntryId: '' });
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('1.00');
    });

    it('reverses an entry once, and only by undoing its postings exactly; the database holds the once', async () => {
      const fund = await fundWith('fund.reversed-once', '1.00');
      const mistaken = transfer(bookId, source, fund, '80.00', { evidence: 'R-0080' });
      const twice = transfer(bookId, source, fund, '20.00');
      await post(ledger.rpc, mistaken, twice);
      const before = await count('ledger_entry');
      const undo = (entry: typeof mistaken, amount: string) => transfer(bookId, fund, source, amount, { reversesEntryId: entry.id });
      const [partly, sameSides] = await post(ledger.rpc, undo(mistaken, '30.00'), transfer(bookId, source, fund, '80.00', { reversesEntryId: mistaken.id }));
      expect([partly!.refusal, sameSides!.refusal]).toEqual(['REVERSAL_MISMATCH', 'REVERSAL_MISMATCH']);
      const [reversal] = await post(ledger.rpc, undo(mistaken, '80.00'));
      const [again] = await post(ledger.rpc, undo(mistaken, '80.00'));
      const [first, second] = await post(ledger.rpc, undo(twice, '20.00'), undo(twice, '20.00'));
      expect([reversal!.status, again!.refusal, first!.status, second!.refusal]).toEqual([EntryStatus.APPLIED, 'ENTRY_ALREADY_REVERSED', EntryStatus.APPLIED, 'ENTRY_ALREADY_REVERSED']);
      expect(await count('ledger_entry')).toBe(before + 2);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('1.00');
      await expect(
        ledger.dataSource.query(
          `INSERT INTO ledger_entry (id, book_id, sequence, kind, effective_date, recorded_by, recorded_at, hash, reverses_entry_id)
           VALUES ($1, $2, 999998, 'posted', '2026-05-01', 'test', now(), '\\x00', $3)`,
          [uuidv7(), bookId, mistaken.id],
        ),
      ).rejects.toThrow(/uq_ledger_entry_reverses/);
    });

    it('refuses to reverse an entry of another book, alone or together with that entry, and writes nothing', async () => {
      const other = await journalOf('7.00');
      const otherEntry = other.results[0]!.id;
      const fund = await fundWith('fund.reversal-elsewhere', '10.00');
      const before = await count('ledger_entry');
      const [stored] = await post(ledger.rpc, transfer(bookId, fund, source, '7.00', { reversesEntryId: otherEntry }));
      expect(stored).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'REVERSED_ENTRY_NOT_FOUND' });
      const from = (await openAccount(ledger.rpc, other.book, 'counterparty.z', { normalSide: Side.DEBIT })).id;
      const to = (await openAccount(ledger.rpc, other.book, 'fund.z')).id;
      const appended = transfer(other.book, from, to, '3.00');
      const [, sameBatch] = await post(ledger.rpc, appended, transfer(bookId, fund, source, '3.00', { reversesEntryId: appended.id }));
      expect(sameBatch).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'REVERSED_ENTRY_NOT_FOUND' });
      expect(await count('ledger_entry')).toBe(before + 1);
    });

    it('chains each entry to the one before and publishes the head', async () => {
      const book = (await openBook(ledger.rpc)).id;
      const from = (await openAccount(ledger.rpc, book, 'counterparty.y', { normalSide: Side.DEBIT })).id;
      const to = (await openAccount(ledger.rpc, book, 'fund.y')).id;
      const [first, second] = await post(ledger.rpc, transfer(book, from, to, '1.00'), transfer(book, from, to, '2.00'));
      const entry = await ledger.rpc.call(LedgerRpc.getEntry, { entryId: second!.id });
      expect(entry).toMatchObject({ sequence: 2n, previousHash: first!.hash, hash: second!.hash });
      await eventually(async () => {
        const [head] = await ledger.dataSource.query(
          `SELECT envelope FROM messaging_outbox WHERE subject = 'evt.ledger.chain_head_advanced' AND envelope LIKE $1`,
          [`%${second!.hash}%`],
        );
        expect(head).toBeDefined();
      });
    });

    it('verifies a book that is being posted to: the walk sees the book as it stood when it began', async () => {
      const { book, results } = await journalOf(...Array.from({ length: 8_000 }, () => '0.01'));
      const [from, to] = (await ledger.rpc.call(LedgerRpc.getEntry, { entryId: results[0]!.id })).postings.map((posting) => posting.accountId);
      await post(ledger.rpc, ...Array.from({ length: 8_000 }, () => transfer(book, from!, to!, '0.01')));
      let posting = true;
      const meanwhile = (async () => {
        while (posting) await post(ledger.rpc, transfer(book, from!, to!, '0.01'));
      })();
      const verified = await ledger.rpc.call(LedgerRpc.verifyChain, { bookId: book });
      const [{ head_sequence: headWhenVerified }] = await ledger.dataSource.query(`SELECT head_sequence FROM ledger_book WHERE id = $1`, [book]);
      posting = false;
      await meanwhile;
      expect(verified).toMatchObject({ ok: true, firstBadSequence: 0n });
      expect(verified.entriesChecked).toBeGreaterThanOrEqual(16_000n);
      expect(BigInt(headWhenVerified)).toBeGreaterThan(verified.entriesChecked); // entries were posted after the walk had read its head
    });
  });

  describe('pending transfers', () => {
    it('reserve money so it cannot be reserved twice, then post part of it and release the rest', async () => {
      const fund = await fundWith('fund.happiness-2026', '150000.00');
      const project = (await openAccount(ledger.rpc, bookId, 'fund.project.playground.grant')).id;
      const commitment = transfer(bookId, fund, project, '140000.00', { kind: EntryKind.PENDING, decisionRef: 'ballot-7' });
      expect((await post(ledger.rpc, commitment))[0]!.status).toBe(EntryStatus.APPLIED);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance).toMatchObject({ posted: '150000.00', available: '10000.00' });

      const [second] = await post(ledger.rpc, transfer(bookId, fund, project, '20000.00', { kind: EntryKind.PENDING }));
      expect(second).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'EXCEEDS_CREDITS' });

      const posting = transfer(bookId, fund, project, '100000.00', { kind: EntryKind.POST_PENDING, pendingId: commitment.id });
      expect((await post(ledger.rpc, posting))[0]!.status).toBe(EntryStatus.APPLIED);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance).toMatchObject({ posted: '50000.00', available: '50000.00', debitsPending: '0.00' });
      const [again] = await post(ledger.rpc, { id: uuidv7(), bookId, recordedBy: 'x', kind: EntryKind.VOID_PENDING, pendingId: commitment.id });
      expect(again).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'PENDING_ALREADY_RESOLVED' });
    });

    it('count at a past moment as they did then: reserved, then partly posted and the rest released', async () => {
      const fund = await fundWith('fund.reserved-then', '1000.00');
      const project = (await openAccount(ledger.rpc, bookId, 'fund.project.benches')).id;
      const grant = transfer(bookId, fund, project, '600.00', { kind: EntryKind.PENDING });
      await post(ledger.rpc, grant);
      const reserved = new Date();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await post(ledger.rpc, transfer(bookId, fund, project, '450.00', { kind: EntryKind.POST_PENDING, pendingId: grant.id }));
      const balanceAt = (moment?: Date) => ledger.rpc.call(LedgerRpc.getBalance, { accountId: fund, ...(moment && { asOf: timestampFromDate(moment) }) });
      expect(await balanceAt(reserved)).toMatchObject({ posted: '1000.00', debitsPending: '600.00', creditsPending: '0.00', available: '400.00' });
      expect(await balanceAt(new Date())).toMatchObject({ posted: '550.00', debitsPending: '0.00', available: '550.00' });
      expect(await balanceAt()).toMatchObject({ posted: '550.00', debitsPending: '0.00', available: '550.00' });
    });

    it('void releases the whole reservation', async () => {
      const fund = await fundWith('fund.void', '100.00');
      const pledge = transfer(bookId, fund, source, '60.00', { kind: EntryKind.PENDING });
      await post(ledger.rpc, pledge);
      const [voided] = await post(ledger.rpc, { id: uuidv7(), bookId, recordedBy: 'x', kind: EntryKind.VOID_PENDING, pendingId: pledge.id });
      expect(voided!.status).toBe(EntryStatus.APPLIED);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance).toMatchObject({ posted: '100.00', available: '100.00' });
    });

    it('expire at their time, releasing the reservation and announcing it', async () => {
      const fund = await fundWith('fund.expiry', '100.00');
      const pledge = transfer(bookId, fund, source, '80.00', { kind: EntryKind.PENDING, expiresAt: timestampFromDate(new Date(Date.now() + 1_500)) });
      await post(ledger.rpc, pledge);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.available).toBe('20.00');
      await eventually(async () => expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.available).toBe('100.00'), 10_000);
      const [late] = await post(ledger.rpc, transfer(bookId, fund, source, '80.00', { kind: EntryKind.POST_PENDING, pendingId: pledge.id }));
      expect(late).toMatchObject({ status: EntryStatus.REFUSED, refusal: 'PENDING_ALREADY_RESOLVED' });
      const [event] = await ledger.dataSource.query(`SELECT 1 FROM messaging_outbox WHERE subject = 'evt.ledger.pending_transfer_expired' AND envelope LIKE $1`, [`%${pledge.id}%`]);
      expect(event).toBeDefined();
    });

    it('are refused when their expiry has already passed, and the refusal is what a retry gets', async () => {
      const fund = await fundWith('fund.expired-on-arrival', '10.00');
      const stale = transfer(bookId, fund, source, '8.00', { kind: EntryKind.PENDING, expiresAt: timestampFromDate(new Date(Date.now() - 1_000)) });
      const [refused] = await post(ledger.rpc, stale);
      const [again] = await post(ledger.rpc, stale);
      expect([refused!.refusal, again!.refusal, again!.replayed]).toEqual(['EXPIRES_AT_PASSED', 'EXPIRES_AT_PASSED', true]);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance).toMatchObject({ debitsPending: '0.00', available: '10.00' });
    });
  });

  describe('batches', () => {
    it('apply each entry on its own unless linked; a linked chain succeeds or fails as one', async () => {
      const fund = await fundWith('fund.batch', '10.00');
      const [ok, refused, linkedA, linkedB, after] = await post(
        ledger.rpc,
        transfer(bookId, fund, source, '4.00'),
        transfer(bookId, fund, source, '100.00'),
        transfer(bookId, fund, source, '1.00', { linked: true }),
        transfer(bookId, fund, source, '50.00'),
        transfer(bookId, fund, source, '1.00'),
      );
      expect([ok, refused, linkedA, linkedB, after].map((result) => result!.refusal)).toEqual(['', 'EXCEEDS_CREDITS', 'LINKED_ENTRY_FAILED', 'EXCEEDS_CREDITS', '']);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('5.00');
    });

    it('take 8,000 entries in one request', async () => {
      const fund = await fundWith('fund.bulk', '1.00');
      const entries = Array.from({ length: 8_000 }, () => transfer(bookId, source, fund, '0.01'));
      const results = await post(ledger.rpc, ...entries);
      expect(results.filter((result) => result.status === EntryStatus.APPLIED)).toHaveLength(8_000);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('81.00');
    });
  });

  describe('balances and reports', () => {
    it('refuse an entry that would take an account’s totals past what the database holds, and keep the account usable', async () => {
      const fund = (await openAccount(ledger.rpc, bookId, 'fund.huge')).id;
      const huge = '46116860184273879.04'; // 2^62 fen, the most one posting may carry
      const [first, second] = await post(ledger.rpc, transfer(bookId, source, fund, huge), transfer(bookId, source, fund, huge));
      expect([first!.status, second!.refusal]).toEqual([EntryStatus.APPLIED, 'ACCOUNT_TOTAL_TOO_LARGE']);
      const [after] = await post(ledger.rpc, transfer(bookId, fund, source, '0.01'));
      expect(after!.status).toBe(EntryStatus.APPLIED);
      expect((await ledger.rpc.call(LedgerRpc.getAccount, { accountId: fund })).balance?.posted).toBe('46116860184273879.03');
    });

    it('give the balance at a past moment, a paginated statement with running balance, and a trial balance that balances', async () => {
      const book = (await openBook(ledger.rpc)).id;
      const household = (await openAccount(ledger.rpc, book, 'counterparty.household.45-301', { normalSide: Side.DEBIT, kind: AccountKind.COUNTERPARTY })).id;
      const rails = (await openAccount(ledger.rpc, book, 'fund.project.rails.self-raised')).id;
      await post(ledger.rpc, transfer(book, household, rails, '500.00', { evidence: 'R-0001', effectiveDate: '2026-03-10' }));
      const between = new Date();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await post(ledger.rpc, transfer(book, household, rails, '300.00', { evidence: 'R-0002', effectiveDate: '2026-04-02' }));
      await post(ledger.rpc, transfer(book, rails, household, '100.00', { evidence: 'REFUND-1', effectiveDate: '2026-06-01' }));

      expect(await ledger.rpc.call(LedgerRpc.getBalance, { accountId: rails, asOf: timestampFromDate(between) })).toMatchObject({ posted: '500.00' });
      expect(await ledger.rpc.call(LedgerRpc.getBalance, { accountId: rails })).toMatchObject({ posted: '700.00' });

      const page1 = await ledger.rpc.call(LedgerRpc.getStatement, { accountId: rails, pageSize: 2 });
      const page2 = await ledger.rpc.call(LedgerRpc.getStatement, { accountId: rails, pageSize: 2, afterSequence: page1.nextAfterSequence });
      expect([...page1.lines, ...page2.lines].map((line) => [line.evidence, line.debit, line.credit, line.runningBalance])).toEqual([
        ['R-0001', '', '500.00', '500.00'],
        ['R-0002', '', '300.00', '800.00'],
        ['REFUND-1', '100.00', '', '700.00'],
      ]);
      expect(page2.nextAfterSequence).toBe(0n);

      const april = await ledger.rpc.call(LedgerRpc.getTrialBalance, { bookId: book, asOfDate: '2026-04-30' });
      expect(april.totals).toEqual([expect.objectContaining({ currency: 'CNY', debits: '800.00', credits: '800.00' })]);
      expect(april.lines.find((line) => line.accountId === rails)).toMatchObject({ credits: '800.00', debits: '0.00' });
    });

    it('pages a statement by whole entries: an entry with two lines on the account is never split between pages', async () => {
      const book = (await openBook(ledger.rpc)).id;
      const [first, second] = await Promise.all(
        ['45-301', '45-302'].map(async (unit) => (await openAccount(ledger.rpc, book, `counterparty.household.${unit}`, { normalSide: Side.DEBIT })).id),
      );
      const rails = (await openAccount(ledger.rpc, book, 'fund.project.rails.pooled')).id;
      const line = (accountId: string, side: Side, amount: string) => ({ accountId, side, amount: { amount, currency: 'CNY' } });
      const pooled = transfer(book, first!, rails, '200.00', { evidence: 'POOL-1' });
      pooled.postings = [line(first!, Side.DEBIT, '200.00'), line(second!, Side.DEBIT, '300.00'), line(rails, Side.CREDIT, '200.00'), line(rails, Side.CREDIT, '300.00')];
      await post(ledger.rpc, pooled);
      await post(ledger.rpc, transfer(book, first!, rails, '50.00', { evidence: 'R-0003' }));

      const page1 = await ledger.rpc.call(LedgerRpc.getStatement, { accountId: rails, pageSize: 1 });
      const page2 = await ledger.rpc.call(LedgerRpc.getStatement, { accountId: rails, pageSize: 1, afterSequence: page1.nextAfterSequence });
      expect(page1.lines.map((entryLine) => [entryLine.evidence, entryLine.credit, entryLine.runningBalance])).toEqual([
        ['POOL-1', '200.00', '200.00'],
        ['POOL-1', '300.00', '500.00'],
      ]);
      expect(page2.lines.map((entryLine) => [entryLine.evidence, entryLine.credit, entryLine.runningBalance])).toEqual([['R-0003', '50.00', '550.00']]);
      expect(page2.nextAfterSequence).toBe(0n);
    });

    it('records when each write reached a book, once per write at its last sequence, and never changes it', async () => {
      const book = (await openBook(ledger.rpc)).id;
      const household = (await openAccount(ledger.rpc, book, 'counterparty.household.45-302', { normalSide: Side.DEBIT, kind: AccountKind.COUNTERPARTY })).id;
      const fund = (await openAccount(ledger.rpc, book, 'fund.project.lights')).id;
      await post(ledger.rpc, ...['1.00', '2.00', '3.00'].map((amount) => transfer(book, household, fund, amount)));
      await post(ledger.rpc, transfer(book, fund, household, '1.00'));
      const moments = await ledger.dataSource.query(
        `SELECT sequence::int AS sequence FROM ledger_book_moment WHERE book_id = $1 ORDER BY recorded_at, sequence`,
        [book],
      );
      expect(moments).toEqual([{ sequence: 3 }, { sequence: 4 }]);
      await expect(ledger.dataSource.query(`UPDATE ledger_book_moment SET sequence = 2 WHERE book_id = $1`, [book])).rejects.toThrow(/append-only/);
    });

    it('looks an entry up by id with who recorded it, the evidence and the decision', async () => {
      const fund = await fundWith('fund.lookup', '1.00');
      const entry = transfer(bookId, source, fund, '5000.00', { evidence: 'INV-2026-045', decisionRef: 'ballot-21-1', memo: '幸福资金补助', metadata: { project: 'rails-45' } });
      await post(ledger.rpc, entry);
      expect(await ledger.rpc.call(LedgerRpc.getEntry, { entryId: entry.id })).toMatchObject({
        recordedBy: 'finance-officer-1',
        evidence: 'INV-2026-045',
        decisionRef: 'ballot-21-1',
        memo: '幸福资金补助',
        metadata: { project: 'rails-45' },
        postings: [expect.objectContaining({ side: Side.DEBIT, amount: expect.objectContaining({ amount: '5000.00' }) }), expect.anything()],
      });
    });
  });
});

describe('the events of a posting', () => {
  let ledger: LedgerFixture;

  /** The relay polls once a minute here: only the posting's own wake-up can publish its events sooner. */
  beforeAll(async () => {
    ledger = await startLedger({ outboxPollIntervalMs: 60_000 });
  });

  afterAll(() => ledger.stop());

  it('are published as soon as the write commits, without waiting for the relay’s poll', async () => {
    const book = (await openBook(ledger.rpc)).id;
    const household = (await openAccount(ledger.rpc, book, 'counterparty.household.12-101', { normalSide: Side.DEBIT, kind: AccountKind.COUNTERPARTY })).id;
    const fund = (await openAccount(ledger.rpc, book, 'fund.project.rails')).id;
    await post(ledger.rpc, transfer(book, household, fund, '500.00'));
    const eventsOfTheBook = `SELECT subject, published_at IS NOT NULL AS published FROM messaging_outbox
      WHERE subject IN ('evt.ledger.entries_posted', 'evt.ledger.chain_head_advanced') AND envelope LIKE $1 ORDER BY subject`;
    await eventually(async () => {
      expect(await ledger.dataSource.query(eventsOfTheBook, [`%${book}%`])).toEqual([
        { subject: 'evt.ledger.chain_head_advanced', published: true },
        { subject: 'evt.ledger.entries_posted', published: true },
      ]);
    }, 3_000);
  });
});
