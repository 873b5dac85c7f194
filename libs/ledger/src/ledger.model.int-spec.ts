import fc from 'fast-check';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import { AccountKind, EntryKind, EntryStatus, LedgerRpc, Side } from '@yishi/contracts';
import { fromMinorUnits } from '@yishi/money';
import { eventually } from '@yishi/testing';

import { checkInvariants, openAccount, openBook, post, startLedger, transfer, type LedgerFixture } from './testing/ledger-fixture';

/**
 * A plain in-memory ledger: what the real one must agree with after every step. Funds are
 * credit-normal and may not be overdrawn; the source is debit-normal and unlimited.
 */
interface ModelAccount {
  readonly limited: boolean;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

interface ModelPending {
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly expiresAt: number | null;
  state: 'pending' | 'posted' | 'voided' | 'expired';
}

/** A posted transfer that applied: what a reversal must undo. */
interface ModelTransfer {
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

/** A request sent: its entries (a linked chain, or one entry) and the answers they got. */
interface SentRequest {
  readonly entries: ReturnType<typeof transfer>[];
  readonly results: { status: EntryStatus; refusal: string }[];
}

class Model {
  readonly accounts: ModelAccount[] = [
    { limited: false, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n },
    { limited: true, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n },
    { limited: true, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n },
  ];
  readonly pendings: ModelPending[] = [];
  readonly sent: SentRequest[] = [];
  readonly transfers: ModelTransfer[] = [];
  readonly reversed = new Set<string>();

  /** Moves a posted transfer; returns the refusal, or '' and keeps it for reversals. */
  transfer(applied: ModelTransfer): string {
    const refusal = this.move([
      { account: applied.from, field: 'debitsPosted', by: applied.amount },
      { account: applied.to, field: 'creditsPosted', by: applied.amount },
    ]);
    if (refusal === '') this.transfers.push(applied);
    return refusal;
  }

  /** Applies a movement set if no limit breaks; returns the refusal otherwise. */
  move(changes: { account: number; field: 'debitsPosted' | 'creditsPosted' | 'debitsPending' | 'creditsPending'; by: bigint }[]): string {
    const copies = this.accounts.map((account) => ({ ...account }));
    for (const change of changes) copies[change.account]![change.field] += change.by;
    const broken = copies.find((account) => account.limited && account.debitsPosted + account.debitsPending > account.creditsPosted);
    if (broken) return 'EXCEEDS_CREDITS';
    copies.forEach((copy, index) => Object.assign(this.accounts[index]!, copy));
    return '';
  }

