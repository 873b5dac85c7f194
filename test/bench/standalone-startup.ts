// npm run bench:startup — how long `npm start` takes from process start to a 200 on /api/v1/health,
// from an empty data folder (cold: initdb, create and migrate every database) and again (warm).
// Prints one JSON line. Run `npm run build` first (the npm script does).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/v1/health`)).status === 200;
  } catch {
    return false;
  }
}

/** Seconds from spawning the standalone process until its health endpoint answers 200. */
async function timeToHealthy(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/apps/standalone/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, YISHI_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', NATS_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    for (;;) {
      const url = output.match(/ready at (http:\/\/localhost:\d+)/)?.[1];
      if (url && (await healthy(url))) return (performance.now() - started) / 1000;
      if (child.exitCode !== null) throw new Error(`standalone exited with ${child.exitCode}`);
      await new Promise((done) => setTimeout(done, 20));
    }
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGINT');
    await exited;
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'yishi-bench-'));
  try {
    const cold = await timeToHealthy(dataDir);
    const warm = await timeToHealthy(dataDir);
    process.stdout.write(`${JSON.stringify({ cold_start_s: Number(cold.toFixed(2)), warm_start_s: Number(warm.toFixed(2)), target_s: 30 })}\n`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
