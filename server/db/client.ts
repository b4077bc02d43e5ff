/**
 * One database handle for the app: PostgreSQL (node-postgres pool) when DATABASE_URL is set,
 * otherwise PGlite in the local data folder. PGlite is one process per folder, ever: the web
 * server and the in-process jobs share this one instance (see docs/decisions/001).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { asSystem, currentScope, type DbScope, scopeKey, scopeStatements, sessionScopeStatements, type UnscopedPolicy } from './firm-scope';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  /**
   * The app's handle. Inside `withFirm` every query runs as the restricted role with the firm set
   * (row-level security); inside `asSystem` as the connecting role; outside both per `unscoped`.
   */
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The node-postgres pool (PostgreSQL only): for COPY and LISTEN. Scoped like `db`. */
  pool: pg.Pool | null;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** An embedded database, which can also dump its data directory (a tarball PGlite loads again). */
export interface PgliteDatabase extends Database {
  dumpDataDir(): Promise<Blob>;
}

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// numeric and date columns stay strings: exact money, calendar dates (no JS Date shifting).
pg.types.setTypeParser(1082, (v) => v);

export interface OpenOptions {
  max?: number;
  /**
   * A query issued outside `withFirm` / `withoutFirm` / `asSystem`: `'none'` (the default) runs it
   * as the restricted role with no firm, so firm tables read as empty and writes are refused;
   * `'system'` runs it as the connecting role — only for tests' own seeding code, since requests
   * and jobs always set their scope explicitly.
   */
  unscoped?: UnscopedPolicy;
}

type Scoped = Exclude<DbScope, { kind: 'system' }>;
type QueryArgs = unknown[];
type Callback = (err: Error | null, result?: unknown) => void;

function splitCallback(args: QueryArgs): [QueryArgs, Callback | null] {
  const last = args[args.length - 1];
  return typeof last === 'function' ? [args.slice(0, -1), last as Callback] : [args, null];
}

function answer(p: Promise<unknown>, cb: Callback | null): unknown {
  if (!cb) return p;
  p.then(
    (r) => cb(null, r),
    (e: Error) => cb(e),
  );
  return undefined;
}

/**
 * The scope each pooled connection's session is set to (absent: a new connection, which is the
 * connecting role with no firm — the system scope). Kept beside the pool, never on the client.
 */
const sessionScopes = new WeakMap<pg.PoolClient, string>();

/**
 * Puts a checked-out connection under `scope` before anyone uses it: one round trip when its
 * session was left under another scope, none when it already matches (the common case — a busy
 * firm's queries find connections already set for it). A connection that fails to switch is
 * destroyed, so no session is ever handed out in a state the map does not know.
 */
