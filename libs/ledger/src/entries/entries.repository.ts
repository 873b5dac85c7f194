import { createHash } from 'node:crypto';

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

import type { Logger } from '@yishi/logging';
import { outboxCommitted, outboxInsert, type OutboxRows } from '@yishi/messaging';
import {
  dateColumn,
  hexByteaColumn,
  int2Array,
  int8Array,
  int8Column,
  isUuid,
  textArray,
  textColumn,
  timestamptzColumn,
  uuidArray,
  uuidColumn,
  type ArrayParameter,
  type Column,
} from '@yishi/persistence';
import { LOGGER } from '@yishi/service-kit';

import type { BatchState, BatchWrites, RequestRow } from './batch-application';
import { writesNothing } from './state-after';
import {
  entryInBook,
  type AccountState,
  type BookHead,
  type EntryDraft,
  type PendingTransferState,
  type ReversalTarget,
  type Side,
  type StoredOutcome,
} from './entry.model';
import type { EntryRow, PostingColumns } from './entry-rows';

interface BookRow {
  id: string;
  head_sequence: string;
  head_hash: string | null;
  head_recorded_at: string | null;
  version: string;
}

const ACCOUNT_COLUMNS = `id, book_id, currency, closed, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
  debits_posted::text AS debits_posted, credits_posted::text AS credits_posted,
  debits_pending::text AS debits_pending, credits_pending::text AS credits_pending`;

/** Accounts read along with a book the first time this process writes it (ADR 0017). */
const ACCOUNTS_READ_WITH_BOOK = 50_000;

/**
 * Bigints travel as text inside JSON, so no amount ever passes through a JS number. Accounts of the
 * books in $6 are read besides the batch's own, up to a limit: an account read twice is the same row.
 */
const BATCH_STATE = `
  WITH b AS (
         SELECT id, head_sequence::text AS head_sequence, encode(head_hash, 'hex') AS head_hash, head_recorded_at, version::text AS version
           FROM ledger_book WHERE id = ANY($5::uuid[])),
       p AS (
         SELECT id, book_id, debit_account_id, credit_account_id, amount::text AS amount, currency, expires_at, state, resolved_by_entry_id
           FROM ledger_pending_transfer WHERE id = ANY($1::uuid[])),
       a AS (
         SELECT ${ACCOUNT_COLUMNS} FROM ledger_account
          WHERE id = ANY($2::uuid[] || ARRAY(SELECT debit_account_id FROM p) || ARRAY(SELECT credit_account_id FROM p))
         UNION ALL
         (SELECT ${ACCOUNT_COLUMNS} FROM ledger_account WHERE book_id = ANY($6::uuid[]) LIMIT ${ACCOUNTS_READ_WITH_BOOK})),
       r AS (
         SELECT id, encode(fingerprint, 'hex') AS fingerprint, refusal, sequence::text AS sequence, encode(hash, 'hex') AS hash
           FROM ledger_request WHERE id = ANY($3::uuid[]))
  SELECT (SELECT COALESCE(json_agg(b), '[]') FROM b) AS books,
         (SELECT COALESCE(json_agg(p), '[]') FROM p) AS pendings,
         (SELECT COALESCE(json_agg(a), '[]') FROM a) AS accounts,
         (SELECT COALESCE(json_agg(r), '[]') FROM r) AS outcomes,
         (SELECT COALESCE(json_agg(json_build_object(
                   'book_id', e.book_id, 'id', e.id,
                   'reversed', EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_entry_id = e.id),
                   'lines', (SELECT COALESCE(json_agg(json_build_array(p.account_id, p.side, p.amount::text, p.currency) ORDER BY p.line), '[]')
                               FROM ledger_posting p WHERE p.book_sequence = e.sequence AND p.entry_id = e.id AND p.phase = 'posted'))), '[]')
            FROM ledger_entry e WHERE e.id = ANY($4::uuid[])) AS reversed`;

