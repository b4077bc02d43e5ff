/**
 * Billing accuracy's "Amended" from the sync (issue #21, migration 0057), over HTTP against the
 * sandbox Xero and QuickBooks: an issued invoice whose total (lines) or due date the ledger changes
 * after Arcus synced it is amended — on the day of the ledger's own last-updated time — and counts
 * against the rate; an invoice edited while still a draft (Xero; QuickBooks has no drafts), one
 * changed only in its reference, and one only paid are not amended.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import { queryRows } from '../../server/db/client';
import { billingAccuracy } from '../../server/billing-review/accuracy-load';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync } from '../writebacks/harness';

let fx: SyncFixture;
let synced: Awaited<ReturnType<typeof connectAndSync>>;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());

async function sync(organisationId: string): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

async function amendedAt(organisationId: string, externalId: string): Promise<Date | null> {
  const [r] = await queryRows<{ amended_at: Date | string | null }>(fx.db, sql`SELECT amended_at FROM invoices WHERE organisation_id = ${organisationId} AND external_id = ${externalId}`);
  expect(r).toBeDefined();
  return r!.amended_at === null ? null : new Date(r!.amended_at);
}

describeWith('pg', 'Billing accuracy: invoices amended in the ledger, seen by the sync', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 57, companies: [{ provider: 'xero', customers: 2, invoices: 4 }, { provider: 'quickbooks', customers: 2, invoices: 4 }] });
    synced = await connectAndSync(fx, { name: 'Pat Preparer', email: 'pat@firm.example' });
  }, 120_000);
  afterAll(async () => fx?.close());

  for (const provider of ['xero', 'quickbooks'] as const) {
    it(`${provider}: a changed total or due date after issue is amended; draft edits, reference edits and payments are not`, async () => {
      const { organisationId, companyId } = synced.orgs.get(provider)!;
      const company = store().company(companyId);
      const today = todayIn(company.timezone, now());
      // Issued 20 days ago: today's edits fall inside its 30-day window; 11 days on it is counted.
      const issued = addDays(today, -20);
      const period = { from: issued, to: issued };
      const before = await billingAccuracy(fx.db, { firmId: fx.firmId, organisationId }, now(), period);
      const contact = store().createContact(companyId, { name: `Amend Holdings ${provider}`, email: 'ap@amend.example', contactPersons: [] });
      const issue = (status: 'AUTHORISED' | 'DRAFT' = 'AUTHORISED') =>
        store().createInvoice(companyId, { contactId: contact.id, issueDate: issued, dueDate: addDays(issued, 30), lines: [{ description: 'Audit', unitAmount: 10_000, taxAmount: 0 }], status, lineAmountTypes: 'NoTax' });
      const repriced = issue();
      const redated = issue();
      const referenced = issue();
      const paid = issue();
      // QuickBooks has no draft invoices: the draft case is Xero's.
      const draft = provider === 'xero' ? issue('DRAFT') : null;
      await sync(organisationId);
      for (const inv of [repriced, redated, referenced, paid, ...(draft ? [draft] : [])]) expect(await amendedAt(organisationId, inv.id)).toBeNull();

      // The ledger's edits, 20 days after issue.
      store().updateInvoice(companyId, repriced.id, { lines: [{ description: 'Audit, corrected', unitAmount: 12_500, taxAmount: 0 }] });
      store().updateInvoice(companyId, redated.id, { dueDate: addDays(issued, 45) });
      store().updateInvoice(companyId, referenced.id, { reference: 'PO 7781' });
      store().createPayment(companyId, { date: today, allocations: [{ invoiceId: paid.id, amount: 10_000 }] });
      if (draft) {
        store().updateInvoice(companyId, draft.id, { lines: [{ description: 'Audit, draft changed', unitAmount: 9_000, taxAmount: 0 }] });
        await sync(organisationId);
        store().updateInvoice(companyId, draft.id, { status: 'AUTHORISED' });
      }
      await sync(organisationId);

      // On the day of the ledger's own last-updated time of the changed version.
      const dayOf = (d: Date | null) => (d === null ? null : todayIn(company.timezone, d));
      const ledgerDay = (id: string) => dayOf(new Date(store().invoice(companyId, id).updatedAt));
      expect(ledgerDay(repriced.id)).toBe(today);
      expect(dayOf(await amendedAt(organisationId, repriced.id))).toBe(ledgerDay(repriced.id));
      expect(dayOf(await amendedAt(organisationId, redated.id))).toBe(ledgerDay(redated.id));
      expect(await amendedAt(organisationId, referenced.id)).toBeNull();
      expect(await amendedAt(organisationId, paid.id)).toBeNull();
      if (draft) expect(await amendedAt(organisationId, draft.id)).toBeNull();

      // A second change keeps the first day.
      const first = await amendedAt(organisationId, redated.id);
      fx.advance(11 * 86_400_000);
      store().updateInvoice(companyId, redated.id, { dueDate: addDays(issued, 50) });
      await sync(organisationId);
      expect(await amendedAt(organisationId, redated.id)).toEqual(first);

      const after = await billingAccuracy(fx.db, { firmId: fx.firmId, organisationId }, now(), period);
      expect(after.figure.counted - before.figure.counted).toBe(draft ? 5 : 4);
      expect(after.figure.accurate - before.figure.accurate).toBe(draft ? 3 : 2);
      const amended = (f: typeof after) => f.figure.reasons.find((r) => r.reason === 'amended')?.count ?? 0;
      expect(amended(after) - amended(before)).toBe(2);
      expect(after.figure.reasons.find((r) => r.reason === 'amended')?.reasonText).toBe('Amended');
      expect(after.explanation).toContain('not voided, credited or amended within 30 days');
    });
  }
});