  /** Applies posted transfers as one linked chain: all of them, or none, with the refusal of the first that fails. */
  moveLinked(transfers: readonly ModelTransfer[]): string[] {
    const before = this.accounts.map((account) => ({ ...account }));
    const kept = this.transfers.length;
    for (const [index, member] of transfers.entries()) {
      const refusal = this.transfer(member);
      if (refusal === '') continue;
      before.forEach((account, at) => Object.assign(this.accounts[at]!, account));
      this.transfers.length = kept;
      return transfers.map((_, other) => (other === index ? refusal : 'LINKED_ENTRY_FAILED'));
    }
    return transfers.map(() => '');
  }
}

interface Real {
  readonly ledger: LedgerFixture;
  readonly bookId: string;
  readonly accounts: string[];
}

type Command = fc.AsyncCommand<Model, Real>;

/** A lapsing reservation falls due this long after it is made; no step nor check starts within the margin before. */
const LAPSES_AFTER_MS = 600;
const LAPSE_MARGIN_MS = 250;

/** Sequences per run of the property: 12 in `npm test`, more by `MODEL_RUNS`, with time to match. */
const MODEL_RUNS = Number(process.env['MODEL_RUNS'] ?? 12);

const amountArb = fc.bigInt({ min: 1n, max: 5_000n });
const accountArb = fc.integer({ min: 0, max: 2 });

function expectResult(actual: { status: EntryStatus; refusal: string }, refusal: string): void {
  expect({ refusal: actual.refusal, applied: actual.status === EntryStatus.APPLIED }).toEqual({ refusal, applied: refusal === '' });
}

class Transfer implements Command {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly amount: bigint,
  ) {}
  check = (): boolean => this.from !== this.to;
  async run(model: Model, real: Real): Promise<void> {
    const entry = transfer(real.bookId, real.accounts[this.from]!, real.accounts[this.to]!, fromMinorUnits(this.amount, 'CNY'));
    const [result] = await post(real.ledger.rpc, entry);
    expectResult(result!, model.transfer({ id: entry.id!, from: this.from, to: this.to, amount: this.amount }));
    model.sent.push({ entries: [entry], results: [result!] });
  }
  toString = (): string => `transfer ${this.from}→${this.to} ${this.amount}`;
}

/** Two transfers in one request, linked: both apply or neither does. */
class LinkedTransfers implements Command {
  constructor(readonly transfers: readonly { from: number; to: number; amount: bigint }[]) {}
  check = (): boolean => this.transfers.every(({ from, to }) => from !== to);
  async run(model: Model, real: Real): Promise<void> {
    const entries = this.transfers.map(({ from, to, amount }, index) =>
      transfer(real.bookId, real.accounts[from]!, real.accounts[to]!, fromMinorUnits(amount, 'CNY'), { linked: index < this.transfers.length - 1 }),
    );
    const results = await post(real.ledger.rpc, ...entries);
    const refusals = model.moveLinked(this.transfers.map((member, index) => ({ ...member, id: entries[index]!.id! })));
    results.forEach((result, index) => expectResult(result, refusals[index]!));
    model.sent.push({ entries, results });
  }
  toString = (): string => `linked ${this.transfers.map(({ from, to, amount }) => `${from}→${to} ${amount}`).join(', ')}`;
}

class Reserve implements Command {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly amount: bigint,
    readonly lapses: boolean,
  ) {}
  check = (): boolean => this.from !== this.to;
  async run(model: Model, real: Real): Promise<void> {
    const expiresAt = this.lapses ? Date.now() + LAPSES_AFTER_MS : null;
    const entry = transfer(real.bookId, real.accounts[this.from]!, real.accounts[this.to]!, fromMinorUnits(this.amount, 'CNY'), {
      kind: EntryKind.PENDING,
      ...(expiresAt ? { expiresAt: timestampFromDate(new Date(expiresAt)) } : {}),
    });
    const [result] = await post(real.ledger.rpc, entry);
    // An answer slower than the reservation was to last may find it lapsed on arrival.
    const lapsedOnArrival = expiresAt !== null && Date.now() >= expiresAt && result!.refusal === 'EXPIRES_AT_PASSED';
    const refusal = lapsedOnArrival
      ? 'EXPIRES_AT_PASSED'
      : model.move([
          { account: this.from, field: 'debitsPending', by: this.amount },
          { account: this.to, field: 'creditsPending', by: this.amount },
        ]);
    expectResult(result!, refusal);
    if (refusal === '') model.pendings.push({ id: entry.id!, from: this.from, to: this.to, amount: this.amount, expiresAt, state: 'pending' });
    model.sent.push({ entries: [entry], results: [result!] });
  }
  toString = (): string => `reserve ${this.from}→${this.to} ${this.amount}${this.lapses ? ' (lapses)' : ''}`;
}

/** Posts (part of) or voids a reservation that is still open in the model and has not lapsed. */
class Resolve implements Command {
  constructor(
    readonly pick: number,
    readonly share: number,
    readonly voiding: boolean,
  ) {}
  check = (model: Readonly<Model>): boolean => model.pendings.some((pending) => pending.state === 'pending' && pending.expiresAt === null);
  async run(model: Model, real: Real): Promise<void> {
    const open = model.pendings.filter((pending) => pending.state === 'pending' && pending.expiresAt === null);
    const pending = open[this.pick % open.length]!;
    const posted = this.voiding ? 0n : (pending.amount * BigInt(this.share)) / 100n || 1n;
    const entry = this.voiding
      ? { ...transfer(real.bookId, real.accounts[0]!, real.accounts[1]!, '1.00', { kind: EntryKind.VOID_PENDING, pendingId: pending.id }), postings: [] }
      : transfer(real.bookId, real.accounts[pending.from]!, real.accounts[pending.to]!, fromMinorUnits(posted, 'CNY'), {
          kind: EntryKind.POST_PENDING,
          pendingId: pending.id,
        });
    const [result] = await post(real.ledger.rpc, entry);
    const refusal = model.move([
      { account: pending.from, field: 'debitsPending', by: -pending.amount },
      { account: pending.to, field: 'creditsPending', by: -pending.amount },
      { account: pending.from, field: 'debitsPosted', by: posted },
      { account: pending.to, field: 'creditsPosted', by: posted },
    ]);
    expectResult(result!, refusal);
    pending.state = this.voiding ? 'voided' : 'posted';
    model.sent.push({ entries: [entry], results: [result!] });
  }
  toString = (): string => (this.voiding ? `void #${this.pick}` : `post #${this.pick} at ${this.share}%`);
}

