/**
 * The worklist on real PostgreSQL: ranking by amount × risk × how overdue, what is in motion
 * ranking lower (promises, disputes, contacts), firm scoping, and which organisations a
 * collector sees.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { activities, memberships, organisationAssignments, users } from '../../server/db/schema';
import { addDays } from '../../kernel/dates';
import { CONTACT_CONTACTED, MOTION_FACTOR, PROMISE_RECORDED, INVOICE_DISPUTED } from '../../server/scoring/in-motion';
import { overdueFactor } from '../../server/scoring/rank';
import { getWorklist, markContacted, type Worklist } from '../../server/scoring/worklist';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { buildFixture, NOW, type ScoringFixture, TODAY } from './fixture';

describeWith('pg', 'the worklist', () => {
  let database: Database;
  let fx: ScoringFixture;
  const admin = () => ({ firmId: fx.firmId, userId: fx.userId, role: 'admin' as const });
  const customer = (w: Worklist, ext: string) => w.customers.find((c) => c.contactExternalId === ext);

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
  });

  it('scores on demand, then ranks customers and invoices by the value of acting now', async () => {
    const w = await getWorklist(database.db, admin(), { now: NOW });
    expect(w.organisations.map((o) => o.name)).toEqual(['Harbour Supplies', 'Latecomers Ltd']);
    expect(w.totalInvoices).toBe(fx.invoicesA.filter((i) => !i.paidOn).length + fx.invoicesB.filter((i) => !i.paidOn).length);
    // Ranked by value, each value the product of its figures.
    for (let i = 1; i < w.customers.length; i++) expect(w.customers[i - 1]!.value).toBeGreaterThanOrEqual(w.customers[i]!.value);
    for (const c of w.customers) {
      for (let i = 1; i < c.invoices.length; i++) expect(c.invoices[i - 1]!.why.value).toBeGreaterThanOrEqual(c.invoices[i]!.why.value);
      for (const inv of c.invoices) {
        expect(inv.why.value).toBeCloseTo(inv.amountDue * inv.pLate * overdueFactor(inv.daysOverdue), 1);
        expect(inv.daysOverdue).toBe(Math.round((Date.parse(TODAY) - Date.parse(inv.dueDate!)) / 86_400_000));
        // The fixture's organisations are QuickBooks ones (fitted models; see fixture.ts).
        expect(inv.link).toMatch(/^https:\/\/app\.qbo\.intuit\.com\/app\/invoice\?txnId=/);
      }
    }
    // The chronic late payer with overdue invoices outranks the prompt payer.
    const chronic = customer(w, 'chronic')!;
    const prompt = customer(w, 'prompt')!;
    expect(chronic.rank).toBeLessThan(prompt.rank);
    expect(chronic).toMatchObject({ name: 'Chronic Late Co', segment: 'chronic_late', organisationName: 'Harbour Supplies' });
    expect(chronic.reasons[0]!.text).toMatch(/pays \d+ days late on average/);
    expect(chronic.invoices[0]!.daysOverdue).toBeGreaterThan(0);
    // Nothing from the other firm.
    expect(w.customers.some((c) => c.organisationId === fx.otherOrgId)).toBe(false);
  });

  it('ranks a customer with a live promise, and a disputed invoice, lower', async () => {
    const before = await getWorklist(database.db, admin(), { now: NOW });
    const chronic = customer(before, 'chronic')!;
    const top = customer(before, 'slow-1')!.invoices[0]!;
    await database.db.insert(activities).values([
      { id: randomUUID(), firmId: fx.firmId, organisationId: fx.orgA.id, actorType: 'debtor', kind: PROMISE_RECORDED, contactId: chronic.contactId, summary: 'Promised to pay', details: { promisedDate: addDays(TODAY, 7) }, createdAt: new Date(NOW.getTime() - 3_600_000) },
      // An expired promise does not count.
      { id: randomUUID(), firmId: fx.firmId, organisationId: fx.orgB.id, actorType: 'debtor', kind: PROMISE_RECORDED, contactId: customer(before, 'slow-2')!.contactId, summary: 'Promised', details: { promisedDate: addDays(TODAY, -1) }, createdAt: new Date(NOW.getTime() - 10 * 86_400_000) },
      { id: randomUUID(), firmId: fx.firmId, organisationId: fx.orgB.id, actorType: 'user', kind: INVOICE_DISPUTED, invoiceId: top.invoiceId, summary: 'Disputed', createdAt: new Date(NOW.getTime() - 86_400_000) },
    ]);
    const after = await getWorklist(database.db, admin(), { now: NOW });
    const chronicAfter = customer(after, 'chronic')!;
    expect(chronicAfter.value).toBeCloseTo(chronic.value * MOTION_FACTOR.promised, 0);
    expect(chronicAfter.rank).toBeGreaterThan(chronic.rank);
    expect(chronicAfter.invoices[0]!.motions.map((m) => m.label)).toEqual([`promised to pay by ${addDays(TODAY, 7)}`]);
    const disputed = customer(after, 'slow-1')!.invoices.find((i) => i.invoiceId === top.invoiceId)!;
    expect(disputed.why.value).toBeCloseTo(top.why.value * MOTION_FACTOR.disputed, 1);
    expect(disputed.motions[0]!.kind).toBe('disputed');
    expect(customer(after, 'slow-2')!.invoices.every((i) => i.motions.length === 0)).toBe(true);
  });

  it('marks a customer contacted: an activity, and the customer ranks lower for a week', async () => {
    const before = await getWorklist(database.db, admin(), { now: NOW });
    const slow = customer(before, 'slow-3')!;
    await markContacted(database.db, admin(), { organisationId: fx.orgB.id, contactExternalId: 'slow-3' });
    const rows = await database.db.select().from(activities).where(and(eq(activities.firmId, fx.firmId), eq(activities.kind, CONTACT_CONTACTED)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ organisationId: fx.orgB.id, contactId: slow.contactId, actorUserId: fx.userId, actorType: 'user', summary: 'Contacted Slow Three' });
    const after = await getWorklist(database.db, admin(), { now: new Date(rows[0]!.createdAt.getTime() + 1000) });
    const slowAfter = customer(after, 'slow-3')!;
    expect(slowAfter.invoices[0]!.motions[0]!.label).toMatch(/^contacted today by User /);
    // A week later it no longer counts.
    const later = await getWorklist(database.db, admin(), { now: new Date(rows[0]!.createdAt.getTime() + 8 * 86_400_000) });
    expect(customer(later, 'slow-3')!.invoices[0]!.motions).toEqual([]);
    // Not on the caller's worklist: refused.
    await expect(markContacted(database.db, { ...admin(), firmId: fx.otherFirmId }, { organisationId: fx.orgB.id, contactExternalId: 'slow-3' })).rejects.toThrow('No such organisation');
  });

  it('shows a collector the organisations assigned to them, or all without assignments', async () => {
    const db = database.db;
    const [assigned] = await db.insert(users).values({ email: `a-${randomUUID()}@x.example`, name: 'Assigned Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    const [free] = await db.insert(users).values({ email: `f-${randomUUID()}@x.example`, name: 'Free Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    await db.insert(memberships).values([
      { firmId: fx.firmId, userId: assigned!.id, role: 'collector' },
      { firmId: fx.firmId, userId: free!.id, role: 'collector' },
    ]);
    await db.insert(organisationAssignments).values({ firmId: fx.firmId, organisationId: fx.orgB.id, userId: assigned!.id });
    const mine = await getWorklist(db, { firmId: fx.firmId, userId: assigned!.id, role: 'collector' }, { now: NOW });
    expect(mine.organisations.map((o) => o.id)).toEqual([fx.orgB.id]);
    expect(new Set(mine.customers.map((c) => c.organisationId))).toEqual(new Set([fx.orgB.id]));
    await expect(getWorklist(db, { firmId: fx.firmId, userId: assigned!.id, role: 'collector' }, { organisationId: fx.orgA.id, now: NOW })).rejects.toThrow('No such organisation');
    const all = await getWorklist(db, { firmId: fx.firmId, userId: free!.id, role: 'collector' }, { now: NOW });
    expect(all.organisations).toHaveLength(2);
    // Filtered to one organisation.
    const onlyA = await getWorklist(db, admin(), { organisationId: fx.orgA.id, now: NOW });
    expect(new Set(onlyA.customers.map((c) => c.organisationId))).toEqual(new Set([fx.orgA.id]));
    // Another firm's admin sees none of this firm's organisations.
    const other = await getWorklist(db, { firmId: fx.otherFirmId, userId: fx.userId, role: 'admin' }, { now: NOW });
    expect(other.organisations.map((o) => o.id)).toEqual([fx.otherOrgId]);
  });
});
