/**
 * The worklist ranked by PostgreSQL (getWorklist → worklist-sql.ts, decision 070) equals the
 * in-memory path (getWorklistInMemory, kept as the reference) on random seeded firms: the same
 * customers in the same order with the same figures and "why here" items, page by page and
 * whole, per organisation, for My work's `only`, for a collector with assignments, and on
 * several days (the overdue factor and what is in motion change with the day).
 *
 * The data is made to find the differences a SQL copy of a float computation can have: values
 * tied between customers (names equal but for case, accents, equal amounts and risks), three or
 * more motions on one invoice (float products depend on their order), disputes and plans ended
 * and started again, activities in the same millisecond, the customer's activities by contact id
 * and by ledger id, amounts with sub-cent digits, a rate with many decimals (half-even cents),
 * an organisation without a rate, changing-risk alerts, invoices not due yet and far overdue.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import type { Database } from '../../server/db/client';
import { activities, customerScores, exchangeRates, firms, invoiceScores, memberships, organisationAssignments, organisations, scoringCache, users } from '../../server/db/schema';
import { mulberry32 } from '../../server/domain/random';
import { CHANGES_KIND } from '../../server/scoring/changes';
import { CALL_LOGGED, CONTACT_CONTACTED, DISPUTE_RESOLVED, INVOICE_DISPUTED, PLAN_CREATED, PLAN_ENDED, PROMISE_RECORDED, REMINDER_SENT } from '../../server/scoring/in-motion';
import { RUN_KIND } from '../../server/scoring/run';
import { getWorklist, getWorklistInMemory, type Worklist, type WorklistOptions } from '../../server/scoring/worklist';
import { rankWorklistPage } from '../../server/scoring/worklist-sql';
import { seedContacts, seedInvoices, seedOrganisation } from '../analytics/seed';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const TODAY = '2026-06-17';
const NOW = new Date('2026-06-17T15:30:00.000Z');


describeWith('pg', 'the worklist ranked in SQL equals the in-memory worklist', () => {
  let database: Database;
  let firmId: string;
  let userId: string;
  let collectorId: string;
  const orgIds: string[] = [];
  const customersOf = new Map<string, string[]>();

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    userId = made.user.id;
    await db.update(firms).set({ reportingCurrency: 'USD' }).where(sql`id = ${firmId}`);
    await db.insert(exchangeRates).values({ firmId, currency: 'GBP', reportingCurrency: 'USD', rateToReporting: '1.2734567891', asOf: '2026-01-01' });
    const names = ['acme', 'Acme', 'ACME', 'Émile Ltd', 'zeta', 'Zeta', 'beta & co', 'Beta & Co', 'Same Name', 'Same Name'];
    for (const [k, baseCurrency] of ['USD', 'GBP', 'EUR'].entries()) {
      const rand = mulberry32(7000 + k);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      const org = await seedOrganisation(db, firmId, { name: `Worklist org ${k}`, provider: k === 1 ? 'quickbooks' : 'xero', baseCurrency, timezone: k === 2 ? 'Pacific/Auckland' : 'UTC' });
      orgIds.push(org.id);
      const exts = Array.from({ length: 24 }, (_, i) => `c${k}-${i}`);
      customersOf.set(org.id, exts);
      // Most customers have a contact row; a few are only a ledger id on their invoices.
      const contactRows = await seedContacts(
        db,
        firmId,
        org.id,
        exts.filter((_, i) => i % 6 !== 5).map((e, i) => ({ externalId: e, name: names[i % names.length]! })),
      );
      const contactId = new Map(contactRows.map((c) => [c.externalId, c.id]));
      const seeds = Array.from({ length: 110 }, (_, i) => {
        const issue = addDays(TODAY, -Math.floor(rand() * 400));
        const due = rand() < 0.1 ? null : addDays(issue, pick([0, 14, 30, 60]));
        return { externalId: `inv-${k}-${i}`, contact: pick(exts), issue, due, total: pick(['100.00', '250.50', '99.99', '1000.00', '12.34']), status: rand() < 0.05 ? 'draft' : 'authorised', number: rand() < 0.1 ? 'SAME' : `N-${k}-${i}` };
      });
      // Customers whose values tie (one equal invoice each, no activity): the name order decides, ASCII case folded, then the ledger id.
      const ties = Array.from({ length: 10 }, (_, i) => `t${k}-${i}`);
      await seedContacts(db, firmId, org.id, ties.slice(0, 8).map((e, i) => ({ externalId: e, name: names[i]! })));
      for (const [i, e] of ties.entries()) seeds.push({ externalId: `tie-${k}-${i}`, contact: e, issue: addDays(TODAY, -50), due: addDays(TODAY, -20), total: '100.00', status: 'authorised', number: `T-${i}` });
      // One invoice per order of a promise, a dispute and a reminder: 5.00 × P(late) 1 × 0.5 (not due) × 0.2 × 0.3 × 0.7 is 0.10 or 0.11 by the order of the product.
      const orders = k === 0 ? [PROMISE_RECORDED, INVOICE_DISPUTED, REMINDER_SENT].flatMap((a, _, all) => all.filter((b) => b !== a).flatMap((b) => [[a, b, all.find((c) => c !== a && c !== b)!]])) : [];
      for (const [i] of orders.entries()) seeds.push({ externalId: `order-${i}`, contact: `m0-${i}`, issue: addDays(TODAY, -5), due: addDays(TODAY, 10), total: '5.00', status: 'authorised', number: `O-${i}` });
      const rows = await seedInvoices(db, firmId, org.id, seeds, baseCurrency);
      // Some invoices linked to their contact (as the sync does), some settled.
      await db.execute(sql`UPDATE invoices i SET contact_id = c.id FROM contacts c WHERE c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id AND i.organisation_id = ${org.id} AND hashtext(i.external_id) % 2 = 0`);
      await db.execute(sql`UPDATE invoices SET settled_on = ${TODAY}::date - 3 WHERE organisation_id = ${org.id} AND hashtext(external_id) % 7 = 0`);
      const scored = new Date(NOW.getTime() - 86_400_000);
      await db.insert(invoiceScores).values(
        rows.map((r) => {
          const s = seeds.find((x) => x.externalId === r.externalId)!;
          // Equal amounts and risks make equal values; sub-cent base amounts round half away from zero.
          const tie = s.externalId.startsWith('tie-');
          const ordered = s.externalId.startsWith('order-');
          const base = ordered ? '5.0000' : tie ? '100.0000' : pick(['100.0000', '100.0050', '250.5000', '99.9950', '1000.0000', '12.3449', '0.0000', '33.3333']);
          return {
            invoiceId: r.id,
            firmId,
            organisationId: org.id,
            contactExternalId: s.contact,
            currency: baseCurrency,
            amountDue: s.total,
            amountDueBase: base,
            pLate: ordered ? 1 : tie ? 0.5 : pick([0, 0.1, 0.2, 0.3, 1 / 3, 0.5, 0.7, 0.9, 1, rand()]),
            predictedDate: addDays(TODAY, 10),
            lowDate: addDays(TODAY, 2),
            highDate: addDays(TODAY, 40),
            amountAtRisk: '10.0000',
            payQuantiles: [0, 10, 20],
            priorWeight: 0.5,
            reasons: [{ code: 'x', text: 'Pays late', contribution: 0.1 }],
            scoredOn: TODAY,
            scoredAt: scored,
          };
        }),
      );
      await db.insert(scoringCache).values({ firmId, organisationId: org.id, kind: RUN_KIND, asOf: TODAY, fingerprint: 'test', payload: {} });
      await db.insert(customerScores).values(exts.filter((_, i) => i % 3 !== 1).map((e, i) => ({ firmId, organisationId: org.id, contactExternalId: e, score: [12, 55, 80][i % 3]!, segment: 'slow', pLate: 0.3, settledCount: 2, openCount: 1, priorWeight: 1, scoredAt: scored })));
      // Changing-risk alerts for some customers (one with an empty list, which is no alert).
      await db.insert(scoringCache).values({
        firmId,
        organisationId: org.id,
        kind: CHANGES_KIND,
        asOf: TODAY,
        fingerprint: 'test',
        payload: {
          day: TODAY,
          customers: [
            ...exts.filter((_, i) => i % 5 === 0).map((e) => ({ contactExternalId: e, alerts: [{ kind: 'paying_later', title: 'Paying later', on: TODAY, explanation: 'x' }] })),
            { contactExternalId: exts[1]!, alerts: [] },
          ],
        },
      });
      // Activities: on invoices and on customers (by contact id, by ledger id, by both), over the last three weeks.
      const invoiceOf = rows.map((r) => ({ id: r.id, contact: seeds.find((x) => x.externalId === r.externalId)!.contact }));
      const kinds = [PROMISE_RECORDED, INVOICE_DISPUTED, DISPUTE_RESOLVED, PLAN_CREATED, PLAN_ENDED, REMINDER_SENT, CONTACT_CONTACTED, CALL_LOGGED, 'note.added'];
      const acts: (typeof activities.$inferInsert)[] = [];
      const sameMs = new Date(NOW.getTime() - 2 * 86_400_000);
      for (let a = 0; a < 260; a++) {
        const kind = pick(kinds);
        const onInvoice = rand() < 0.5;
        const inv = pick(invoiceOf);
        const ext = onInvoice ? inv.contact : pick(exts);
        const how = rand();
        const at = rand() < 0.08 ? new Date(sameMs.getTime() + Math.floor(rand() * 3) / 10) : new Date(NOW.getTime() - Math.floor(rand() * 21 * 86_400_000));
        acts.push({
          id: randomUUID(),
          firmId,
          organisationId: org.id,
          actorType: 'user',
          actorUserId: rand() < 0.5 ? userId : null,
          kind,
          invoiceId: onInvoice ? inv.id : null,
          contactId: onInvoice || how < 0.4 ? (contactId.get(ext) ?? null) : null,
          summary: kind,
          details: {
            ...(how >= 0.4 && !onInvoice ? { contactExternalId: ext } : {}),
            ...(how >= 0.7 && !onInvoice && contactId.get(ext) ? { contactExternalId: ext } : {}),
            ...(kind === PROMISE_RECORDED ? { promisedDate: addDays(TODAY, Math.floor(rand() * 20) - 10) } : {}),
          },
          createdAt: at,
        });
      }
      // Three or more motions on some invoices: their factors' product depends on the order.
      for (const inv of invoiceOf.slice(0, 12)) {
        const base = NOW.getTime() - Math.floor(rand() * 5 * 86_400_000);
        for (const [j, kind] of [pick([INVOICE_DISPUTED, PLAN_CREATED]), REMINDER_SENT, CONTACT_CONTACTED, PROMISE_RECORDED, PLAN_CREATED].entries()) {
          acts.push({ id: randomUUID(), firmId, organisationId: org.id, actorType: 'user', kind, invoiceId: rand() < 0.6 ? inv.id : null, contactId: contactId.get(inv.contact) ?? null, summary: kind, details: { contactExternalId: inv.contact, ...(kind === PROMISE_RECORDED ? { promisedDate: addDays(TODAY, 5) } : {}) }, createdAt: new Date(base - Math.floor(rand() * 4) * 3_600_000 + j) });
        }
      }
      for (const [i, order] of orders.entries()) {
        const inv = rows.find((r) => r.externalId === `order-${i}`)!;
        for (const [j, kind] of order.entries()) {
          acts.push({ id: randomUUID(), firmId, organisationId: org.id, actorType: 'user', kind, invoiceId: inv.id, summary: kind, details: kind === PROMISE_RECORDED ? { promisedDate: addDays(TODAY, 5) } : {}, createdAt: new Date(NOW.getTime() - (3 - j) * 3_600_000) });
        }
      }
      await db.insert(activities).values(acts);
      // Those in the same millisecond differ in their microseconds (the in-memory path sorts by the millisecond, then keeps the load order by time).
      await db.execute(
        sql`UPDATE activities a SET created_at = a.created_at + x.rn * interval '1 microsecond'
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM activities WHERE organisation_id = ${org.id} AND created_at = ${sameMs.toISOString()}::timestamptz) x
            WHERE a.id = x.id`,
      );
    }
    await db.execute(sql`ANALYZE invoices, invoice_scores, contacts, activities, scoring_cache`);
    // A collector assigned to the first two organisations.
    const [collector] = await db.insert(users).values({ email: `wc-${randomUUID()}@x.example`, name: 'Assigned Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    collectorId = collector!.id;
    await db.insert(memberships).values({ firmId, userId: collectorId, role: 'collector' });
    await db.insert(organisationAssignments).values(orgIds.slice(0, 2).map((organisationId) => ({ firmId, organisationId, userId: collectorId })));
  }, 120_000);

  const admin = () => ({ firmId, userId, role: 'admin' as const });

  async function same(auth: { firmId: string; userId: string; role: 'admin' | 'collector' }, options: WorklistOptions): Promise<Worklist> {
    const reference = await getWorklistInMemory(database.db, auth, options);
    const fromSql = await getWorklist(database.db, auth, options);
    expect(fromSql).toEqual(reference);
    return reference;
  }

  it('ranks every customer of the firm the same, whole and page by page, on several days', async () => {
    for (const now of [NOW, new Date(NOW.getTime() + 4 * 86_400_000), new Date(NOW.getTime() - 9 * 86_400_000 + 1234)]) {
      const whole = await same(admin(), { now, limit: 500 });
      expect(whole.totalCustomers).toBeGreaterThan(50);
      expect(whole.customers).toHaveLength(whole.totalCustomers);
      // The data does what it is for: ties between customers, three motions on an invoice, alerts, an unconverted organisation.
      const values = whole.customers.map((c) => c.value);
      expect(new Set(values).size).toBeLessThan(values.length);
      expect(whole.customers.some((c) => c.invoices.some((i) => i.motions.length >= 3))).toBe(true);
      expect(whole.customers.some((c) => c.changes.length > 0)).toBe(true);
      expect(whole.unconverted.map((u) => u.currency)).toEqual(['EUR']);
      // The values PostgreSQL ranks by are the reference's, to the last bit (not only their order).
      const rates: Record<string, string | null> = { USD: '1', GBP: '1.2734567891', EUR: null };
      const orgs = await database.db.select({ id: organisations.id, baseCurrency: organisations.baseCurrency, timezone: organisations.timezone }).from(organisations).where(eq(organisations.firmId, firmId));
      const ranked = await rankWorklistPage(database.db, { firmId, organisations: orgs.map((o) => ({ id: o.id, today: todayIn(o.timezone, now), rate: rates[o.baseCurrency]! })), now, offset: 0, limit: 500 });
      expect(ranked.page).toEqual(whole.customers.map((c) => ({ organisationId: c.organisationId, contactExternalId: c.contactExternalId, value: c.value })));
      expect(new Set(whole.customers.filter((c) => c.contactExternalId.startsWith('m0-')).map((c) => c.value))).toEqual(new Set([0.1, 0.11]));
      for (let offset = 0; offset < whole.totalCustomers + 9; offset += 9) await same(admin(), { now, limit: 9, offset });
    }
  }, 300_000);

  it('ranks one organisation, My work’s customers and a collector’s organisations the same', async () => {
    for (const id of orgIds) await same(admin(), { now: NOW, organisationId: id, limit: 500 });
    const only = orgIds.flatMap((id, k) => customersOf.get(id)!.filter((_, i) => (i + k) % 3 === 0).map((contactExternalId) => ({ organisationId: id, contactExternalId })));
    await same(admin(), { now: NOW, only, limit: 500 });
    await same(admin(), { now: NOW, only, limit: 5, offset: 5 });
    await same(admin(), { now: NOW, only: [], limit: 10 });
    const collector = { firmId, userId: collectorId, role: 'collector' as const };
    const mine = await same(collector, { now: NOW, limit: 500 });
    expect(new Set(mine.customers.map((c) => c.organisationId))).toEqual(new Set(orgIds.slice(0, 2)));
    await same(collector, { now: NOW, limit: 3, offset: 9 });
  }, 120_000);
});
