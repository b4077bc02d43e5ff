import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * Runs once before the suite. Finds PostgreSQL, Redis and Chromium; with REQUIRE_SERVICES=1
 * a missing one fails the whole run, otherwise the suites that need it skip and say so.
 * Creates one fresh database per vitest worker (arcus_test_<pool id>), migrated on first use.
 */
export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WORKERS = 4;

/** Whether something answers at a URL's host and port (checked by connecting, never by binding). */
export function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function chromiumPresent(): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(CHROMIUM).then(
    () => true,
    () => false,
  );
}

/** Database names carry the run's id, so two runs on one machine never drop each other's. */
export function workerDatabaseUrl(base: string, runId: string, poolId: string | number): string {
  const u = new URL(base);
  u.pathname = `/arcus_t_${runId}_${poolId}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const required = process.env.REQUIRE_SERVICES === '1';
  const pgUp = await reachable(DATABASE_URL, 5432);
  const redisUp = await reachable(REDIS_URL, 6379);
  const browserUp = await chromiumPresent();
  const missing = [
    !pgUp && `PostgreSQL at ${new URL(DATABASE_URL).host}`,
    !redisUp && `Redis at ${new URL(REDIS_URL).host}`,
    !browserUp && `Chromium at ${CHROMIUM}`,
  ].filter(Boolean);
  if (missing.length) {
    const line = `Services unreachable: ${missing.join(', ')}`;
    if (required) throw new Error(`${line} (REQUIRE_SERVICES=1, so the run fails)`);
    console.warn(`\n${'!'.repeat(78)}\n!! ${line}\n!! The suites that need them are SKIPPED. Set REQUIRE_SERVICES=1 to fail instead.\n${'!'.repeat(78)}\n`);
  }
  const runId = `${process.pid}`;
  // Every folder a test makes lives under one root, removed when the run ends.
  const scratchRoot = mkdtempSync(path.join(tmpdir(), `arcus-test-${runId}-`));
  const names = Array.from({ length: WORKERS }, (_, i) => new URL(workerDatabaseUrl(DATABASE_URL, runId, i + 1)).pathname.slice(1));
  const admin = async (fn: (c: pg.Client) => Promise<void>) => {
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    try {
      await fn(c);
    } finally {
      await c.end();
    }
  };
  if (pgUp) {
    await admin(async (c) => {
      for (const name of names) {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${name}`);
      }
    });
  }
  project.provide('services', { pg: pgUp, redis: redisUp, chromium: browserUp, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, chromiumPath: CHROMIUM, runId, scratchRoot });
  return async () => {
    rmSync(scratchRoot, { recursive: true, force: true });
    if (!pgUp) return;
    await admin(async (c) => {
      for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: { pg: boolean; redis: boolean; chromium: boolean; databaseUrl: string; redisUrl: string; chromiumPath: string; runId: string; scratchRoot: string };
  }
}
