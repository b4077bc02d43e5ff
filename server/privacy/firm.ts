/**
 * A firm's own data: everything it has, exported as one JSON bundle, and the account closed —
 * ledger connections revoked at the provider, then every row of the firm deleted (its members'
 * user records too, where they belong to no other firm, and their sessions).
 *
 * The export streams table by table (keyset pages of 2,000 rows) so a large firm is not held in
 * memory. It leaves out secrets (sealed ledger tokens, pay-link tokens) and the raw ledger payloads
 * (copies of documents the firm's clients hold in their own ledgers).
 */
import type { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { invalidField } from '../../kernel/errors';
import { type Db, queryRows } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { type AuditActor, recordAudit } from './audit';

/** Columns never exported: secrets and raw ledger payloads. */
const OMIT = ['access_token_enc', 'refresh_token_enc', 'token', 'token_hash', 'raw'];

/** Every table that carries firm_id (from the catalog, so tables added later are covered). */
export async function firmTables(db: Db): Promise<{ table: string; hasId: boolean }[]> {
  const rows = await queryRows<{ table_name: string; has_id: boolean }>(
    db,
    sql`SELECT c.table_name, EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public' AND i.table_name = c.table_name AND i.column_name = 'id') AS has_id
      FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND c.column_name = 'firm_id' ORDER BY c.table_name`,
  );
  return rows.map((r) => ({ table: r.table_name, hasId: r.has_id }));
}

function write(out: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(chunk)) resolve();
    else {
      out.once('drain', resolve);
      out.once('error', reject);
    }
  });
}

/**
 * Streams the bundle to `out`: `{ format, version, exportedAt, firm, members, tables: { name: [rows] } }`.
 * Runs in the caller's firm scope (row-level security) and filters by the firm besides.
 */
export async function exportFirm(db: Db, firmId: string, actor: AuditActor, now: Date, out: Writable): Promise<void> {
  await recordAudit(db, actor, { firmId, action: 'privacy.firm_exported', summary: 'Exported all of the firm’s data' }, now);
  const [firm] = await queryRows<{ row: unknown }>(db, sql`SELECT to_jsonb(f) AS row FROM firms f WHERE f.id = ${firmId}`);
  const members = await queryRows<{ row: unknown }>(
    db,
    sql`SELECT jsonb_build_object('userId', u.id, 'name', u.name, 'email', u.email, 'role', m.role, 'since', m.created_at, 'lastSignInAt', u.last_sign_in_at) AS row
      FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.firm_id = ${firmId} ORDER BY u.name`,
  );
  await write(out, `{"format":"arcus-firm-export","version":1,"exportedAt":${JSON.stringify(now.toISOString())},"firm":${JSON.stringify(firm?.row ?? null)},"members":${JSON.stringify(members.map((m) => m.row))},"tables":{`);
  const omit = sql.raw(`ARRAY[${OMIT.map((c) => `'${c}'`).join(',')}]::text[]`);
  const tables = await firmTables(db);
  for (const [i, { table, hasId }] of tables.entries()) {
    await write(out, `${i ? ',' : ''}${JSON.stringify(table)}:[`);
    let first = true;
    let after: string | null = null;
    for (;;) {
      const page: { id: string | null; row: unknown }[] = hasId
        ? await queryRows<{ id: string; row: unknown }>(
            db,
            sql`SELECT t.id::text AS id, to_jsonb(t) - ${omit} AS row FROM ${sql.identifier(table)} t
              WHERE t.firm_id = ${firmId} ${after ? sql`AND t.id > ${after}::uuid` : sql``} ORDER BY t.id LIMIT 2000`,
          )
        : await queryRows<{ id: null; row: unknown }>(db, sql`SELECT NULL AS id, to_jsonb(t) - ${omit} AS row FROM ${sql.identifier(table)} t WHERE t.firm_id = ${firmId}`);
      if (page.length === 0) break;
      await write(out, `${first ? '' : ','}${page.map((r) => JSON.stringify(r.row)).join(',')}`);
      first = false;
      if (!hasId || page.length < 2000) break;
      after = page[page.length - 1]!.id;
    }
    await write(out, ']');
  }
  await write(out, '}}');
}

export interface CloseResult {
  organisations: number;
  revokedAtProvider: number;
  warnings: string[];
  deletedRows: number;
}

/**
 * Closes the firm's account. `confirm` must be the firm's name as shown. `disconnect` revokes one
 * organisation's ledger access at its provider (server/connections/disconnect.ts), best effort: a
 * provider that cannot be reached is reported, and the tokens are deleted with everything else.
 */
export async function closeFirm(
  db: Db,
  p: { firmId: string; firmName: string; confirm: string; disconnect: (organisationId: string) => Promise<{ revokedAtProvider: boolean; warnings: string[] }> },
): Promise<CloseResult> {
  if (p.confirm.trim() !== p.firmName.trim()) throw invalidField('confirm', 'Type the firm’s name exactly as shown to close the account.', 'confirmation_mismatch');
  const orgs = await queryRows<{ id: string; connected: boolean }>(
    db,
    sql`SELECT o.id, EXISTS (SELECT 1 FROM connections c WHERE c.organisation_id = o.id AND c.status <> 'revoked' AND c.refresh_token_enc <> '') AS connected
      FROM organisations o WHERE o.firm_id = ${p.firmId}`,
  );
  const result: CloseResult = { organisations: orgs.length, revokedAtProvider: 0, warnings: [], deletedRows: 0 };
  for (const o of orgs.filter((x) => x.connected)) {
    try {
      const r = await p.disconnect(o.id);
      if (r.revokedAtProvider) result.revokedAtProvider++;
      result.warnings.push(...r.warnings);
    } catch (err) {
      result.warnings.push(`An organisation could not be disconnected at its provider: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Deleting the firm crosses what row-level security lets a firm do (users, sessions, the
  // append-only audit log going with its firm): one transaction as the system, for this firm only.
  result.deletedRows = await asSystem(() =>
    db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      let n = 0;
      const count = async (q: ReturnType<typeof sql>) => {
        const rows = await queryRows<{ n: number | string }>(t, q);
        n += Number(rows[0]?.n ?? 0);
      };
      const members = await queryRows<{ user_id: string }>(t, sql`SELECT user_id FROM memberships WHERE firm_id = ${p.firmId}`);
      await count(sql`WITH d AS (DELETE FROM organisations WHERE firm_id = ${p.firmId} RETURNING 1) SELECT count(*) AS n FROM d`);
      for (const { table } of await firmTables(t)) {
        if (table === 'audit_log') continue; // goes with the firm's row (the append-only trigger allows only that)
        await count(sql`WITH d AS (DELETE FROM ${sql.identifier(table)} WHERE firm_id = ${p.firmId} RETURNING 1) SELECT count(*) AS n FROM d`);
      }
      await count(sql`WITH d AS (DELETE FROM firms WHERE id = ${p.firmId} RETURNING 1) SELECT count(*) AS n FROM d`);
      if (members.length) {
        const ids = sql.join(members.map((m) => sql`${m.user_id}::uuid`), sql`, `);
        await count(sql`WITH d AS (DELETE FROM users u WHERE u.id IN (${ids}) AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id) RETURNING 1) SELECT count(*) AS n FROM d`);
      }
      await count(sql`WITH d AS (DELETE FROM sessions WHERE data->>'firmId' = ${p.firmId} RETURNING 1) SELECT count(*) AS n FROM d`);
      return n;
    }),
  );
  return result;
}
