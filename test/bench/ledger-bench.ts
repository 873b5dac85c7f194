// npm run bench:ledger — the ledger against raw Postgres on this machine (issue 3).
//  1. ceiling: pgbench TPC-B-like on a scratch database, CLIENTS clients, run before each mix; the
//     ceiling is the mean of those runs, as the machine's speed drifts within a run (ADR 0025);
//  2. the ledger service (its own process) through NATS request/reply from CLIENTS concurrent
//     clients: single transfers over 10,000 accounts; single transfers all crediting one fund;
//     batches of 1,000 transfers;
//  3. invariants; then balance-query latency on an account with BIG_ACCOUNT_POSTINGS postings.
// Each timed run (pgbench's and every mix) follows WARM_UP_SECONDS of the same load, untimed.
// The last line printed is one JSON object.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';

import { AccountKind, LedgerRpc, Side, type NewEntryJson } from '@yishi/contracts';
import { jetStreamNames, NatsRequestTransport, RpcClient } from '@yishi/messaging';
import { uuidv7 } from '@yishi/persistence';

const ROOT = resolve(__dirname, '../..');
const SERVER = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 32);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
/**
 * Every timed run, pgbench's and each mix's, is preceded by this many seconds of the same load,
 * untimed: the ledger's first second compiles its posting path and reads the book.
 */
