/**
 * `arcus fees` and `arcus report` against this worker's PostgreSQL database, with the clock pinned
 * (ARCUS_NOW). The client is test/reports/seed.ts's (July 2026: 500.00 collected, credited to a
 * reminder; DSO 92.00 → 46.00). Its plan: 250.00 a month plus 10% of cash collected through Arcus
 * → 250.00 + 50.00 = 300.00.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { FeePlanSchema } from '../../server/fees/core';
import { setFeePlan } from '../../server/fees/plans';
import { createFirm, testDatabase, workerUrl } from '../support/db';
import { describeWith } from '../support/services';
import { pdfText, seedReportClient } from '../reports/seed';

const root = fileURLToPath(new URL('../..', import.meta.url));

function arcus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: workerUrl(), SESSION_SECRET: 's'.repeat(40), TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32), LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent', ARCUS_NOW: '2026-08-10T12:00:00Z' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/arcus.mjs', ...args], { cwd: root, timeout: 90_000, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describeWith('pg', 'arcus fees and arcus report', () => {
  let database: Database;
  let firmId: string;
  let client: Awaited<ReturnType<typeof seedReportClient>>;

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
    client = await seedReportClient(database, firmId);
    const plan = FeePlanSchema.parse({ components: [{ type: 'fixed', amount: '250' }, { type: 'share', percent: '10', floor: null, cap: null }] });
    await setFeePlan(database.db, { firmId, organisationId: client.organisationId, userId: null, input: { plan, ledgerContactId: null }, now: new Date('2026-08-10T12:00:00Z') });
  }, 60_000);

  it('works out and prints the month’s fees as CSV, once however often it runs', async () => {
    const before = await arcus('fees', '--month', '2026-07', '--firm', firmId);
    expect(before.stdout).toContain('add --compute to work them out');
    for (let i = 0; i < 2; i++) {
      const { code, stdout, stderr } = await arcus('fees', '--month', '2026-07', '--firm', firmId, '--compute', '--csv');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toBe('firm,client,month,currency,fee,status,working');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`,${client.name},2026-07,USD,300.00,Draft: waiting for approval,`);
      expect(lines[1]).toContain('10% of 500.00 USD collected through Arcus this month = 50.00 USD.');
    }
    const rows = await database.pool!.query('SELECT count(*)::int AS n FROM fee_statements WHERE organisation_id = $1', [client.organisationId]);
    expect(rows.rows[0].n).toBe(1);
  }, 120_000);

  it('refuses a malformed month in words', async () => {
    const { code, stderr } = await arcus('fees', '--month', '2026-13');
    expect(code).toBe(2);
    expect(stderr).toContain('--month takes a month as YYYY-MM');
  });

  it('prints the report’s headline figures and writes its PDF', async () => {
    const file = path.join(tmpdir(), `arcus-report-${process.pid}-${Date.now()}.pdf`);
    try {
      const { code, stdout, stderr } = await arcus('report', '--org', client.organisationId, '--month', '2026-07', '--pdf', file);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain(`${client.name} — July 2026`);
      expect(stdout).toContain('Days sales outstanding (DSO): 46.00 days (baseline 92.00 days)');
      expect(stdout).toContain('Cash released: US$500.00.');
      expect(stdout).toContain('Reminders: US$500.00 (1 payment)');
      expect(existsSync(file)).toBe(true);
      expect(await pdfText(readFileSync(file))).toContain(client.name);
    } finally {
      rmSync(file, { force: true });
    }
  }, 120_000);
});
