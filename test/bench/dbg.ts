import { connect } from '@nats-io/transport-node';
import { AccountKind, LedgerRpc, Side } from '@yishi/contracts';
import { NatsRequestTransport, RpcClient } from '@yishi/messaging';
import { uuidv7 } from '@yishi/persistence';
import { spawn } from 'node:child_process';

async function main() {
  const service = spawn(process.execPath, ['dist/apps/ledger/src/main.js'], { env: { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/yishi_dbg_ledger', NATS_URL: 'nats://127.0.0.1:4222', SUBJECT_PREFIX: 'dbg', LOG_LEVEL: 'warn' }, stdio: 'inherit' });
  const connection = await connect({ servers: 'nats://127.0.0.1:4222' });
  const rpc = new RpcClient(new NatsRequestTransport(connection, 'dbg.'), 60_000);
  await new Promise((r) => setTimeout(r, 2000));
  const bookId = (await rpc.call(LedgerRpc.openBook, { communityRef: 'dbg' + Date.now(), name: 'x' })).id;
  const a = (await rpc.call(LedgerRpc.openAccount, { bookId, code: 'a', nameZh: 'a', kind: AccountKind.FUND, normalSide: Side.CREDIT })).id;
  const b = (await rpc.call(LedgerRpc.openAccount, { bookId, code: 'b', nameZh: 'b', kind: AccountKind.FUND, normalSide: Side.CREDIT })).id;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await rpc.call(LedgerRpc.postEntries, { entries: [{ id: uuidv7(), bookId, recordedBy: 'x', postings: [{ accountId: a, side: Side.DEBIT, amount: { amount: '1.00', currency: 'CNY' } }, { accountId: b, side: Side.CREDIT, amount: { amount: '1.00', currency: 'CNY' } }] }] });
    process.stderr.write(`${(performance.now() - t).toFixed(1)} ms ${JSON.stringify(r.results.map((x) => [x.status, x.refusal]))}\n`);
  }
  const accts: string[] = [];
  for (let i = 0; i < 200; i++) accts.push((await rpc.call(LedgerRpc.openAccount, { bookId, code: 'x' + i, nameZh: 'x', kind: AccountKind.FUND, normalSide: Side.CREDIT })).id);
  const reasons: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 32 }, async () => { for (let k = 0; k < 20; k++) { const d = accts[Math.floor(Math.random()*200)]!; let c = accts[Math.floor(Math.random()*200)]!; while (c === d) c = accts[Math.floor(Math.random()*200)]!;
    const r = await rpc.call(LedgerRpc.postEntries, { entries: [{ id: uuidv7(), bookId, recordedBy: 'x', postings: [{ accountId: d, side: Side.DEBIT, amount: { amount: '0.01', currency: 'CNY' } }, { accountId: c, side: Side.CREDIT, amount: { amount: '0.01', currency: 'CNY' } }] }] });
    const key = r.results[0]!.status + ':' + r.results[0]!.refusal; reasons[key] = (reasons[key] ?? 0) + 1; } }));
  process.stderr.write(`640 random: ${(performance.now() - t0).toFixed(0)} ms ${JSON.stringify(reasons)}\n`);
  const t = performance.now();
  await Promise.all(Array.from({ length: 200 }, () => rpc.call(LedgerRpc.postEntries, { entries: [{ id: uuidv7(), bookId, recordedBy: 'x', postings: [{ accountId: a, side: Side.DEBIT, amount: { amount: '1.00', currency: 'CNY' } }, { accountId: b, side: Side.CREDIT, amount: { amount: '1.00', currency: 'CNY' } }] }] })));
  process.stderr.write(`200 concurrent: ${(performance.now() - t).toFixed(1)} ms\n`);
  service.kill(); await connection.close();
}
main();