const WARM_UP_SECONDS = Number(process.env['BENCH_WARM_UP_SECONDS'] ?? 2);
const ACCOUNTS = 10_000;
const BATCH = 1_000;
const WARM_UP = 200;
/** Balance queries timed after the warm-up: 50 of them make up the slowest 1 %. */
const SAMPLES = 5_000;
const BIG_ACCOUNT_POSTINGS = Number(process.env['BENCH_BIG_ACCOUNT_POSTINGS'] ?? 1_000_000);

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function databaseUrl(name: string): string {
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` on a connection of its own to `url`, closed afterwards. */
async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function admin(sql: string): Promise<void> {
  await withClient(SERVER, (client) => client.query(sql));
}

/** pgbench's scratch database, initialised once; each `measure` is one timed run. */
interface Ceiling {
  /** Transactions per second of every run so far. */
  readonly runs: number[];
  measure(): void;
  drop(): void;
}

function pgbenchCeiling(): Ceiling {
  const name = `yishi_bench_pgbench_${randomBytes(3).toString('hex')}`;
  const url = new URL(SERVER);
  const args = ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres'];
  const drop = () => execFileSync('dropdb', ['--if-exists', ...args, name]);
  const run = (seconds: number) => execFileSync('pgbench', [...args, '-n', '-M', 'prepared', '-c', String(CLIENTS), '-j', '2', '-T', String(seconds), name]).toString();
  try {
    execFileSync('createdb', [...args, name]);
    execFileSync('pgbench', [...args, '-i', '-s', '10', '-q', name], { stdio: 'ignore' });
  } catch (error) {
    drop();
    throw error;
  }
  const runs: number[] = [];
  return {
    runs,
    measure() {
      log(`pgbench TPC-B, ${CLIENTS} clients, ${SECONDS} s …`);
      if (WARM_UP_SECONDS > 0) run(WARM_UP_SECONDS);
      const tps = Number(/tps = ([\d.]+)/.exec(run(SECONDS))![1]);
      log(`  ${tps.toFixed(0)} tps`);
      runs.push(tps);
    },
    drop,
  };
}

interface Measured {
  transfersPerSecond: number;
  /** Applied in the timed run, including requests still answering when it ended. */
  transfers: number;
  p99Ms: number;
}

/** CPU seconds used so far by each part of the system (Linux /proc), to show where a transfer's cost goes. */
function cpuSeconds(ledgerPid: number): Record<string, number> {
  const ticks = (pid: number): number => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  const pids = (name: string): number[] =>
    execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  const sum = (list: number[]): number => list.reduce((total, pid) => total + ticks(pid), 0) / 100;
  // Postgres backends come and go; the postmaster's cutime/cstime keeps what exited ones used.
  const postmaster = Math.min(...pids('postgres'));
  const reaped = (): number => {
    const fields = readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  };
  return { bench_client: sum([process.pid]), ledger: sum([ledgerPid]), nats: sum(pids('nats-server')), postgres: sum(pids('postgres')) + reaped() };
}

function cpuPerTransfer(before: Record<string, number>, after: Record<string, number>, transfers: number): string {
  return Object.keys(after)
    .map((part) => `${part} ${(((after[part]! - before[part]!) * 1e6) / transfers).toFixed(0)} µs`)
    .join(', ');
}

/** CLIENTS loops, each sending one request after another for `seconds`; counts applied transfers. */
async function drive(request: () => Promise<number>, seconds = SECONDS): Promise<Measured> {
  const latencies: number[] = [];
  let transfers = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        const applied = await request();
        transfers += applied;
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  log(`  ${latencies.length} requests in ${elapsed.toFixed(1)} s; median ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(0)} ms`);
  return { transfersPerSecond: transfers / elapsed, transfers, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * A transfer as the wire's JSON (the generated JSON type): the clients send it with `callJson`, so
 * that, like pgbench's, they spend little CPU of their own. The ledger reads it as from any caller.
 */
function transfer(bookId: string, debit: string, credit: string, amount = '0.01'): NewEntryJson {
  return {
    id: uuidv7(),
    bookId,
    recordedBy: 'bench',
    postings: [
      { accountId: debit, side: 'SIDE_DEBIT', amount: { amount, currency: 'CNY' } },
      { accountId: credit, side: 'SIDE_CREDIT', amount: { amount, currency: 'CNY' } },
    ],
  };
}

async function main(): Promise<void> {
  const ceiling = pgbenchCeiling();
  const database = `yishi_bench_ledger_${randomBytes(3).toString('hex')}`;
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  // Started with the flags docker-compose.yml gives the ledger (ADR 0012); BENCH_NODE_FLAGS adds
  // more for a diagnosis (--trace-gc, say).
  const flags = [
    '--max-semi-space-size=64',
    ...(process.env['BENCH_NODE_FLAGS']?.split(' ').filter(Boolean) ?? []),
    ...(process.env['BENCH_PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
  ];
  const service = spawn(process.execPath, [...flags, 'dist/apps/ledger/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl(database), NATS_URL, SUBJECT_PREFIX: prefix, LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '60000' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // As the services connect (see nats-runtime.ts): no Error built up front for every nats-core request.
  const connection = await connect({ servers: NATS_URL, noAsyncTraces: true });
  const rpc = new RpcClient(new NatsRequestTransport(connection, `${prefix}.`), 60_000);
  try {
    await waitForLedger(rpc);
    const bookId = (await rpc.call(LedgerRpc.openBook, { communityRef: 'bench-community', name: '压测社区' })).id;
    const open = (code: string) =>
      rpc.call(LedgerRpc.openAccount, { bookId, code, nameZh: code, kind: AccountKind.FUND, normalSide: Side.CREDIT }).then((account) => account.id);
    log(`opening ${ACCOUNTS} accounts …`);
    const accounts: string[] = new Array(ACCOUNTS);
    await inParallel([...accounts.keys()], 64, async (index) => (accounts[index] = await open(`bench.${index}`)));
    const hot = await open('fund.project.hot');
    const pick = (): string => accounts[Math.floor(Math.random() * ACCOUNTS)]!;
    const pair = (): [string, string] => {
      const debit = pick();
      let credit = pick();
      while (credit === debit) credit = pick();
      return [debit, credit];
    };
    const refusals = new Map<string, number>();
    /** Posts the entries and counts those applied; refusals are tallied by reason. */
    const post = async (entries: NewEntryJson[]): Promise<number> => {
      const { results = [] } = await rpc.callJson(LedgerRpc.postEntries, { entries });
      for (const result of results) if (result.refusal) refusals.set(result.refusal, (refusals.get(result.refusal) ?? 0) + 1);
      return results.filter((result) => result.status === 'ENTRY_STATUS_APPLIED').length;
    };

    const ledgerPid = service.pid!;
    const measure = async (label: string, run: () => Promise<Measured>): Promise<Measured> => {
      log(`${label} …`);
      const before = cpuSeconds(ledgerPid);
      const startedUs = process.hrtime.bigint() / 1000n;
      const measured = await run();
      // Same clock as the samples of the ledger's --cpu-prof, so a profile can be cut to one mix.
      if (process.env['BENCH_PROFILE']) log(`  monotonic µs ${startedUs}–${process.hrtime.bigint() / 1000n}`);
      log(`  ${measured.transfersPerSecond.toFixed(0)} transfers/s, p99 ${measured.p99Ms.toFixed(1)} ms; CPU per transfer: ${cpuPerTransfer(before, cpuSeconds(ledgerPid), measured.transfers)}`);
      return measured;
    };
    // BENCH_ONLY=uniform,hot,batch picks mixes (all by default); a skipped mix reports 0.
    const only = process.env['BENCH_ONLY']?.split(',');
    const mix = async (name: string, label: string, request: () => Promise<number>): Promise<Measured> => {
      if (only && !only.includes(name)) return { transfersPerSecond: 0, transfers: 0, p99Ms: 0 };
      ceiling.measure();
      log(`${label}: ${WARM_UP_SECONDS} s untimed first …`);
      await drive(request, WARM_UP_SECONDS);
      return measure(label, () => drive(request));
    };
    const uniform = await mix('uniform', 'single transfers, uniform', () => post([transfer(bookId, ...pair())]));
    const hotMix = await mix('hot', 'single transfers, all crediting one fund', () => post([transfer(bookId, pick(), hot)]));
    const batch = await mix('batch', `batches of ${BATCH}`, () => post(Array.from({ length: BATCH }, () => transfer(bookId, ...pair()))));
    if (refusals.size > 0) log(`refusals: ${JSON.stringify([...refusals])}`);
    if (ceiling.runs.length === 0) ceiling.measure();
    const pgbenchTps = ceiling.runs.reduce((sum, tps) => sum + tps, 0) / ceiling.runs.length;
    log(`pgbench: ${ceiling.runs.map((tps) => tps.toFixed(0)).join(', ')} tps; the ceiling is their mean, ${pgbenchTps.toFixed(0)}`);

    const invariants = await checkInvariants(databaseUrl(database), rpc, bookId);
    log(`invariants: ${invariants}`);
    const balanceLatency = await bigAccountLatency(rpc, bookId, accounts, open, databaseUrl(database));

    process.stdout.write(
      `${JSON.stringify({
        pgbench_tps: round(pgbenchTps),
        pgbench_runs_tps: ceiling.runs.map((tps) => round(tps)),
        single_uniform_tps: round(uniform.transfersPerSecond),
        single_hot_tps: round(hotMix.transfersPerSecond),
        batch_tps: round(batch.transfersPerSecond),
        ratio_single_uniform: round(uniform.transfersPerSecond / pgbenchTps, 2),
        ratio_single_hot: round(hotMix.transfersPerSecond / pgbenchTps, 2),
        ratio_batch: round(batch.transfersPerSecond / pgbenchTps, 2),
        p99_ms_single: round(Math.max(uniform.p99Ms, hotMix.p99Ms), 1),
        clients: CLIENTS,
        balance_postings: balanceLatency.postings,
        balance_p99_ms: round(balanceLatency.currentP99, 2),
        balance_as_of_p99_ms: round(balanceLatency.pastP99, 2),
        invariants,
      })}\n`,
    );
  } finally {
    service.kill('SIGTERM');
    await new Promise((done) => service.once('exit', done));
    const jsm = await jetstreamManager(connection);
    const streams = jetStreamNames(`${prefix}.`);
    await Promise.allSettled([jsm.streams.delete(streams.events), jsm.streams.delete(streams.deadLetters)]);
    await connection.close();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    ceiling.drop();
  }
}

function round(value: number, digits = 0): number {
  return Number(value.toFixed(digits));
}

async function waitForLedger(rpc: RpcClient): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await rpc.call(LedgerRpc.checkHealth, {}, { timeoutMs: 500 });
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 200));
    }
  }
  throw new Error('the ledger service did not start');
}

/** Debits = credits, stored balances = sum of postings, and the chain verifies. */
async function checkInvariants(url: string, rpc: RpcClient, bookId: string): Promise<string> {
  return withClient(url, async (client) => {
    const totals = await client.query(`SELECT COALESCE(sum(amount) FILTER (WHERE side = 'debit'), 0) = COALESCE(sum(amount) FILTER (WHERE side = 'credit'), 0) AS ok FROM ledger_posting WHERE phase = 'posted'`);
    const drift = await client.query(`
      SELECT count(*)::int AS n FROM ledger_account a LEFT JOIN (
        SELECT account_id, COALESCE(sum(amount) FILTER (WHERE side = 'debit'), 0) AS d, COALESCE(sum(amount) FILTER (WHERE side = 'credit'), 0) AS c
          FROM ledger_posting WHERE phase = 'posted' GROUP BY account_id) s ON s.account_id = a.id
       WHERE a.debits_posted <> COALESCE(s.d, 0) OR a.credits_posted <> COALESCE(s.c, 0)`);
    const started = performance.now();
    const verified = await rpc.call(LedgerRpc.verifyChain, { bookId }, { timeoutMs: 600_000 });
    const seconds = (performance.now() - started) / 1000;
    log(`  chain verified: ${verified.entriesChecked} entries in ${seconds.toFixed(1)} s, ${(Number(verified.entriesChecked) / seconds).toFixed(0)} entries/s`);
    const problems = [
      ...(totals.rows[0].ok ? [] : ['debits differ from credits']),
      ...(drift.rows[0].n === 0 ? [] : [`${drift.rows[0].n} balances differ from their postings`]),
      ...(verified.ok ? [] : [`chain breaks at ${verified.firstBadSequence}`]),
    ];
    return problems.length === 0 ? 'ok' : problems.join('; ');
  });
}

/** Fills one account to BIG_ACCOUNT_POSTINGS postings, then times balance queries on it. */
async function bigAccountLatency(rpc: RpcClient, bookId: string, accounts: readonly string[], open: (code: string) => Promise<string>, url: string) {
  const big = await open('fund.big');
  log(`posting ${BIG_ACCOUNT_POSTINGS} transfers to one account …`);
  const batches = Math.ceil(BIG_ACCOUNT_POSTINGS / 8_000);
  let done = 0;
  const midpoint = { at: new Date() };
  await inParallel([...Array(batches).keys()], 4, async (index) => {
    const entries = Array.from({ length: 8_000 }, () => transfer(bookId, accounts[Math.floor(Math.random() * accounts.length)]!, big));
    await rpc.callJson(LedgerRpc.postEntries, { entries }, { timeoutMs: 600_000 });
    done += 1;
    if (index === Math.floor(batches / 2)) midpoint.at = new Date();
    if (done % 25 === 0) log(`  ${done * 8_000} postings`);
  });
  await settle(url);
  // The first WARM_UP queries are not timed: they compile the path (and would otherwise be the 1 %).
  const time = async (asOf?: Date): Promise<number> => {
    const latencies: number[] = [];
    const query = () => rpc.call(LedgerRpc.getBalance, asOf ? { accountId: big, asOf: { seconds: BigInt(Math.floor(asOf.getTime() / 1000)), nanos: 0 } } : { accountId: big });
    for (let sample = 0; sample < WARM_UP + SAMPLES; sample += 1) {
      const started = performance.now();
      await query();
      if (sample >= WARM_UP) latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(SAMPLES * 0.99) - 1]!;
    log(`  balance${asOf ? ' as of a past moment' : ''}: median ${latencies[SAMPLES / 2]!.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    return p99;
  };
  return { postings: await postedLines(url, big), currentP99: await time(), pastP99: await time(midpoint.at) };
}

/** How many posted lines the account has, as the database counts them. */
async function postedLines(url: string, accountId: string): Promise<number> {
  const { rows } = await withClient(url, (client) =>
    client.query(`SELECT count(*)::int AS n FROM ledger_posting WHERE account_id = $1 AND phase = 'posted'`, [accountId]),
  );
  return rows[0].n;
}

/**
 * What an operator does after a bulk load (PostgreSQL manual, "Populating a Database"): VACUUM
 * ANALYZE the tables it filled, then a checkpoint, so that the reads are timed against the journal
 * as it stands, not against autovacuum and the checkpointer catching up with a million postings.
 */
async function settle(url: string): Promise<void> {
  log('  VACUUM ANALYZE and CHECKPOINT …');
  await withClient(url, async (client) => {
    await client.query('VACUUM (ANALYZE) ledger_entry, ledger_posting, ledger_request, ledger_account');
    await client.query('CHECKPOINT');
  });
}

void main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