/** Reverses a posted transfer (or a reversal): once, and refused where the money has been spent since. */
class Reverse implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>): boolean => model.transfers.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const target = model.transfers[this.pick % model.transfers.length]!;
    const entry = transfer(real.bookId, real.accounts[target.to]!, real.accounts[target.from]!, fromMinorUnits(target.amount, 'CNY'), {
      reversesEntryId: target.id,
    });
    const [result] = await post(real.ledger.rpc, entry);
    const refusal = model.reversed.has(target.id)
      ? 'ENTRY_ALREADY_REVERSED'
      : model.transfer({ id: entry.id!, from: target.to, to: target.from, amount: target.amount });
    if (refusal === '') model.reversed.add(target.id);
    expectResult(result!, refusal);
    model.sent.push({ entries: [entry], results: [result!] });
  }
  toString = (): string => `reverse #${this.pick}`;
}

/** Sends an earlier request again, unchanged: each entry must get its first answer and change nothing. */
class Retry implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>): boolean => model.sent.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const earlier = model.sent[this.pick % model.sent.length]!;
    const results = await post(real.ledger.rpc, ...earlier.entries);
    expect(results).toEqual(earlier.results.map(({ status, refusal }) => expect.objectContaining({ status, refusal, replayed: true })));
  }
  toString = (): string => `retry #${this.pick}`;
}

/** Waits until every lapsing reservation is due and released by the ledger's own sweep. */
class Lapse implements Command {
  check = (model: Readonly<Model>): boolean => model.pendings.some((pending) => pending.state === 'pending' && pending.expiresAt !== null);
  async run(model: Model, real: Real): Promise<void> {
    await lapseDue(model, real, Infinity);
  }
  toString = (): string => 'let reservations lapse';
}

/**
 * Releases in the model every lapsing reservation due by `horizon`, then waits until the ledger's
 * sweep has released them too, releasing in the model also those that fall due meanwhile. Run with
 * a margin before each step and before its checks, so that the ledger's sweep does not get ahead of
 * the model while the step sends its requests or while its outcome is compared.
 */
async function lapseDue(model: Model, real: Real, horizon: number): Promise<void> {
  if (!lapseInModel(model, horizon)) return;
  await eventually(async () => {
    lapseInModel(model, Date.now() + LAPSE_MARGIN_MS);
    await compareBalances(model, real);
  }, 10_000);
}

/** Releases in the model the lapsing reservations due by `horizon`; whether there were any. */
function lapseInModel(model: Model, horizon: number): boolean {
  const due = model.pendings.filter((pending) => pending.state === 'pending' && pending.expiresAt !== null && pending.expiresAt <= horizon);
  for (const pending of due) {
    model.move([
      { account: pending.from, field: 'debitsPending', by: -pending.amount },
      { account: pending.to, field: 'creditsPending', by: -pending.amount },
    ]);
    pending.state = 'expired';
  }
  return due.length > 0;
}

class Restart implements Command {
  check = (): boolean => true;
  async run(_model: Model, real: Real): Promise<void> {
    await real.ledger.restart();
  }
  toString = (): string => 'restart the ledger';
}

async function compareBalances(model: Model, real: Real): Promise<void> {
  const actual = await Promise.all(real.accounts.map((accountId) => real.ledger.rpc.call(LedgerRpc.getAccount, { accountId })));
  expect(actual.map((account) => account.balance)).toEqual(
    model.accounts.map((account) =>
      expect.objectContaining({
        debitsPosted: fromMinorUnits(account.debitsPosted, 'CNY'),
        creditsPosted: fromMinorUnits(account.creditsPosted, 'CNY'),
        debitsPending: fromMinorUnits(account.debitsPending, 'CNY'),
        creditsPending: fromMinorUnits(account.creditsPending, 'CNY'),
      }),
    ),
  );
}

