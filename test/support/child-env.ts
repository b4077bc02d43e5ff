import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * libfaketime's preload and settings (the suite's clock-ahead run, README › Time): a child process
 * shares them to live at the same time as the test; Chromium, which does not start under
 * libfaketime, is started without them.
 */
function isClockVar(name: string): boolean {
  return name === 'LD_PRELOAD' || name.startsWith('FAKETIME');
}

function envWhere(keep: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && keep(e[0])));
}

/** What a spawned `arcus worker` needs of this environment to share the test's clock. Empty otherwise. */
export function sameClockEnv(): Record<string, string> {
  return envWhere(isClockVar);
}

/** This environment without libfaketime (the browser keeps the machine's clock; the app's is pinned with ARCUS_NOW). */
export function realClockEnv(): Record<string, string> {
  return envWhere((name) => !isClockVar(name));
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A real `arcus worker` process from the checkout, living at the test's time (sameClockEnv),
 * with PATH and HOME and nothing else of this environment beside `env`. Its stderr is piped for
 * the test to read; stdout is dropped unless `showOutput`.
 */
export function spawnWorker(env: Record<string, string>, showOutput = false): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin/arcus.mjs'), 'worker'], {
    cwd: ROOT,
    env: { ...sameClockEnv(), PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', showOutput ? 'inherit' : 'ignore', 'pipe'],
  });
}

/**
 * Real `arcus worker` processes a test starts and kills: each is tracked until it exits, its
 * stderr kept, and a worker that exits with an error says so (the last 2,000 characters).
 * `killAll` in the test's afterAll/finally leaves none behind.
 */
export function workerProcesses(): { start(env: Record<string, string>): ChildProcess; killAll(signal?: NodeJS.Signals): void; readonly running: number } {
  const children = new Set<ChildProcess>();
  return {
    start(env) {
      const child = spawnWorker(env);
      let err = '';
      child.stderr?.on('data', (d) => {
        err = (err + String(d)).slice(-20_000);
      });
      child.once('exit', (code) => {
        children.delete(child);
        if (code && code !== 0) console.error(`worker exited ${code}: ${err.slice(-2000)}`);
      });
      children.add(child);
      return child;
    },
    killAll(signal = 'SIGKILL') {
      for (const c of children) c.kill(signal);
    },
    get running() {
      return children.size;
    },
  };
}
