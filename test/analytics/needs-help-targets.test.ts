/**
 * Needs-help reasons on the portfolio (SQL) and the dashboard (engine) alike, and targets with
 * their progress through the API (data dated relative to today, as targets measure "now").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { addDays, todayIn } from '../../kernel/dates';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type AnalyticsServer, type Body, type Client, signedIn, startAnalyticsServer } from './harness';
import { seedInvoices, seedOrganisation, seedPayment } from './seed';

const Q2 = 'from=2024-04-01&to=2024-06-29'; // 90 days; compared with 2024-01-02 .. 2024-03-31

describeWith('pg', 'needs help and targets', () => {
  let database: Database;
  let server: AnalyticsServer;
  let admin: Client;
  let rising: string;
  let slow: string;
  let targetOrg: string;

  beforeAll(async () => {
    database = await testDatabase();
    server = await startAnalyticsServer(database);
    const { firm, user } = await createFirm(database, 'admin');
    admin = await signedIn(server, database, { userId: user.id, firmId: firm.id });
    const db = database.db;

    // Rising Co: 90 days earlier AR(Mar 31) = 900 on sales 1900 → DSO 42.63;
    // now AR(Jun 29) = 2000 (current) on sales 3000 → DSO 60: up 40.7%. CEI (900 + 3000 − 2000) / (900 + 3000 − 2000) = 100.
    rising = (await seedOrganisation(db, firm.id, { name: 'Rising Co' })).id;
    await seedInvoices(db, firm.id, rising, [
      { externalId: 'r1', contact: 'c1', issue: '2024-01-10', due: '2024-02-09', total: '1000.00' },
      { externalId: 'r2', contact: 'c1', issue: '2024-03-20', due: '2024-04-19', total: '900.00' },
      { externalId: 'r3', contact: 'c1', issue: '2024-05-01', due: '2024-05-31', total: '1000.00' },
      { externalId: 'r4', contact: 'c1', issue: '2024-06-10', due: '2024-07-10', total: '2000.00' },
    ]);
    await seedPayment(db, firm.id, rising, { externalId: 'rp1', date: '2024-02-01', allocations: [{ invoice: 'r1', amount: '1000.00' }] });
    await seedPayment(db, firm.id, rising, { externalId: 'rp2', date: '2024-04-15', allocations: [{ invoice: 'r2', amount: '900.00' }] });
    await seedPayment(db, firm.id, rising, { externalId: 'rp3', date: '2024-06-10', allocations: [{ invoice: 'r3', amount: '1000.00' }] });

    // Slow Pay: one invoice due Jan 31 never paid: 150 days late at Jun 29; CEI (1000 − 1000) / 1000 = 0.
    slow = (await seedOrganisation(db, firm.id, { name: 'Slow Pay' })).id;
    await seedInvoices(db, firm.id, slow, [{ externalId: 's1', contact: 'c1', issue: '2024-01-01', due: '2024-01-31', total: '1000.00' }]);

    // Target Co, dated from today: S = 900 issued 10 days ago, 330 paid 5 days ago → DSO 570 / 900 × 90 = 57.
    const today = todayIn('UTC');
    targetOrg = (await seedOrganisation(db, firm.id, { name: 'Target Co' })).id;
    await seedInvoices(db, firm.id, targetOrg, [{ externalId: 't1', contact: 'c1', issue: addDays(today, -10), due: addDays(today, 20), total: '900.00' }]);
    await seedPayment(db, firm.id, targetOrg, { externalId: 'tp1', date: addDays(today, -5), allocations: [{ invoice: 't1', amount: '330.00' }] });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('needs help', () => {
    const expected = {
      'Rising Co': ['DSO up 41% in 90 days (43 → 60 days)'],
      'Slow Pay': ['CEI 0% is below 80%', '100% of receivables are more than 60 days past due (limit 25%)'],
    };
    it('flags the same reasons on the portfolio and on each dashboard', async () => {
      const { body } = await admin.get(`/api/portfolio?${Q2}`);
      const rows = Object.fromEntries(body.rows.map((r: Body) => [r.name, r]));
      expect(rows['Rising Co']).toMatchObject({ dso: 60, dsoCompare: 42.63, cei: 100, trend: { direction: 'up', changePct: 40.7 } });
      for (const [name, reasons] of Object.entries(expected)) expect(rows[name].needsHelp).toEqual({ flag: true, reasons });
      for (const [id, name] of [
        [rising, 'Rising Co'],
        [slow, 'Slow Pay'],
      ] as const) {
        const dash = await admin.get(`/api/organisations/${id}/dashboard?${Q2}`);
        expect(dash.body.needsHelp).toEqual({ flag: true, reasons: expected[name] });
      }
      expect(body.totals.needsHelp).toBe(2);
    });
  });

  describe('targets', () => {
    it('creates a target, reports its progress against the linear pace, edits and deletes it', async () => {
      const today = todayIn('UTC');
      const created = await admin.send('POST', `/api/organisations/${targetOrg}/targets`, {
        metric: 'dso',
        goalKind: 'relative',
        goalValue: -15,
        baselineValue: 60,
        baselineDate: addDays(today, -30),
        dueDate: addDays(today, 150),
        note: 'DSO −15% in six months',
      });
      expect(created.status).toBe(201);
      // Goal 60 × 0.85 = 51; now 57: (57 − 60) / (51 − 60) = 33.33% of the way; 30 of 180 days = 16.7% expected.
      expect(created.body).toMatchObject({ metric: 'dso', goal: 51, current: 57, progressPct: 33.33, expectedPct: 16.7, status: 'on_track' });
      const fromData = await admin.send('POST', `/api/organisations/${targetOrg}/targets`, { metric: 'dso', goalKind: 'absolute', goalValue: 45, dueDate: addDays(today, 90) });
      expect(fromData.body).toMatchObject({ baselineValue: 57, baselineDate: today, goal: 45, current: 57, progressPct: 0, status: 'on_track' });
      const edited = await admin.send('PATCH', `/api/targets/${created.body.id}`, { baselineDate: addDays(today, -150) });
      // 150 of 300 days: 50% expected, 33.33% done → behind.
      expect(edited.body).toMatchObject({ expectedPct: 50, status: 'behind' });
      const list = await admin.get(`/api/organisations/${targetOrg}/targets`);
      expect(list.body.targets).toHaveLength(2);
      expect((await admin.send('DELETE', `/api/targets/${created.body.id}`)).status).toBe(200);
      expect((await admin.send('DELETE', `/api/targets/${created.body.id}`)).status).toBe(404);
      expect((await admin.send('POST', `/api/organisations/${targetOrg}/targets`, { metric: 'cei', goalKind: 'absolute', goalValue: 90, dueDate: addDays(today, -1) })).status).toBe(400);
    });
  });
});