/**
 * Each applied entry is in the book once and nothing refused is (the sweep's expiries aside), and
 * every reservation is in the state the model has for it.
 */
async function compareJournal(model: Model, real: Real): Promise<void> {
  const applied = model.sent.flatMap(({ entries, results }) => entries.filter((_, index) => results[index]!.status === EntryStatus.APPLIED).map((entry) => entry.id!));
  const written: { id: string }[] = await real.ledger.dataSource.query(
    `SELECT id FROM ledger_entry WHERE book_id = $1 AND kind <> 'expire_pending'`,
    [real.bookId],
  );
  expect(written.map(({ id }) => id).sort()).toEqual(applied.sort());
  const reservations: { id: string; state: string }[] = await real.ledger.dataSource.query(
    `SELECT id, state FROM ledger_pending_transfer WHERE book_id = $1`,
    [real.bookId],
  );
  expect(new Map(reservations.map(({ id, state }) => [id, state]))).toEqual(new Map(model.pendings.map(({ id, state }) => [id, state])));
}

const commands = [
  fc.tuple(accountArb, accountArb, amountArb).map(([from, to, amount]) => new Transfer(from, to, amount)),
  fc.array(fc.record({ from: accountArb, to: accountArb, amount: amountArb }), { minLength: 2, maxLength: 3 }).map((transfers) => new LinkedTransfers(transfers)),
  fc.tuple(accountArb, accountArb, amountArb, fc.boolean()).map(([from, to, amount, lapses]) => new Reserve(from, to, amount, lapses)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 100 }), fc.boolean()).map(([pick, share, voiding]) => new Resolve(pick, share, voiding)),
  fc.nat().map((pick) => new Reverse(pick)),
  fc.nat().map((pick) => new Retry(pick)),
  fc.constant(new Lapse()),
  fc.constant(new Restart()),
];

describe('the ledger against a plain in-memory model (fast-check)', () => {
  let ledger: LedgerFixture;

  beforeAll(async () => {
    ledger = await startLedger();
  });

  afterAll(async () => {
    await checkInvariants(ledger.rpc, ledger.dataSource);
    await ledger.stop();
  });

  let stepsRun = 0;

  it('agrees with the model and keeps the invariants after every step of random transfers, linked chains, reservations, reversals, retries, lapses and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'large' }), async (steps) => {
        const bookId = (await openBook(ledger.rpc)).id;
        const accounts = [
          (await openAccount(ledger.rpc, bookId, 'counterparty.source', { kind: AccountKind.COUNTERPARTY, normalSide: Side.DEBIT })).id,
          (await openAccount(ledger.rpc, bookId, 'fund.a', { noOverdraft: true })).id,
          (await openAccount(ledger.rpc, bookId, 'fund.b', { noOverdraft: true })).id,
        ];
        const real: Real = { ledger, bookId, accounts };
        await fc.asyncModelRun(() => ({ model: new Model(), real }), [...steps].map((step) => withCheck(step)));
        stepsRun += [...steps].length;
      }),
      { numRuns: MODEL_RUNS, endOnFailure: true },
    );
    expect(stepsRun).toBeGreaterThan(100); // the property really exercised the ledger
  }, 60_000 + MODEL_RUNS * 2_000);
});

/**
 * Lets the reservations due soon lapse, runs the step, lets those due soon lapse again (a slow step
 * may have brought some near), then compares every balance, entry and reservation with the model
 * and checks the book's invariants.
 */
function withCheck(step: Command): Command {
  return {
    check: (model) => step.check(model),
    run: async (model, real) => {
      await lapseDue(model, real, Date.now() + LAPSE_MARGIN_MS);
      await step.run(model, real);
      await lapseDue(model, real, Date.now() + LAPSE_MARGIN_MS);
      await compareBalances(model, real);
      await compareJournal(model, real);
      await checkInvariants(real.ledger.rpc, real.ledger.dataSource, real.bookId);
    },
    toString: () => step.toString(),
  };
}