interface BatchStateRow {
  books: BookRow[];
  pendings: (Omit<PendingRow, 'expires_at'> & { expires_at: string | null })[];
  accounts: AccountRow[];
  outcomes: RequestRowRead[];
  /** Each entry a reversal names, whether it is reversed already, and its posted lines (account, side, amount, currency). */
  reversed: { book_id: string; id: string; reversed: boolean; lines: [string, Side, string, string][] }[];
}

interface AccountRow {
  id: string;
  book_id: string;
  currency: string;
  closed: boolean;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

interface PendingRow {
  id: string;
  book_id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: string;
  currency: string;
  expires_at: Date | null;
  state: PendingTransferState['state'];
  resolved_by_entry_id: string | null;
}

interface RequestRowRead {
  id: string;
  fingerprint: string;
  refusal: string | null;
  sequence: string | null;
  hash: string | null;
}

const toBigInt = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

function toAccountState(row: AccountRow): AccountState {
  return {
    id: row.id,
    bookId: row.book_id,
    currency: row.currency,
    closed: row.closed,
    debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
    creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
    debitsPosted: BigInt(row.debits_posted),
    creditsPosted: BigInt(row.credits_posted),
    debitsPending: BigInt(row.debits_pending),
    creditsPending: BigInt(row.credits_pending),
  };
}

function toPendingState(row: BatchStateRow['pendings'][number]): PendingTransferState {
  return {
    id: row.id,
    bookId: row.book_id,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amount: BigInt(row.amount),
    currency: row.currency,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    state: row.state,
    resolvedByEntryId: row.resolved_by_entry_id,
  };
}

function toStoredOutcome(row: RequestRowRead): StoredOutcome {
  return { fingerprint: row.fingerprint, refusal: row.refusal, sequence: toBigInt(row.sequence), hash: row.hash };
}

/**
 * The ledger's hot path in SQL: a batch's state is read in one statement and the batch written in
 * one, guarded by the versions of its books (or, on a retry, under their locks, taken in id order
 * so concurrent batches never deadlock). No ORM load-then-save.
 */
@Injectable()
export class EntriesRepository implements OnApplicationShutdown {
  /** The posting path's own connections, with POSTING_SETTINGS. */
  private readonly postingPool: Pool;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource, @Inject(LOGGER) logger: Logger) {
    const { url } = dataSource.options as PostgresConnectionOptions;
    this.postingPool = new Pool({ connectionString: url, max: POSTING_CONNECTIONS, application_name: 'ledger-posting', options: POSTING_SETTINGS });
    // An idle connection that the server ends (a restart, an administrator) is dropped by the pool,
    // which reports it here: unheard, that report would end the process.
    this.postingPool.on('error', (error) => logger.warn({ err: error }, 'an idle posting connection was closed by the server; the pool opens another'));
  }

