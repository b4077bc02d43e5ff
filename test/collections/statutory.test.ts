/**
 * UK statutory interest end to end against the database: the preset policy, the rate table (with a
 * firm's correction), the `late_fee` write-backs with their source keys, and the rate table's API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { assessLateFeesForOrganisation, previewLateFees } from '../../server/collections/late-fees';
import { setRate } from '../../server/collections/statutory-rates';
import type { Database } from '../../server/db/client';
import { statutoryRates } from '../../server/db/schema';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { diffDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { apiClient, startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedCollections, TODAY } from './seed';

describeWith('pg', 'Statutory interest against the database', () => {
  it('charges the Act’s amounts on a £5,000 invoice 90 days late, once, through write-backs', async () => {
    const s = await seedCollections({
      invoices: [
        { number: 'UK-1', due: diffDays(TODAY, '2025-03-15'), amount: '5000.00' },
        { number: 'EUR-1', due: diffDays(TODAY, '2025-03-15'), amount: '5000.00', currency: 'EUR' },
      ],
      policy: { lateFees: { enabled: true, kind: 'uk_statutory', graceDays: 0, post: 'invoice' } },
    });
    s.setDay('2025-06-13');
    const first = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    // Hand-computed (test/collections/statutory-domain.test.ts): 12.75% = 4.75% (31 Dec 2024) + 8;
    // Mar 27.95, Apr 52.40, May 54.14 (whole months so far), compensation £70.
    expect(first.requested.map((r) => [r.periodKey, r.amount])).toEqual([
      ['compensation', '70.00'],
      ['2025-03', '27.95'],
      ['2025-04', '52.40'],
      ['2025-05', '54.14'],
    ]);
    expect((await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId)).requested).toEqual([]);
    const fees = await s.writebacksOf({ kind: 'late_fee' });
    expect(fees.map((f) => f.sourceKey)).toContain(`late_fee:${s.invoice('UK-1').id}:compensation`);
    expect(fees.every((f) => f.invoiceId === s.invoice('UK-1').id)).toBe(true); // the euro invoice is not charged under the UK Act
    const interest = fees.find((f) => f.sourceKey?.endsWith(':2025-04'))!;
    expect((interest.request as { lines: { description: string }[] }).lines[0]!.description).toBe(
      'Statutory interest at 12.75% a year (Late Payment of Commercial Debts (Interest) Act 1998) on £5,000.00 overdue on UK-1, 30 days (Apr 2025)',
    );
    expect((await previewLateFees(s.db, s.firmId, s.orgId, s.invoice('EUR-1').id, s.now())).skipped).toBe('other_currency');

    // A firm's correction of the reference rate is what the next month's interest uses.
    await setRate(s.db, s.firmId, { jurisdiction: 'uk', effectiveFrom: '2024-11-07', rate: '4.5' }, s.userId, s.now());
    s.setDay('2025-07-02');
    const june = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    // June: 30 days at 12.5%: 5,000 × 0.125 × 30 / 365 = 51.3698… → 51.37.
    expect(june.requested.map((r) => [r.periodKey, r.amount])).toEqual([['2025-06', '51.37']]);
  });
});

describeWith('pg', 'Statutory rate table API', () => {
  let arcus: Arcus;
  let database: Database;
  let api: ReturnType<typeof apiClient>;
  let csrf = '';
  let firmId = '';
  const call = (p: string, init: { method?: string; body?: unknown } = {}) => api(p, { ...init, csrf });

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await ensureDemoFirm(database.db)).firmId;
    arcus = await startTestApp(`statutory-${randomUUID().slice(0, 8)}`, database, { LEDGER_SANDBOX: 'off' });
    api = apiClient(arcus.url);
    csrf = (await api('/api/session')).body.csrfToken;
    csrf = (await api('/api/auth/demo', { method: 'POST', csrf })).body.csrfToken;
  }, 60_000);
  afterAll(async () => {
    await arcus?.close();
    await database.db.delete(statutoryRates).where(eq(statutoryRates.firmId, firmId));
  });

  it('lists the built-in rates, saves a correction and a new rate, refuses bad input in words, removes the firm’s row', async () => {
    const list = await call('/api/collections/statutory-rates');
    expect(list.status).toBe(200);
    expect(list.body.rates).toContainEqual(expect.objectContaining({ jurisdiction: 'uk', effectiveFrom: '2024-11-07', rate: '4.75', originText: 'Built in', rateName: 'Bank of England base rate' }));
    // The day the built-in rows were last checked, so the settings page can say what may be missing.
    expect(list.body.confirmedThrough).toBe('2026-02-05');
    expect(list.body.rates.filter((r: { jurisdiction: string; effectiveFrom: string; origin: string }) => r.origin === 'built_in' && r.effectiveFrom > list.body.confirmedThrough)).toEqual([]);
    const put = await call('/api/collections/statutory-rates', { method: 'PUT', body: { jurisdiction: 'uk', effectiveFrom: '2026-02-05', rate: '3.50' } });
    expect(put.status).toBe(200);
    expect(put.body.rates).toContainEqual(expect.objectContaining({ effectiveFrom: '2026-02-05', rate: '3.5', originText: 'Added by your firm' }));
    const bad = await call('/api/collections/statutory-rates', { method: 'PUT', body: { jurisdiction: 'uk', effectiveFrom: '2026-02-30', rate: '3.5' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual([{ field: 'effectiveFrom', message: 'Enter a real day, on or after 1 November 1998.' }]);
    const badRate = await call('/api/collections/statutory-rates', { method: 'PUT', body: { jurisdiction: 'uk', effectiveFrom: '2026-02-05', rate: '3,5' } });
    expect(badRate.status).toBe(400);
    expect(badRate.body.error.fields).toEqual([{ field: 'rate', message: 'Enter the rate as a percentage under 100 with at most 4 decimal places, such as 4.75.' }]);
    const badKind = await call('/api/collections/statutory-rates', { method: 'PUT', body: { jurisdiction: 'fr', effectiveFrom: '2026-02-05', rate: '3.5' } });
    expect(badKind.status).toBe(400);
    expect(JSON.stringify(badKind.body.error)).not.toContain('uk');
    const del = await call('/api/collections/statutory-rates?jurisdiction=uk&effectiveFrom=2026-02-05', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body.rates.find((r: { effectiveFrom: string }) => r.effectiveFrom === '2026-02-05')).toBeUndefined();
    expect((await call('/api/collections/statutory-rates?jurisdiction=uk&effectiveFrom=2024-11-07', { method: 'DELETE' })).status).toBe(404);
  });
});
