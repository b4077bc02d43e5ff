/**
 * Done-when (issue #18, pricing): over a simulated quarter with the sandbox clock pinned month by
 * month, a client on a share-of-collections plan (10% of cash collected through Arcus, floor
 * 50.00, cap 400.00) gets a statement each month, a manager approves it, and its invoice appears
 * exactly once in the practice ledger — the firm's own Xero organisation in the sandbox, read back
 * from the sandbox's store. Computing and approving again, and draining the queue again, change
 * nothing. Hand-computed:
 *   September: 1,000.00 through Arcus (300.00 more not) → 100.00
 *   October:     200.00 through Arcus                   → 20.00, below the floor → 50.00
 *   November:  5,000.00 through Arcus                   → 500.00, above the cap  → 400.00
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { activities, contacts, invoices, organisations, paymentAllocations, payments } from '../../server/db/schema';
import { computeFee, FeePlanSchema } from '../../server/fees/core';
import { loadFeeFacts } from '../../server/fees/facts';
import { getPracticeLedger, practiceCustomers, setFeePlan, setPracticeLedger } from '../../server/fees/plans';
import { approveStatement, computeStatements, listStatements } from '../../server/fees/statements';
import { createOrReuseRun } from '../../server/sync/runs';
import { runSync } from '../../server/sync/engine';
import { DomainError } from '../../kernel/errors';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { drain } from '../writebacks/harness';

describeWith('pg', 'the share-of-collections fee over a quarter', () => {
  let pinned = Date.parse('2026-09-01T09:00:00Z');
  let fx: SyncFixture;
  let practiceCompany: string;
  let practiceOrg: string;
  let clientOrg: string;
  let customerId: string;
  const queue: string[] = [];
  const at = (iso: string) => {
    pinned = Math.max(pinned, Date.parse(iso));
  };
  const now = () => new Date(fx.now());

  beforeAll(async () => {
    fx = await startSyncFixture({ companies: [{ provider: 'xero', customers: 6, invoices: 12 }], clockBase: () => pinned });
    practiceCompany = fx.companyIds[0]!;
    const c = await fx.connect('xero', practiceCompany);
    practiceOrg = c.organisationId;
    const { runId } = await createOrReuseRun(fx.db, { organisationId: practiceOrg, kind: 'full' });
    await runSync(fx.engineDeps(), { runId });

    // The client: its ledger as a sync would have left it (seeded directly; the client's own ledger is not under test).
    const firmId = fx.firmId;
    const tag = Math.random().toString(36).slice(2, 8);
    const [org] = await fx.db.insert(organisations).values({ firmId, provider: 'quickbooks', externalId: `client-${tag}`, name: `Riverside Cafe ${tag}`, baseCurrency: 'GBP', timezone: 'Europe/London' }).returning();
    clientOrg = org!.id;
    const [debtor] = await fx.db.insert(contacts).values({ firmId, organisationId: clientOrg, externalId: `d-${tag}`, name: `Debtor ${tag}`, emails: [], isCustomer: true }).returning();
    const months = [
      { m: '2026-09', through: '1000.00', other: '300.00' },
      { m: '2026-10', through: '200.00', other: null },
      { m: '2026-11', through: '5000.00', other: null },
    ];
    for (const [i, { m, through, other }] of months.entries()) {
      const total = (Number(through) + Number(other ?? 0)).toFixed(2);
      const [inv] = await fx.db
        .insert(invoices)
        .values({ firmId, organisationId: clientOrg, externalId: `i-${i}-${tag}`, number: `INV-${i}`, contactExternalId: `d-${tag}`, issueDate: `${m}-01`, dueDate: `${m}-05`, currency: 'GBP', total, amountDue: '0.00', status: 'PAID' })
        .returning();
      // A reminder on the 6th; the payment on the 10th is 4 days later: through Arcus (decision 031, 14 days).
      await fx.db.insert(activities).values({ firmId, organisationId: clientOrg, actorType: 'system', kind: 'reminder.sent', contactId: debtor!.id, invoiceId: inv!.id, summary: 'Reminder sent', details: { contactExternalId: `d-${tag}` }, createdAt: new Date(`${m}-06T10:00:00Z`) });
      const [p] = await fx.db.insert(payments).values({ firmId, organisationId: clientOrg, externalId: `p-${i}-${tag}`, contactExternalId: `d-${tag}`, date: `${m}-10`, currency: 'GBP', amount: through, status: 'authorised' }).returning();
      await fx.db.insert(paymentAllocations).values({ firmId, organisationId: clientOrg, paymentId: p!.id, invoiceExternalId: `i-${i}-${tag}`, amount: through, date: `${m}-10` });
      if (other) {
        // Paid on the 28th, 22 days after the reminder: not through Arcus.
        const [q] = await fx.db.insert(payments).values({ firmId, organisationId: clientOrg, externalId: `q-${i}-${tag}`, contactExternalId: `d-${tag}`, date: `${m}-28`, currency: 'GBP', amount: other, status: 'authorised' }).returning();
        await fx.db.insert(paymentAllocations).values({ firmId, organisationId: clientOrg, paymentId: q!.id, invoiceExternalId: `i-${i}-${tag}`, amount: other, date: `${m}-28` });
      }
    }

    await setPracticeLedger(fx.db, { firmId, organisationId: practiceOrg, userId: null, now: now() });
    const customers = await practiceCustomers(fx.db, firmId, practiceOrg);
    expect(customers.length).toBeGreaterThan(0);
    customerId = customers[0]!.id;
    const plan = FeePlanSchema.parse({ components: [{ type: 'share', percent: '10', floor: '50.00', cap: '400.00' }] });
    await setFeePlan(fx.db, { firmId, organisationId: clientOrg, userId: null, input: { plan, ledgerContactId: customerId }, now: now() });
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
  });

  const feeInvoices = () =>
    fx.server.sandbox.ctx.store
      .list('invoices', practiceCompany)
      .filter((i) => i.contactId === customerId && (i.reference ?? '').startsWith('Credit control'));

  it('reads the facts through the reports’ attribution', async () => {
    const org = { id: clientOrg, name: 'client', timezone: 'Europe/London', baseCurrency: 'GBP' };
    const facts = await loadFeeFacts(fx.db, { firmId: fx.firmId, org, month: '2026-09', history: 1 });
    expect(facts).toMatchObject({ currency: 'GBP', cashThroughArcus: 100000, invoicesChased: 1, customersChased: 1 });
  });

  it('bills each month once, in the practice ledger', async () => {
    expect((await getPracticeLedger(fx.db, fx.firmId))?.organisationId).toBe(practiceOrg);
    const expected: Record<string, number> = { '2026-09': 10000, '2026-10': 5000, '2026-11': 40000 };
    for (const [month, next] of [
      ['2026-09', '2026-10-02T09:00:00Z'],
      ['2026-10', '2026-11-02T09:00:00Z'],
      ['2026-11', '2026-12-01T09:00:00Z'],
    ] as const) {
      // Before the month ends its fee is a draft that cannot be approved.
      at(`${month}-20T09:00:00Z`);
      await computeStatements(fx.db, { firmId: fx.firmId, month, now: now() });
      await expect(approveStatement({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, { firmId: fx.firmId, organisationId: clientOrg, month, userId: null, now: now() })).rejects.toBeInstanceOf(DomainError);

      at(next);
      const first = await computeStatements(fx.db, { firmId: fx.firmId, month, now: now() });
      expect(first).toEqual({ computed: 1, unchanged: 0, problems: [] });
      // Two managers approve at once: one invoice is requested.
      const approve = () => approveStatement({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, { firmId: fx.firmId, organisationId: clientOrg, month, userId: null, now: now() });
      const [approved, twice] = await Promise.all([approve(), approve()]);
      expect(approved.status).toBe('approved');
      expect(twice.status).toBe('approved');
      expect(approved.amount).toBe(expected[month]);
      expect(queue).toHaveLength(1);
      await drain(fx, queue);

      // Again: computing leaves the approved statement, approving requests nothing new.
      expect(await computeStatements(fx.db, { firmId: fx.firmId, month, now: now() })).toEqual({ computed: 0, unchanged: 1, problems: [] });
      await approveStatement({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, { firmId: fx.firmId, organisationId: clientOrg, month, userId: null, now: now() });
      expect(queue).toHaveLength(0);
      await drain(fx, queue);

      const [s] = await listStatements(fx.db, { firmId: fx.firmId, month, organisationId: clientOrg });
      expect(s).toMatchObject({ status: 'invoiced', statusText: expect.stringMatching(/^Invoiced in /) });
    }

    const written = feeInvoices();
    expect(written.map((i) => [i.reference, i.total])).toEqual([
      ['Credit control, September 2026', 10000],
      ['Credit control, October 2026', 5000],
      ['Credit control, November 2026', 40000],
    ]);
    expect(written.map((i) => i.currency)).toEqual(['GBP', 'GBP', 'GBP']);
  });

  it('the working says why: the floor and the cap', async () => {
    const [oct] = await listStatements(fx.db, { firmId: fx.firmId, month: '2026-10', organisationId: clientOrg });
    expect(oct!.working[0]!.detail).toBe('10% of 200.00 GBP collected through Arcus this month = 20.00 GBP. That is below the floor, so the floor of 50.00 GBP applies.');
    const [nov] = await listStatements(fx.db, { firmId: fx.firmId, month: '2026-11', organisationId: clientOrg });
    expect(nov!.working[0]!.detail).toContain('above the cap, so the cap of 400.00 GBP applies');
    // The same figures as the pure core gives for the same facts.
    expect(computeFee(FeePlanSchema.parse({ components: [{ type: 'share', percent: '10', floor: '50.00', cap: '400.00' }] }), { currency: 'GBP', invoicesChased: 1, customersChased: 1, cashThroughArcus: 500000, dsoReductions: [null] }).total).toBe(nov!.amount);
  });
});
