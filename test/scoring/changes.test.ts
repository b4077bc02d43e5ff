/**
 * Changing-risk alerts wired up (decision 039), on PostgreSQL with the clock pinned: a scoring run
 * of a Xero organisation (no-fit: nothing trained) stores alerts for the customer whose paying
 * shifted, a first missed promise and a bounced address, and none for a steady payer; the
 * assigned collector's My work lists them with the explanation, the worklist boosts them (×1.5,
 * CHANGE_BOOST) and the organisation's scores (the customer page) carry them.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { type Database, queryRows } from '../../server/db/client';
import { portfolioChronic } from '../../server/scoring/chronic-load';
import { findOrganisation, organisationForecast } from '../../server/scoring/forecast-load';
import { PROMISE_WEIGHT } from '../../server/scoring/never-paid-of';
import { activities, bouncedAddresses, contacts, customerAssignments, memberships, users } from '../../server/db/schema';
import { PROMISE_RECORDED } from '../../server/scoring/in-motion';
import { CHANGE_BOOST } from '../../server/scoring/rank';
import { runScoring } from '../../server/scoring/run';
import { organisationScores } from '../../server/scoring/scores';
import { getWorklist } from '../../server/scoring/worklist';
import { getMyWork } from '../../server/team/my-work';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { insertInvoices, type SeededInvoice, seedOrg } from './seed';

const NOW = new Date('2026-06-17T12:00:00Z');
const TODAY = '2026-06-17';

/** One invoice every 14 days from `first`, paid `late(k)` days after its 30-day due date (open when that is after today). */
function invoices(contact: string, first: CalendarDate, count: number, late: (k: number) => number): SeededInvoice[] {
  return Array.from({ length: count }, (_, k) => {
    const issue = addDays(first, 14 * k);
    const due = addDays(issue, 30);
    const paid = addDays(due, late(k));
    return { id: randomUUID(), externalId: `${contact}-${k}`, contact, issue, due, total: (1000 + k).toFixed(2), paidOn: paid <= TODAY ? paid : null };
  });
}