async function enterScope(client: pg.PoolClient, scope: DbScope): Promise<pg.PoolClient> {
  const key = scopeKey(scope);
  if ((sessionScopes.get(client) ?? 'system') === key) return client;
  sessionScopes.delete(client);
  try {
    await (client.query as (text: string) => Promise<unknown>)(sessionScopeStatements(scope));
  } catch (err) {
    client.release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  sessionScopes.set(client, key);
  return client;
}

/**
 * A node-postgres pool whose queries run under the current scope (docs/decisions/007). Every
 * connection the pool hands out — to `pool.query` (drizzle's path for a statement outside a
 * transaction), to `pool.connect` (drizzle's transactions, the sync's COPY session) — has its
 * session set to the caller's scope first (`SET ROLE` + `app.firm_id`, session-level), so a
 * statement costs one round trip, as without row-level security, and a transaction needs no
 * scoping of its own. Session state cannot leak between scopes: every checkout goes through
 * `enterScope`, which compares the connection's recorded scope with the caller's and switches it
 * (the system scope included: `RESET ROLE`) before the caller sees the connection.
 */
class ScopedPool extends pg.Pool {
  readonly unscoped: UnscopedPolicy;
  constructor(config: pg.PoolConfig, unscoped: UnscopedPolicy) {
    super(config);
    this.unscoped = unscoped;
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded signature.
  override query(...all: any[]): any {
    const [args, cb] = splitCallback(all);
    const run = async (): Promise<unknown> => {
      const client = (await this.connect()) as pg.PoolClient;
      try {
        const result = await (client.query as (...x: QueryArgs) => Promise<unknown>)(...args);
        client.release();
        return result;
      } catch (err) {
        // A statement error leaves the session usable; a broken connection is discarded.
        client.release(err instanceof Error && !(err as { code?: unknown }).code ? err : undefined);
        throw err;
      }
    };
    return answer(run(), cb);
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded signature.
  override connect(...all: any[]): any {
    const scope = currentScope(this.unscoped);
    const base = pg.Pool.prototype.connect as (...a: unknown[]) => Promise<pg.PoolClient>;
    const p = base.call(this).then((client) => enterScope(client, scope));
    const cb = typeof all[0] === 'function' ? (all[0] as (err: Error | undefined, client?: pg.PoolClient, done?: unknown) => void) : null;
    if (!cb) return p;
    p.then(
      (client) => cb(undefined, client, (err?: Error) => client.release(err)),
      (err: Error) => cb(err),
    );
    return undefined;
  }
}

export function openPostgres(url: string, options: OpenOptions = {}): Database {
  const pool = new ScopedPool({ connectionString: url, max: options.max ?? 10 }, options.unscoped ?? 'none');
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    pool,
    migrate: () => asSystem(() => migratePg(db as never, { migrationsFolder: MIGRATIONS_FOLDER })),
    close: () => pool.end(),
  };
}

/**
 * PGlite under the current scope. PGlite is one connection shared by the whole process, so only
 * transaction-local settings are safe: every scoped statement runs in its own transaction (PGlite
 * serialises transactions), and an explicit transaction is scoped at its start.
 */
function scopedPglite(client: PGlite, unscoped: UnscopedPolicy): PGlite {
  const inScope = <T>(scope: Scoped, fn: (tx: Transaction) => Promise<T>): Promise<T> =>
    client.transaction(async (tx) => {
      await tx.exec(scopeStatements(scope));
      return fn(tx);
    });
  const overrides: Record<string, unknown> = {
    query(q: string, params?: unknown[], opts?: object) {
      const scope = currentScope(unscoped);
      if (scope.kind === 'system') return client.query(q, params, opts);
      return inScope(scope, (tx) => tx.query(q, params, opts));
    },
    exec(q: string, opts?: object) {
      const scope = currentScope(unscoped);
      if (scope.kind === 'system') return client.exec(q, opts);
      return inScope(scope, (tx) => tx.exec(q, opts));
    },
    transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      const scope = currentScope(unscoped);
      if (scope.kind === 'system') return client.transaction(fn);
      return inScope(scope, fn);
    },
  };
  return new Proxy(client, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** PGlite in `dataDir/pglite`, or in memory when dataDir is null (tests). */
export async function openPglite(dataDir: string | null, options: Pick<OpenOptions, 'unscoped'> & { loadDataDir?: Blob } = {}): Promise<PgliteDatabase> {
  let client: PGlite;
  if (dataDir) {
    const folder = path.join(dataDir, 'pglite');
    mkdirSync(folder, { recursive: true });
    client = await PGlite.create(folder);
  } else {
    // In memory; `loadDataDir` starts it from a dumped data directory (tests: one migrated image per run).
    client = await PGlite.create(options.loadDataDir ? { loadDataDir: options.loadDataDir } : undefined);
  }
  const db = drizzlePglite(scopedPglite(client, options.unscoped ?? 'none'), { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pool: null,
    migrate: () => asSystem(() => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER })),
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('none'),
  };
}

/**
 * The process's database. A sync job holds a connection of its own for its whole run and takes
 * pool connections beside it, so the pool has room for two per job a worker runs at once
 * (WORKER_CONCURRENCY; docs/decisions/051): at 10 jobs and the default 10 connections, ten syncs
 * each holding one waited for ever on an eleventh.
 */
export async function openDatabase(config: { databaseUrl: string | null; dataDir: string; queue?: { concurrency: number } }): Promise<Database> {
  const max = Math.max(10, 2 * (config.queue?.concurrency ?? 0) + 2);
  return config.databaseUrl ? openPostgres(config.databaseUrl, { max }) : openPglite(config.dataDir);
}

/** Rows of a raw SQL query; both drivers answer `{ rows }`. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** A fixed statement with positional parameters ($1, $2, …), named once for the connections that prepare it. */
export interface Prepared {
  /** Unique in the process: PostgreSQL keeps it per connection under this name. */
  name: string;
  text: string;
}

/**
 * Rows of a fixed statement, bypassing drizzle's query building (a hot path's statement is the
 * same text every time: building it per call is CPU the write-back engine spent on every
 * statement, decision 068). On PostgreSQL it is a named prepared statement: each pooled
 * connection parses and plans it once and afterwards gets only its parameters. Row-level
 * security is unchanged: it runs on the same scoped connection (`ScopedPool.query`, or the
 * transaction's client) as any other statement, and PostgreSQL re-plans a cached plan when the
 * role it was made under differs. PGlite gets the text and parameters (no name).
 * Parameters are passed as they are: a JSON value must be given as its JSON text.
 */
export async function preparedRows<T>(db: Db, statement: Prepared, values: readonly unknown[]): Promise<T[]> {
  const client = (db as unknown as { session: { client: unknown } }).session.client;
  if (client instanceof pg.Pool || client instanceof pg.Client) {
    const result = await (client.query as (config: pg.QueryConfig) => Promise<pg.QueryResult>)({ name: statement.name, text: statement.text, values: values as unknown[] });
    return result.rows as T[];
  }
  const result = await (client as { query: (text: string, params: readonly unknown[]) => Promise<{ rows: T[] }> }).query(statement.text, values);
  return result.rows;
}
