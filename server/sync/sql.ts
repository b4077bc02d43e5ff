/**
 * One database session for a sync run, below Drizzle: parameterised queries, transactions, and
 * bulk loading into staging tables — COPY (pg-copy-streams) on PostgreSQL, one
 * `json_populate_recordset` insert per batch on PGlite (which has no COPY FROM STDIN).
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../db/client';

export type Row = Record<string, unknown>;

export interface TransactionOptions {
  asyncCommit?: boolean;
  /**
   * Deferred settlement for the whole transaction (arcus_settle_defer(), migration 0073): the
   * settlement triggers list the invoices they would recompute; the caller runs
   * arcus_settle_flush() before it commits. Set with the BEGIN in the same round trip.
   */
  deferSettlement?: boolean;
}

export interface SqlConn {
  readonly kind: 'postgres' | 'pglite';
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Append rows (values in `columns` order) to a table: COPY on PostgreSQL. */
  load(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /**
   * Run `fn` in one transaction on this session. `asyncCommit`: its COMMIT does not wait for the
   * WAL flush (PostgreSQL's `synchronous_commit = off`, set with the BEGIN in one round trip).
   */
  transaction<T>(fn: (c: SqlConn) => Promise<T>, options?: TransactionOptions): Promise<T>;
  release(): void;
}

// ---- COPY text format -------------------------------------------------------------------------

const NUL = String.fromCharCode(0);

function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
  else if (typeof v === 'boolean') s = v ? 't' : 'f';
  else if (v instanceof Date) s = v.toISOString();
  else s = JSON.stringify(v).replace(/\\u0000/g, '');
  // PostgreSQL text and jsonb cannot hold NUL.
  if (s.includes(NUL)) s = s.split(NUL).join('');
  // Backslash, tab, newline and carriage return are the only characters COPY text escapes.
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

/** Rows in COPY's text format. */
export function copyText(rows: unknown[][]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) out += '\t';
      out += copyField(row[i]);
    }
    out += '\n';
  }
  return out;
}

/** COPY rows into a table through a node-postgres client. */
export async function copyRows(client: pg.PoolClient | pg.Client, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    // Chunks of ~1 MB keep memory flat on large pages.
    let chunk: unknown[][] = [];
    let size = 0;
    const flush = () => {
      if (chunk.length) stream.write(copyText(chunk));
      chunk = [];
      size = 0;
    };
    for (const r of rows) {
      chunk.push(r);
      size++;
      if (size >= 2000) flush();
    }
    flush();
    stream.end();
  });
}

/**
 * Temporary tables belong to the role that created them. A session used both as the system and
 * under a firm scope (the restricted role `arcus_app`) shares them: the system's are granted to
 * `arcus_app` (a no-op for the restricted role itself, which owns what it created).
 */
export async function shareTempTables(conn: Pick<SqlConn, 'query'>): Promise<void> {
  await conn.query(`DO $$
DECLARE t text;
BEGIN
  IF current_user <> 'arcus_app' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arcus_app') THEN
    FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) LOOP
      EXECUTE format('GRANT ALL ON TABLE pg_temp.%I TO arcus_app', t);
    END LOOP;
  END IF;
END $$`);
}

// ---- PostgreSQL -------------------------------------------------------------------------------

class PgConn implements SqlConn {
  readonly kind = 'postgres' as const;
  private inTx = false;
  /** The firm tables whose temporary COPY target this session already has (created once, reused every page). */
  private readonly copyTargets = new Set<string>();
  constructor(private readonly client: pg.PoolClient) {}

  async query<T extends Row = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    const r = await this.client.query(text, params);
    return r.rows as T[];
  }

  async load(table: string, columns: string[], rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    if (table.startsWith('sync_stage_')) return copyRows(this.client, table, columns, rows);
    // Row-level security refuses COPY into a firm table (docs/decisions/007): COPY into this
    // session's temporary copy of it, then INSERT … SELECT, which the policy checks row by row.
    // The temporary table is made (and shared) once per session, not on every page: a page costs
    // the COPY and the INSERT only.
    const stage = `sync_copy_${table}`;
    const cols = columns.join(', ');
    if (!this.copyTargets.has(table)) {
      await this.client.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
      await shareTempTables(this);
      this.copyTargets.add(table);
    }
    await copyRows(this.client, stage, columns, rows);
    await this.client.query(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage}; TRUNCATE ${stage}`);
  }

  async transaction<T>(fn: (c: SqlConn) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.inTx) return fn(this);
    const begin = ['BEGIN', options.asyncCommit && 'SET LOCAL synchronous_commit = off', options.deferSettlement && 'SELECT arcus_settle_defer()'].filter(Boolean).join('; ');
    // A statement after the BEGIN that fails leaves the block open (aborted): close it before the session goes back to the pool.
    await this.client.query(begin).catch(async (err: unknown) => {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    });
    this.inTx = true;
    try {
      const out = await fn(this);
      await this.client.query('COMMIT');
      return out;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      // A COPY target made in the rolled-back transaction is gone with it: made again when next needed.
      this.copyTargets.clear();
      throw err;
    } finally {
      this.inTx = false;
    }
  }

  release(): void {
    this.client.release();
  }
}

// ---- PGlite ---------------------------------------------------------------------------------------

type PgliteQueryable = Pick<PGlite, 'query'> | Transaction;

class PgliteConn implements SqlConn {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly db: PGlite,
    private readonly tx: Transaction | null = null,
  ) {}

  private get target(): PgliteQueryable {
    return this.tx ?? this.db;
  }

  async query<T extends Row = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    const r = await this.target.query<T>(text, params as never[]);
    return r.rows;
  }

  async load(table: string, columns: string[], rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    const objects = rows.map((r) => {
      const o: Row = {};
      columns.forEach((c, i) => {
        const v = r[i];
        o[c] = v instanceof Date ? v.toISOString() : v;
      });
      return o;
    });
    const json = JSON.stringify(objects).replace(/\\u0000/g, '');
    await this.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $1::json)`, [json]);
  }

  async transaction<T>(fn: (c: SqlConn) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.tx) return fn(this);
    return this.db.transaction(async (tx) => {
      if (options.deferSettlement) await tx.query('SELECT arcus_settle_defer()');
      return fn(new PgliteConn(this.db, tx));
    });
  }

  release(): void {}
}

function isPool(client: unknown): client is pg.Pool {
  return !!client && typeof (client as pg.Pool).connect === 'function' && typeof (client as pg.Pool).totalCount === 'number';
}

function isPglite(client: unknown): client is PGlite {
  return !!client && typeof (client as PGlite).transaction === 'function' && typeof (client as PGlite).exec === 'function';
}

/** A session on the database behind a Drizzle handle (its `$client`). */
export async function openSqlConn(db: Db): Promise<SqlConn> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (isPool(client)) return new PgConn(await client.connect());
  if (isPglite(client)) return new PgliteConn(client);
  throw new Error('sync needs a node-postgres pool or PGlite behind the Drizzle handle');
}