  async pendingTransfer(id: string): Promise<PendingTransferState | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT id, book_id, debit_account_id, credit_account_id, amount::text AS amount, currency, expires_at, state, resolved_by_entry_id
         FROM ledger_pending_transfer WHERE id = $1`,
      [id],
    )) as PendingRow[];
    return row ? toPendingState({ ...row, expires_at: row.expires_at?.toISOString() ?? null }) : undefined;
  }

  /**
   * Runs `work` on a posting connection without a transaction: it reads the batch's state and
   * writes the batch as two statements, and the write fails whole (serialization failure) if
   * another writer changed one of the books in between. One round trip less than `locked`, and no
   * lock held while the batch is applied in memory.
   */
  unlocked<T>(work: (session: PostingSession) => Promise<T>): Promise<T> {
    return this.withSession(work);
  }

  /**
   * Runs `work` in a transaction that first locks the books (every writer of a book locks it
   * first, so the book row serialises them): the way through when unlocked writes keep meeting
   * other writers. Beginning and locking go in one round trip.
   */
  locked<T>(bookIds: readonly string[], work: (session: PostingSession) => Promise<T>): Promise<T> {
    return this.withSession(async (session) => {
      try {
        await session.simpleQuery(lockBooksStatement(bookIds));
        const result = await work(session);
        await session.simpleQuery('COMMIT');
        return result;
      } catch (error) {
        await session.simpleQuery('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.postingPool.end();
  }

  /** Runs `work` on a posting connection; once it has committed events, wakes the outbox relay beside it (ADR 0027). */
  private async withSession<T>(work: (session: PostingSession) => Promise<T>): Promise<T> {
    const client = await this.postingPool.connect();
    try {
      const session = new PostingSession(client);
      const result = await work(session);
      if (session.recordedEvents) outboxCommitted(this.dataSource);
      return result;
    } finally {
      client.release();
    }
  }

  /**
   * Books, accounts, pending transfers, stored outcomes and reversed entries of a batch, in one round
   * trip; with the accounts of `wholeBooks` too, so that this process starts with them in memory.
   */
  async batchState(session: PostingSession, drafts: readonly EntryDraft[], wholeBooks: readonly string[] = []): Promise<BatchState> {
    const keys = batchKeys(drafts);
    const [row] = await session.query<BatchStateRow>(BATCH_STATE, [
      uuidArray([...keys.pendings]),
      uuidArray([...keys.accounts]),
      uuidArray(keys.ids),
      uuidArray([...keys.reversed]),
      uuidArray([...keys.books]),
      uuidArray(wholeBooks),
    ]);
    return {
      books: new Map(row!.books.map((book) => [book.id, toBookHead(book)])),
      pendings: new Map(row!.pendings.map((pending) => [pending.id, toPendingState(pending)])),
      accounts: new Map(row!.accounts.map((account) => [account.id, toAccountState(account)])),
      storedOutcomes: new Map(row!.outcomes.map((outcome) => [outcome.id, toStoredOutcome(outcome)])),
      reversalTargets: new Map(row!.reversed.map((target) => [entryInBook(target.book_id, target.id), toReversalTarget(target)])),
    };
  }

  /**
   * Writes a whole batch in one statement (one round trip): entries, postings, request outcomes,
   * pending transfers, balances, book heads and outbox events, as data-modifying CTEs. The rows it
   * appends go in first, then the books are locked and checked, then balances and pending
   * transfers are updated: a batch sent while the one before it is still being written appends
   * alongside it and waits only for the books (ADR 0013).
   */
  async write(session: PostingSession, writes: BatchWrites, state: BatchState, events: OutboxRows, order: WriteOrder): Promise<void> {
    if (writesNothing(writes)) return this.giveBackTicket(session, order.ticket);
    try {
      const statement = batchStatement(writes, state, events, order);
      await session.query(statement.text, statement.parameters);
      session.recordedEvents ||= events.ids.length > 0;
    } catch (error) {
      // The statement gives the ticket back only once the books are written; a follower must never wait for it in vain.
      await this.giveBackTicket(session, order.ticket).catch(() => undefined);
      throw error;
    }
  }

  /** Takes a write's ticket on the connection that will send the write, which gives it back (ADR 0013). */
  async takeTicket(session: PostingSession, ticket: number): Promise<void> {
    await session.query(`SELECT ${lockTicket('$1::int4')}`, [ticket]);
  }

  private async giveBackTicket(session: PostingSession, ticket: number | null): Promise<void> {
    if (ticket !== null) await session.query(`SELECT ${unlockTicket('$1::int4')}`, [ticket]);
  }
}

/**
 * Where a write stands among the writes in flight (ADR 0013). A write sent from the posting queue
 * holds a ticket, a session advisory lock taken before the write is sent, and gives it back once
 * its books are written (their row locks then hold the next writer until it commits). A write
 * that follows another closely waits for that one's ticket after appending its rows and before it
 * locks its books.
 */
export interface WriteOrder {
  readonly ticket: number | null;
  readonly follows: number | null;
}

/** The advisory-lock class of batch tickets ('LBAT'). */
const BATCH_TICKETS = 0x4c424154;

const lockTicket = (ticket: string): string => `pg_advisory_lock(${BATCH_TICKETS}, ${ticket})`;
const unlockTicket = (ticket: string): string => `pg_advisory_unlock(${BATCH_TICKETS}, ${ticket})`;

function batchStatement(writes: BatchWrites, state: BatchState, events: OutboxRows, order: WriteOrder): { text: string; parameters: unknown[] } {
  const statement = new BatchStatement();
  statement.append(entriesInsert, writes.entries, entryColumns);
  statement.append(postingsInsert, writes.postings, postingColumns);
  statement.append(requestsInsert, writes.requests, requestColumns);
  statement.append(pendingsInsert, writes.newPendings, pendingColumns);
  const books = [...state.books.values()];
  const booksWritten = statement.add(booksUpdate, books, bookColumns(chainedOnto(writes.entries)));
  statement.add(() => momentsInsert(booksWritten), books, []);
  statement.add(pendingsUpdate, [...writes.resolvedPendings.values()].filter((pending) => !writes.newPendings.includes(pending)), resolvedColumns);
  statement.add(accountsUpdate, [...writes.touchedAccounts].map((id) => state.accounts.get(id)!), accountColumns);
  statement.add((ids, subjects, envelopes) => outboxInsert(ids!, subjects!, envelopes!), events.ids, [
    () => uuidArray(events.ids),
    () => textArray(events.subjects),
    () => textArray(events.envelopes),
  ]);
  // The final SELECT runs the appended rows' CTEs, waits for the write this one follows, runs the
  // book update and gives this write's ticket back, in that order; every other CTE runs after
  // them. Balances are only touched under the book's lock, as on the locked path, and a stale
  // book fails the statement before they are.
  const ticket = (value: number): string => `$${statement.parameters.push(value)}::int4`;
  const waits = order.follows === null ? [] : [lockTicket(ticket(order.follows)), unlockTicket(ticket(order.follows))];
  const check = `CASE WHEN (SELECT count(*) FROM ${booksWritten}) < ${books.length} THEN ledger_book_changed() END`;
  const givesBack = order.ticket === null ? [] : [unlockTicket(ticket(order.ticket))];
  return { text: statement.sql([...waits, check, ...givesBack]), parameters: statement.parameters };
}

/** The head each book's first new entry chains onto, which the book must still have when the batch is written. */
function chainedOnto(entries: readonly EntryRow[]): Map<string, string> {
  const heads = new Map<string, string>();
  for (const entry of entries) if (!heads.has(entry.bookId)) heads.set(entry.bookId, entry.previousHash);
  return heads;
}

/**
 * A posting connection. Its statements are prepared once per connection and planned once
 * (generic plans, see POSTING_SETTINGS): planning the batch statement afresh cost more than
 * running it.
 */
export class PostingSession {
  /** Whether a statement on this session recorded events: the relay is woken once they are committed. */
  recordedEvents = false;

  constructor(private readonly client: PoolClient) {}

  /** A statement without parameters, in the simple protocol (several may go in one round trip). */
  async simpleQuery(text: string): Promise<void> {
    await this.client.query(text);
  }

  async query<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    return (await this.client.query({ name: statementName(text), text, values: [...values] })).rows as R[];
  }
}

const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `ledger_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Settings of the posting connections: plans are generic and joins and lookups use indexes. Every
 * statement of a batch joins a few arrays to primary keys, which a generic plan would otherwise
 * estimate as large and hash-join with a full scan; and a generic plan made while a table was
 * small scanned all of it for each batch ever after (the reversed-entries lookup did, on a
 * journal of millions). The journal checks read a batch's new rows from tuplestores, which with the
 * default 4 MB of work memory spilled to temporary files for batches of 16,000 entries (ADR 0016).
 * Reports use the service's other connections.
 */
const POSTING_SETTINGS =
  '-c plan_cache_mode=force_generic_plan -c enable_hashjoin=off -c enable_mergejoin=off -c enable_seqscan=off -c work_mem=32MB';

/** Two batches are written while the next is read; the fourth connection is spare while one reconnects. */
const POSTING_CONNECTIONS = 4;

/** Begins a transaction and locks the books in one round trip (the ids are inlined after a UUID check). */
function lockBooksStatement(bookIds: readonly string[]): string {
  const ids = unique(bookIds).map((id) => {
    if (!isUuid(id)) throw new Error(`not a book id: ${id}`);
    return `'${id}'`;
  });
  return `BEGIN; SELECT 1 FROM ledger_book WHERE id = ANY(ARRAY[${ids.join(', ')}]::uuid[]) ORDER BY id FOR UPDATE`;
}

function toReversalTarget({ reversed, lines }: BatchStateRow['reversed'][number]): ReversalTarget {
  return { reversed, lines: lines.map(([accountId, side, amount, currency]) => ({ accountId, side, amount: BigInt(amount), currency })) };
}

function toBookHead(row: BookRow): BookHead {
  return {
    id: row.id,
    sequence: BigInt(row.head_sequence),
    hash: row.head_hash ?? '',
    recordedAt: row.head_recorded_at === null ? null : new Date(row.head_recorded_at),
    version: BigInt(row.version),
  };
}

/** A batch's rows of one table: an array of them, or their columns (postings). */
type Rows = { readonly length: number };

/** The array parameters read from rows, one per column. */
type ColumnsOf<T extends Rows> = readonly ((rows: T) => ArrayParameter)[];

/** Data-modifying CTEs over array parameters, run as one statement. */
class BatchStatement {
  private readonly ctes: string[] = [];
  /** CTEs the final SELECT runs first, in the order added. */
  private readonly appended: string[] = [];
  readonly parameters: unknown[] = [];

