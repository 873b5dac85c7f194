import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export interface StartedProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the first match of `pattern` in its output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once it has exited by itself. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a TypeScript entry point of the workspace in its own Node process. */
export function startTsProcess(entry: string, env: Record<string, string | undefined>): StartedProcess {
  const child = spawn(process.execPath, ['-r', './tools/register.js', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  return {
    child,
    exited,
    output: () => output,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-3_000)}`));
        }, timeoutMs);
        function check(): void {
          const match = output.match(pattern);
          if (!match) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolveMatch(match);
        }
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`${entry} exited before printing ${pattern}:\n${output.slice(-3_000)}`));
          }
        });
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
