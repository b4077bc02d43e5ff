/**
 * A scratch PostgreSQL database for one bench: created fresh (dropped first if a previous run
 * left it), migrated by the caller, dropped at the end. Next to DATABASE_URL's database, or
 * postgres://postgres@127.0.0.1:5432 when unset.
 */
import pg from 'pg';

export interface ScratchDatabase {
  /** The scratch database's URL. */
  url: string;
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

export async function scratchDatabase(name: string): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a database name: ${name}`);
  const admin = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const bench = new URL(admin);
  bench.pathname = `/${name}`;
  await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await run(admin, `CREATE DATABASE ${name}`);
  return {
    url: bench.toString(),
    // ARCUS_BENCH_KEEP=1 keeps it for a look afterwards.
    drop: async () => {
      if (process.env['ARCUS_BENCH_KEEP'] !== '1') await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
  };
}
