/**
 * `arcus sync --org ID --sandbox-url URL` against this worker's PostgreSQL database and a sandbox
 * ledger over HTTP: after the counts it reports the invoices whose ledger balance Arcus cannot
 * explain (the balance invariant), by count and id — none on a consistent ledger.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { invoices } from '../../server/db/schema';
import { workerUrl } from '../support/db';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

const root = fileURLToPath(new URL('../..', import.meta.url));

let fx: SyncFixture;
let organisationId: string;

function arcusSync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: workerUrl(), SESSION_SECRET: 's'.repeat(40), TOKEN_ENCRYPTION_KEY: fx.tokenKey.toString('hex'), LEDGER_SANDBOX: 'on', LOG_LEVEL: 'silent' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/arcus.mjs', 'sync', ...args], { cwd: root, timeout: 90_000, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describeWith('pg', 'arcus sync reports balances Arcus cannot explain', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5, companies: [{ provider: 'xero', customers: 25, invoices: 250 }] });
    ({ organisationId } = await fx.connect('xero', fx.companyIds[0]!));
  }, 60_000);
  afterAll(async () => fx?.close());

  it('prints nothing to explain on a consistent ledger, then the count and ids when a settlement source is missing', { timeout: 200_000 }, async () => {
    const first = await arcusSync('--org', organisationId, '--full', '--sandbox-url', fx.url);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Xero\s+ok/);
    expect(first.stdout).not.toContain('cannot explain');
    // Lose the overpayment and prepayment allocations (as Arcus did before issue #13): nothing
    // changes in the ledger, so the next incremental sync does not bring them back.
    const lost = await fx.db.execute(sql`SELECT DISTINCT invoice_external_id FROM prepayment_allocations WHERE organisation_id = ${organisationId}`);
    const external = (lost as unknown as { rows: { invoice_external_id: string }[] }).rows.map((r) => r.invoice_external_id);
    expect(external.length).toBeGreaterThan(0);
    await fx.db.execute(sql`DELETE FROM prepayment_allocations WHERE organisation_id = ${organisationId}`);
    const second = await arcusSync('--org', organisationId, '--sandbox-url', fx.url);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`  ${external.length} of \\d+ invoices have a balance Arcus cannot explain \\(invoice ids\\):`));
    for (const ext of external) {
      const [row] = await fx.db.select({ id: invoices.id }).from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, ext)));
      expect(second.stdout).toContain(`${row!.id}  ${ext}  balance:`);
    }
    expect(second.stdout).toContain(`${external.length} invoice${external.length === 1 ? '' : 's'} with a balance Arcus cannot explain.`);
  });
});
