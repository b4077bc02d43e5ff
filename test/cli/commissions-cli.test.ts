/**
 * `arcus commissions` against this worker's PostgreSQL database, with the clock pinned: one
 * salesperson at 5% of March's 2,000.00 collected → 100.00; the statement approved → the Gusto
 * and ADP layouts carry it; the generic layout carries its line.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { saveSalesperson, saveSettings } from '../../server/commissions/config';
import { computeMonth } from '../../server/commissions/statements';
import type { Database } from '../../server/db/client';
import { commissionStatements, invoiceLines, invoices, organisations, paymentAllocations, payments } from '../../server/db/schema';
import { createFirm, testDatabase, workerUrl } from '../support/db';
import { describeWith } from '../support/services';

const root = fileURLToPath(new URL('../..', import.meta.url));

function arcus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: workerUrl(), SESSION_SECRET: 's'.repeat(40), TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32), LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent', ARCUS_NOW: '2026-04-10T12:00:00Z' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/arcus.mjs', ...args], { cwd: root, timeout: 90_000, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describeWith('pg', 'arcus commissions', () => {
  let database: Database;
  let orgId: string;

  beforeAll(async () => {
    database = await testDatabase();
    const firmId = (await createFirm(database)).firm.id;
    const db = database.db;
    const [org] = await db.insert(organisations).values({ firmId, provider: 'quickbooks', externalId: `r-${firmId}`, name: 'Quay Supplies', baseCurrency: 'USD', timezone: 'America/Chicago' }).returning();
    orgId = org!.id;
    const [inv] = await db.insert(invoices).values({ firmId, organisationId: orgId, externalId: 'q1', number: '1001', contactExternalId: 'k1', issueDate: '2026-02-01', dueDate: '2026-03-01', currency: 'USD', total: '2000.00', amountDue: '0', status: 'paid' }).returning();
    await db.insert(invoiceLines).values({ firmId, invoiceId: inv!.id, lineNo: 1, lineAmount: '2000.00', tracking: [{ name: 'Class', option: 'Sam Reed' }] });
    const [p] = await db.insert(payments).values({ firmId, organisationId: orgId, externalId: 'qp1', date: '2026-03-05', currency: 'USD', amount: '2000.00', status: 'authorised' }).returning();
    await db.insert(paymentAllocations).values({ firmId, organisationId: orgId, paymentId: p!.id, invoiceExternalId: 'q1', amount: '2000.00', date: '2026-03-05' });
    await saveSettings(db, firmId, orgId, { source: 'tracking', trackingCategory: 'Class', adpCompanyCode: 'QS1', adpBatchId: 'MARCH', adpEarningsCode: 'C' });
    await saveSalesperson(db, firmId, orgId, null, { name: 'Sam Reed', email: 'sam@quay.example', ledgerName: null, payrollId: '004512', canSignIn: false, plan: { baseRate: '0.05', tiers: [], accelerator: null, cap: null, holdback: null } });
    await computeMonth(db, { firmId, organisationId: orgId, month: '2026-03', now: new Date('2026-04-10T12:00:00Z') });
    await db.update(commissionStatements).set({ status: 'approved' }).where(eq(commissionStatements.organisationId, orgId));
  }, 60_000);

  it('writes the month in each layout', async () => {
    const generic = await arcus('commissions', '--month', '2026-03', '--format', 'generic', '--org', orgId);
    expect(generic.stderr).toBe('');
    expect(generic.code).toBe(0);
    const g = generic.stdout.trim().split('\r\n');
    expect(g[0]).toBe('Organisation,Salesperson,Email,Payroll ID,Month,Status,Line,What,Invoice,Date,Cash,Commission,Held back,Payable,Currency');
    expect(g[1]).toBe('Quay Supplies,Sam Reed,sam@quay.example,004512,2026-03,Approved by the client,1,Commission on cash collected,1001,5 March 2026,2000.00,100.00,0.00,100.00,USD');
    const gusto = await arcus('commissions', '--month', '2026-03', '--format', 'gusto', '--org', orgId);
    expect(gusto.stdout.trim().split('\r\n')).toEqual(['first_name,last_name,gusto_employee_id,commission', 'Sam,Reed,004512,100.00']);
    const adp = await arcus('commissions', '--month', '2026-03', '--format', 'adp', '--org', orgId);
    expect(adp.stdout.trim().split('\r\n')).toEqual(['Co Code,Batch ID,File #,Earnings 3 Code,Earnings 3 Amount', 'QS1,MARCH,004512,C,100.00']);
  }, 120_000);

  it('refuses a format it does not know', async () => {
    const bad = await arcus('commissions', '--month', '2026-03', '--format', 'paychex');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format takes one of generic, gusto, adp');
  }, 60_000);
});