describeWith('pg', 'changing-risk alerts: scoring run, My work, worklist, customer scores', () => {
  let database: Database;
  let firmId: string;
  let orgId: string;
  let collector: string;
  let adminId: string;

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    adminId = user.id;
    const org = await seedOrg(db, firmId, 'Shifting Sands Ltd', { provider: 'xero' });
    orgId = org.id;
    await db.insert(contacts).values([
      { firmId, organisationId: orgId, externalId: 'shifter', name: 'Shifter & Co' },
      { firmId, organisationId: orgId, externalId: 'steady', name: 'Steady Traders', emails: [{ address: 'Pay@Steady.example', primary: true }] },
      { firmId, organisationId: orgId, externalId: 'chronic', name: 'Always Late plc' },
    ]);
    // 18 invoices from 2025-09-01 (the last due 2026-05-21); the shifter pays 1–3 days late, then its last 5 (due from 2026-03-26) 25–29 days late.
    const jitter = [2, 1, 3, 2, 1, 3, 2, 2, 1, 3, 2, 1, 3];
    const shifter = invoices('shifter', '2025-09-01', 18, (k) => (k < 13 ? jitter[k]! : 25 + (k % 5)));
    const steady = invoices('steady', '2025-09-03', 18, (k) => (k === 17 ? 90 : jitter[k % 13]!));
    // Always 18–22 days late (and, as it is always so, no change to alert on).
    const chronic = invoices('chronic', '2025-09-05', 18, (k) => 18 + (k % 5));
    await insertInvoices(db, firmId, orgId, [...shifter, ...steady, ...chronic]);
    const [u] = await db.insert(users).values({ email: `cal-${randomUUID()}@firm.example`, name: 'Cal Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    collector = u!.id;
    await db.insert(memberships).values({ firmId, userId: collector, role: 'collector' });
    await db.insert(customerAssignments).values(['shifter', 'steady'].map((c) => ({ firmId, organisationId: orgId, contactExternalId: c, userId: collector })));
    // The steady payer promised its open invoice (due 2026-05-23) for 5 June and has not paid; a reminder to it bounced on 10 June.
    const open = steady[17]!;
    await db.insert(activities).values({
      firmId,
      organisationId: orgId,
      actorType: 'user',
      actorUserId: adminId,
      kind: PROMISE_RECORDED,
      invoiceId: open.id,
      summary: 'Promised to pay',
      details: { promisedDate: '2026-06-05', contactExternalId: 'steady' },
      createdAt: new Date('2026-05-30T10:00:00Z'),
    });
    await db.insert(bouncedAddresses).values({ firmId, organisationId: orgId, address: 'pay@steady.example', status: '5.1.1', bouncedAt: new Date('2026-06-10T09:00:00Z') });
    await runScoring(db, { organisationId: orgId, firmId, now: NOW });
  }, 120_000);

  it('shows the changed customers in the collector’s My work with the explanation', async () => {
    const work = await getMyWork(database.db, { firmId, userId: collector, role: 'collector' }, { limit: 50, offset: 0, now: NOW });
    const byName = Object.fromEntries(work.changedBehaviour.map((c) => [c.customerName, c.alerts.map((a) => a.title)]));
    expect(byName).toEqual({ 'Shifter & Co': ['Paying later'], 'Steady Traders': ['First missed promise', 'Email bounced'] });
    const shifter = work.changedBehaviour.find((c) => c.contactExternalId === 'shifter')!;
    expect(shifter.organisationName).toBe('Shifting Sands Ltd');
    expect(shifter.alerts[0]!.explanation).toMatch(/^Paid the last 4 invoices 2\d days late on average, against 2 days late before \(median of the previous 12\)/);
    const steady = work.changedBehaviour.find((c) => c.contactExternalId === 'steady')!;
    expect(steady.alerts[0]!.explanation).toBe('Promised to pay STEADY-17 by 5 June 2026 and has not: the first missed promise on record.');
    // Another collector's My work shows none of them.
    const other = await getMyWork(database.db, { firmId, userId: adminId, role: 'admin' }, { limit: 50, offset: 0, now: NOW });
    expect(other.changedBehaviour).toEqual([]);
  });

  it('boosts the changed customers on the worklist by the documented factor', async () => {
    const w = await getWorklist(database.db, { firmId, userId: adminId, role: 'admin' }, { now: NOW });
    const steady = w.customers.find((c) => c.contactExternalId === 'steady')!;
    expect(steady.changes.map((a) => a.kind)).toEqual(['missed_promise', 'bounced']);
    for (const inv of steady.invoices) {
      expect(inv.why.change).toEqual({ label: 'changed behaviour: first missed promise, email bounced', factor: CHANGE_BOOST });
      const motions = inv.why.motions.reduce((s, m) => s * m.factor, 1);
      expect(inv.why.value).toBeCloseTo(inv.why.base * motions * CHANGE_BOOST, 1);
    }
  });

  it('puts the alerts on the customer’s scores (the customer page)', async () => {
    const s = await organisationScores(database.db, firmId, orgId);
    const shifter = s.customers.find((c) => c.contactExternalId === 'shifter')!;
    expect(shifter.changes.map((a) => a.title)).toEqual(['Paying later']);
  });

  it('segments the chronic late payer by the explicit definition, with its trend and suggested actions', async () => {
    const s = await organisationScores(database.db, firmId, orgId);
    expect(Object.fromEntries(s.customers.map((c) => [c.contactExternalId, c.segment === 'chronic_late']))).toEqual({ chronic: true, shifter: false, steady: false });
    const p = await portfolioChronic(database.db, firmId, NOW);
    expect(p.customers.map((c) => [c.name, c.organisationName, c.invoices, c.lateShare])).toEqual([['Always Late plc', 'Shifting Sands Ltd', 10, 1]]);
    expect(p.trend).toHaveLength(12);
    expect(p.trend.at(-1)).toEqual({ asOf: TODAY, judged: 3, chronic: 1, share: 0.333 });
    // Five paid invoices are needed: a year ago no one could be judged yet.
    expect(p.trend[0]).toEqual({ asOf: '2025-07-31', judged: 0, chronic: 0, share: null });
    expect(p.actions.map((a) => a.title)).toEqual(['Shorter terms', 'Direct debit', 'Deposits', 'Stop supply']);
  });

  it('times a promised invoice by its promise in the forecast, and counts what may never be paid', async () => {
    const db = database.db;
    const [open] = await queryRows<{ id: string; due: string }>(db, sql`SELECT id, amount_due::text AS due FROM invoices WHERE organisation_id = ${orgId} AND external_id = 'shifter-17'`);
    if (!open) throw new Error('the shifter’s open invoice is missing');
    await db.insert(activities).values({
      firmId,
      organisationId: orgId,
      actorType: 'user',
      actorUserId: adminId,
      kind: PROMISE_RECORDED,
      invoiceId: open.id,
      summary: 'Promised to pay',
      details: { promisedDate: '2026-07-08', contactExternalId: 'shifter' },
      createdAt: new Date('2026-06-16T10:00:00Z'),
    });
    const org = (await findOrganisation(db, firmId, orgId))!;
    const f = await organisationForecast(db, org, NOW);
    // Paid by 11 July (the promise + 3 days) with weight 0.6: the week of 6–12 July holds at least that much of it.
    const week = f.forecast.weeks.find((w) => w.weekStart === '2026-07-06')!;
    expect(week.expected).toBeGreaterThanOrEqual(Math.floor(toMinor(open.due) * PROMISE_WEIGHT * 0.95));
    // The steady payer's open invoice is 25 days past due against a usual 2: some of it may never be paid.
    expect(f.forecast.neverPaid).toBeGreaterThan(0);
    expect(f.forecast.weeks.reduce((s, w) => s + w.expected, 0) + f.forecast.later + f.forecast.neverPaid).toBe(f.forecast.open);
    expect(f.lastQuarter.bias).not.toBeNull();
    expect(f.lastQuarter.mape).not.toBeNull();
  });
});
