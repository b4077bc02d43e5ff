/**
 * A scratch PostgreSQL database for one bench: created fresh, migrated by the caller, dropped at
 * the end. Next to DATABASE_URL's database, or postgres://postgres@127.0.0.1:5432 when unset.
 * Its name carries the bench process's id (`benchDbName`), so two runs of the same bench at once
 * (two people, or a bench beside a test run) never drop each other's database; a run that died
 * leaves its database behind, and the next run of that bench drops the ones whose process is gone.
 */
import pg from 'pg';
import { type Database, openPostgres } from '../db/client';

export interface ScratchDatabase {
  /** The scratch database's URL. */
  url: string;
  /** A pool on it, as the bench's process uses one (system scope), that a dropped database cannot crash. */
  open(max: number): Database;
  drop(): Promise<void>;
}

async function run(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** This process's database for the bench `base`: `<base>_<pid>`. */
export function benchDbName(base: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(base)) throw new Error(`not a database name: ${base}`);
  return `${base}_${process.pid}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops the databases earlier runs of the bench `base` left behind (their process is gone). */
export async function dropLeftBehind(adminUrl: string, base: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname ~ $1', [`^${base}_[0-9]+$`]);
    for (const { datname } of rows) {
      if (!alive(Number(datname.slice(base.length + 1)))) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await c.end();
  }
}

export async function scratchDatabase(base: string): Promise<ScratchDatabase> {
  const name = benchDbName(base);
  const admin = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const bench = new URL(admin);
  bench.pathname = `/${name}`;
  await dropLeftBehind(admin, base);
  await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await run(admin, `CREATE DATABASE ${name}`);
  return {
    url: bench.toString(),
    open(max) {
      const database = openPostgres(bench.toString(), { max, unscoped: 'system' });
      // An idle connection closed by the server (the database dropped at the end, or by another
      // process) must not crash the bench with its figures unprinted.
      database.pool?.on('error', () => undefined);
      return database;
    },
    // ARCUS_BENCH_KEEP=1 keeps it for a look afterwards.
    drop: async () => {
      if (process.env['ARCUS_BENCH_KEEP'] !== '1') await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
  };
}