  /** Adds `sql(...placeholders)` fed by the rows' columns (one array parameter each), unless there are no rows; returns the CTE's name. */
  add<T extends Rows>(sql: (...placeholders: string[]) => string, rows: T, columns: ColumnsOf<T>): string {
    const name = `w${this.ctes.length}`;
    if (rows.length === 0) return name;
    const placeholders = columns.map((column) => `$${this.parameters.push(column(rows))}`);
    this.ctes.push(`${name} AS (${sql(...placeholders)})`);
    return name;
  }

  /** Adds an insert that the statement runs before every CTE added with `add`, in the order appended. */
  append<T extends Rows>(sql: (...placeholders: string[]) => string, rows: T, columns: ColumnsOf<T>): void {
    if (rows.length === 0) return;
    this.appended.push(this.add((...placeholders) => `${sql(...placeholders)} RETURNING 1`, rows, columns));
  }

  /** The statement, whose final SELECT evaluates the appended CTEs and then `columns`, in order. */
  sql(columns: readonly string[]): string {
    const appended = this.appended.map((name) => `(SELECT count(*) FROM ${name})`);
    return `WITH ${this.ctes.join(',\n')}\nSELECT ${[...appended, ...columns].join(', ')}`;
  }
}

/**
 * Metadata arrives as text and is cast entry by entry, the usual empty object as a constant: a
 * `jsonb[]` parameter cost Postgres 33 ms for 16,000 empty objects, where this costs 3 (ADR 0015).
 */
const entriesInsert = (...p: string[]): string => `
  INSERT INTO ledger_entry (id, book_id, sequence, kind, effective_date, memo, recorded_by, evidence, decision_ref,
                            metadata, pending_id, reverses_entry_id, recorded_at, previous_hash, hash)
  SELECT e.id, e.book_id, e.sequence, e.kind, e.effective_date, e.memo, e.recorded_by, e.evidence, e.decision_ref,
         CASE e.metadata WHEN '{}' THEN '{}'::jsonb ELSE e.metadata::jsonb END,
         e.pending_id, e.reverses_entry_id, e.recorded_at, e.previous_hash, e.hash
    FROM unnest(${p[0]}::uuid[], ${p[1]}::uuid[], ${p[2]}::bigint[], ${p[3]}::text[], ${p[4]}::date[], ${p[5]}::text[], ${p[6]}::text[],
                ${p[7]}::text[], ${p[8]}::text[], ${p[9]}::text[], ${p[10]}::uuid[], ${p[11]}::uuid[], ${p[12]}::timestamptz[],
                ${p[13]}::bytea[], ${p[14]}::bytea[])
      AS e(id, book_id, sequence, kind, effective_date, memo, recorded_by, evidence, decision_ref,
           metadata, pending_id, reverses_entry_id, recorded_at, previous_hash, hash)`;

const entryColumns: Column<EntryRow>[] = [
  uuidColumn((e) => e.id),
  uuidColumn((e) => e.bookId),
  int8Column((e) => e.sequence),
  textColumn((e) => e.kind),
  dateColumn((e) => e.effectiveDate),
  textColumn((e) => e.memo),
  textColumn((e) => e.recordedBy),
  textColumn((e) => e.evidence),
  textColumn((e) => e.decisionRef),
  textColumn((e) => JSON.stringify(e.metadata)),
  uuidColumn((e) => e.pendingId),
  uuidColumn((e) => e.reversesEntryId),
  timestamptzColumn((e) => e.recordedAt),
  hexByteaColumn((e) => e.previousHash),
  hexByteaColumn((e) => e.hash),
];

const postingsInsert = (...p: string[]): string => `
  INSERT INTO ledger_posting (entry_id, line, account_id, book_sequence, phase, side, amount, currency, debits_posted_after, credits_posted_after)
  SELECT * FROM unnest(${p[0]}::uuid[], ${p[1]}::smallint[], ${p[2]}::uuid[], ${p[3]}::bigint[], ${p[4]}::text[], ${p[5]}::text[],
                       ${p[6]}::bigint[], ${p[7]}::text[], ${p[8]}::bigint[], ${p[9]}::bigint[])`;

const postingColumns: ColumnsOf<PostingColumns> = [
  (p) => uuidArray(p.entryIds),
  (p) => int2Array(p.lines),
  (p) => uuidArray(p.accountIds),
  (p) => int8Array(p.bookSequences),
  (p) => textArray(p.phases),
  (p) => textArray(p.sides),
  (p) => int8Array(p.amounts),
  (p) => textArray(p.currencies),
  (p) => int8Array(p.debitsPostedAfter),
  (p) => int8Array(p.creditsPostedAfter),
];

const requestsInsert = (...p: string[]): string => `
  INSERT INTO ledger_request (id, book_id, fingerprint, refusal, sequence, hash)
  SELECT * FROM unnest(${p[0]}::uuid[], ${p[1]}::uuid[], ${p[2]}::bytea[], ${p[3]}::text[], ${p[4]}::bigint[], ${p[5]}::bytea[])`;

const requestColumns: Column<RequestRow>[] = [
  uuidColumn((r) => r.id),
  uuidColumn((r) => r.bookId),
  hexByteaColumn((r) => r.fingerprint),
  textColumn((r) => r.refusal),
  int8Column((r) => r.sequence),
  hexByteaColumn((r) => r.hash),
];

const pendingsInsert = (...p: string[]): string => `
  INSERT INTO ledger_pending_transfer (id, book_id, debit_account_id, credit_account_id, amount, currency, expires_at, state, resolved_by_entry_id)
  SELECT * FROM unnest(${p[0]}::uuid[], ${p[1]}::uuid[], ${p[2]}::uuid[], ${p[3]}::uuid[], ${p[4]}::bigint[], ${p[5]}::text[],
                       ${p[6]}::timestamptz[], ${p[7]}::text[], ${p[8]}::uuid[])`;

const pendingColumns: Column<PendingTransferState>[] = [
  uuidColumn((p) => p.id),
  uuidColumn((p) => p.bookId),
  uuidColumn((p) => p.debitAccountId),
  uuidColumn((p) => p.creditAccountId),
  int8Column((p) => p.amount),
  textColumn((p) => p.currency),
  timestamptzColumn((p) => p.expiresAt),
  textColumn((p) => p.state),
  uuidColumn((p) => p.resolvedByEntryId),
];

const pendingsUpdate = (...p: string[]): string => `
  UPDATE ledger_pending_transfer AS t SET state = u.state, resolved_by_entry_id = u.resolved_by
    FROM unnest(${p[0]}::uuid[], ${p[1]}::text[], ${p[2]}::uuid[]) AS u(id, state, resolved_by) WHERE t.id = u.id`;

const resolvedColumns: Column<PendingTransferState>[] = [
  uuidColumn((p) => p.id),
  textColumn((p) => p.state),
  uuidColumn((p) => p.resolvedByEntryId),
];

const accountsUpdate = (...p: string[]): string => `
  UPDATE ledger_account AS a
     SET debits_posted = u.debits_posted, credits_posted = u.credits_posted,
         debits_pending = u.debits_pending, credits_pending = u.credits_pending
    FROM unnest(${p[0]}::uuid[], ${p[1]}::bigint[], ${p[2]}::bigint[], ${p[3]}::bigint[], ${p[4]}::bigint[])
      AS u(id, debits_posted, credits_posted, debits_pending, credits_pending)
   WHERE a.id = u.id`;

const accountColumns: Column<AccountState>[] = [
  uuidColumn((a) => a.id),
  int8Column((a) => a.debitsPosted),
  int8Column((a) => a.creditsPosted),
  int8Column((a) => a.debitsPending),
  int8Column((a) => a.creditsPending),
];

/**
 * Every book of the batch, written only at the version it was read at and with the head its new
 * entries chain onto; returns those written, with their new and previous last sequences. The books
 * are locked first, in id order: a statement sent while the batch before it is written (ADR 0013)
 * waits there, and the lock then yields the version and head that batch left, which the
 * statement's older snapshot would not show (so the check must not be pushed into the locking
 * scan: hence MATERIALIZED). The head tells such a statement whether that batch committed or
 * someone else raised the version.
 */
const booksUpdate = (...p: string[]): string => `
  WITH locked AS MATERIALIZED (SELECT id, version, head_hash, head_sequence FROM ledger_book WHERE id = ANY(${p[0]}::uuid[]) ORDER BY id FOR UPDATE)
  UPDATE ledger_book AS b
     SET head_sequence = u.sequence, head_hash = u.hash, head_recorded_at = u.recorded_at, version = b.version + 1
    FROM unnest(${p[0]}::uuid[], ${p[1]}::bigint[], ${p[2]}::bytea[], ${p[3]}::timestamptz[], ${p[4]}::bigint[], ${p[5]}::bytea[])
      AS u(id, sequence, hash, recorded_at, version, chained_onto), locked
   WHERE b.id = u.id AND locked.id = u.id AND locked.version = u.version
     AND locked.head_hash IS NOT DISTINCT FROM u.chained_onto
  RETURNING b.id, u.sequence, u.recorded_at, locked.head_sequence AS previous_sequence`;

/** The moment of each book the write appended entries to, with its last sequence (see the book-moments migration). */
const momentsInsert = (booksWritten: string): string => `
  INSERT INTO ledger_book_moment (book_id, recorded_at, sequence)
  SELECT id, recorded_at, sequence FROM ${booksWritten} WHERE sequence > previous_sequence`;

const bookColumns = (chainedOnto: ReadonlyMap<string, string>): Column<BookHead>[] => [
  uuidColumn((b) => b.id),
  int8Column((b) => b.sequence),
  hexByteaColumn((b) => b.hash),
  timestamptzColumn((b) => b.recordedAt),
  int8Column((b) => b.version),
  hexByteaColumn((b) => chainedOnto.get(b.id) ?? b.hash),
];

/**
 * The keys a batch's state is read by, in one pass. Entry ids are left as they come: they repeat
 * only when a request is retried, and `= ANY` reads each row once however often its key is listed.
 */
function batchKeys(drafts: readonly EntryDraft[]) {
  const keys = { ids: drafts.map((draft) => draft.id), books: new Set<string>(), accounts: new Set<string>(), pendings: new Set<string>(), reversed: new Set<string>() };
  for (const draft of drafts) {
    keys.books.add(draft.bookId);
    for (const posting of draft.postings) keys.accounts.add(posting.accountId);
    if (draft.pendingId) keys.pendings.add(draft.pendingId);
    if (draft.reversesEntryId) keys.reversed.add(draft.reversesEntryId);
  }
  return keys;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
