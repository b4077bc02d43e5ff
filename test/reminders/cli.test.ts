/** `arcus remind --org ID --dry-run [--date]` against this worker's PostgreSQL database. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { reminderInvoiceHolds } from '../../server/db/schema';
import { createFirm, testDatabase, workerUrl } from '../support/db';
import { describeWith } from '../support/services';
import { seedOrg } from './seed';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ENV = { PATH: process.env.PATH ?? '', DATABASE_URL: '', SESSION_SECRET: 's'.repeat(40), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent' };

function arcus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/arcus.mjs', 'remind', ...args], { cwd: root, timeout: 120_000, env: { ...ENV, DATABASE_URL: workerUrl() } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describeWith('pg', 'arcus remind', () => {
  it('prints what would be sent on a date, with masked addresses and the skips', { timeout: 150_000 }, async () => {
    const database = await testDatabase();
    const { firm } = await createFirm(database);
    const org = await seedOrg(database.db, firm.id, { perInvoice: true,
      timezone: 'Europe/London',
      contacts: [
        { externalId: 'k1', name: 'Bayside Cafe Ltd', emails: [{ address: 'accounts@bayside.example', primary: true }] },
        { externalId: 'k2', name: 'North Yard', emails: [{ address: 'ap@northyard.example', primary: true }] },
      ],
      invoices: [
        { number: 'R-1', due: 1, contact: 'k1', amount: '1250.00' },
        { number: 'R-2', due: -6, contact: 'k2', amount: '80.00' },
        { number: 'R-3', due: 4, contact: 'k2' },
      ],
    });
    await database.db.insert(reminderInvoiceHolds).values({ firmId: firm.id, organisationId: org.id, invoiceExternalId: 'inv-1-R-2', pausedUntil: '2026-12-31' });
    const { code, stdout, stderr } = await arcus('--org', org.id, '--dry-run', '--date', '2026-11-24');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Harbour Test Ltd (Europe/London) — reminders that would go out on 24 Nov 2026 (2026-11-24)');
    expect(stdout).toContain('Window 09:00–17:00 local time; daily limit 200.');
    expect(stdout).toMatch(/Bayside Cafe Ltd\s+R-1 £1,250.00\s+reminder 2 \(on the due date\)\s+accounts@…/);
    expect(stdout).not.toContain('accounts@bayside');
    expect(stdout).toContain('2 emails (0 waiting for approval, 0 over the daily limit); 1 skipped:');
    expect(stdout).toMatch(/North Yard\s+R-2\s+reminder 3 — Reminders for the invoice are paused/);
    expect(stdout).toMatch(/North Yard\s+R-3 £1,250.00\s+reminder 1 \(3 days before the due date\)/);
  });

  it('asks for --org and --dry-run', { timeout: 150_000 }, async () => {
    expect((await arcus('--dry-run')).code).toBe(2);
    const r = await arcus('--org', '4a0c2d6e-8f41-4b6e-9d0a-1c2b3d4e5f60');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('only --dry-run is supported');
  });
});
