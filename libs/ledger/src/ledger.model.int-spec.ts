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

interface SentEntry {
  readonly entry: ReturnType<typeof transfer>;
  readonly result: { status: EntryStatus; refusal: string };
}

class Model {
  readonly accounts: ModelAccount[] = [
    { limited: false, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n },
    { limited: true, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n },
    { limited: true, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n },
  ];
  readonly pendings: ModelPending[] = [];
  readonly sent: SentEntry[] = [];

  /** Applies a movement set if no limit breaks; returns the refusal otherwise. */
  move(changes: { account: number; field: 'debitsPosted' | 'creditsPosted' | 'debitsPending' | 'creditsPending'; by: bigint }[]): string {
    const copies = this.accounts.map((account) => ({ ...account }));
    for (const change of changes) copies[change.account]![change.field] += change.by;
    const broken = copies.find((account) => account.limited && account.debitsPosted + account.debitsPending > account.creditsPosted);
    if (broken) return 'EXCEEDS_CREDITS';
    copies.forEach((copy, index) => Object.assign(this.accounts[index]!, copy));
    return '';
  }
}

interface Real {
  readonly ledger: LedgerFixture;
  readonly bookId: string;
  readonly accounts: string[];
}

type Command = fc.AsyncCommand<Model, Real>;

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
    const refusal = model.move([
      { account: this.from, field: 'debitsPosted', by: this.amount },
      { account: this.to, field: 'creditsPosted', by: this.amount },
    ]);
    expectResult(result!, refusal);
    model.sent.push({ entry, result: result! });
  }
  toString = (): string => `transfer ${this.from}→${this.to} ${this.amount}`;
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
    const expiresAt = this.lapses ? Date.now() + 300 : null;
    const entry = transfer(real.bookId, real.accounts[this.from]!, real.accounts[this.to]!, fromMinorUnits(this.amount, 'CNY'), {
      kind: EntryKind.PENDING,
      ...(expiresAt ? { expiresAt: timestampFromDate(new Date(expiresAt)) } : {}),
    });
    const [result] = await post(real.ledger.rpc, entry);
    const refusal = model.move([
      { account: this.from, field: 'debitsPending', by: this.amount },
      { account: this.to, field: 'creditsPending', by: this.amount },
    ]);
    expectResult(result!, refusal);
    if (refusal === '') model.pendings.push({ id: entry.id!, from: this.from, to: this.to, amount: this.amount, expiresAt, state: 'pending' });
    model.sent.push({ entry, result: result! });
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
    model.sent.push({ entry, result: result! });
  }
  toString = (): string => (this.voiding ? `void #${this.pick}` : `post #${this.pick} at ${this.share}%`);
}

/** Sends an earlier entry again, unchanged: it must get its first answer and change nothing. */
class Retry implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>): boolean => model.sent.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const earlier = model.sent[this.pick % model.sent.length]!;
    const [result] = await post(real.ledger.rpc, earlier.entry);
    expect(result).toMatchObject({ status: earlier.result.status, refusal: earlier.result.refusal, replayed: true });
  }
  toString = (): string => `retry #${this.pick}`;
}

/** Waits until every lapsing reservation is due and released by the ledger's own sweep. */
class Lapse implements Command {
  check = (model: Readonly<Model>): boolean => model.pendings.some((pending) => pending.state === 'pending' && pending.expiresAt !== null);
  async run(model: Model, real: Real): Promise<void> {
    for (const pending of model.pendings.filter((candidate) => candidate.state === 'pending' && candidate.expiresAt !== null)) {
      model.move([
        { account: pending.from, field: 'debitsPending', by: -pending.amount },
        { account: pending.to, field: 'creditsPending', by: -pending.amount },
      ]);
      pending.state = 'expired';
    }
    await eventually(() => compareBalances(model, real), 10_000);
  }
  toString = (): string => 'let reservations lapse';
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

const commands = [
  fc.tuple(accountArb, accountArb, amountArb).map(([from, to, amount]) => new Transfer(from, to, amount)),
  fc.tuple(accountArb, accountArb, amountArb, fc.boolean()).map(([from, to, amount, lapses]) => new Reserve(from, to, amount, lapses)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 100 }), fc.boolean()).map(([pick, share, voiding]) => new Resolve(pick, share, voiding)),
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

  it('agrees with the model after every step of random transfers, reservations, retries, lapses and restarts', async () => {
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
        await checkInvariants(ledger.rpc, ledger.dataSource);
        stepsRun += [...steps].length;
      }),
      { numRuns: Number(process.env['MODEL_RUNS'] ?? 12), endOnFailure: true },
    );
    expect(stepsRun).toBeGreaterThan(100); // the property really exercised the ledger
  });
});

/** Runs the step, then compares every balance with the model. */
function withCheck(step: Command): Command {
  return {
    check: (model) => step.check(model),
    run: async (model, real) => {
      await step.run(model, real);
      await compareBalances(model, real);
    },
    toString: () => step.toString(),
  };
}
