/**
 * Issue #19, returned payments end to end on both ledgers: a synced payment marked returned by a
 * collector → one `void` write-back deletes it in the sandbox ledger (Xero and QuickBooks over
 * HTTP), one returned-payment fee invoice when the policy allows it, the debtor told once in the
 * test SMTP server, the invoice open again after the next sync with nothing holding its reminders,
 * one timeline entry; asked twice is once; a worker killed at each write point leaves one of each.
 * A customer set to French (Xero) or German (QuickBooks) is told once, in that language, amounts and
 * dates in its locale.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { queryRows } from '../../server/db/client';
import { activities, invoices, organisations, payments, reminderCustomers, reminderInvoiceHolds, returnedPayments, writebacks } from '../../server/db/schema';
import { SimulatedCrash } from '../../server/reminders/deps';
import { updateReturnedFeePolicy } from '../../server/returns/policy';
import { markReturned, type ReturnsDeps } from '../../server/returns/service';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import type { WritebackCrashPoint } from '../../server/writebacks/types';
import { openInvoice } from '../ledger-writes/helpers';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from '../writebacks/harness';

let fx: SyncFixture;
let capture: Capture;
let userId: string;
let orgs: Awaited<ReturnType<typeof connectAndSync>>['orgs'];
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());

async function sync(organisationId: string): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

function deps(queue: string[]): ReturnsDeps {
  return { db: fx.db, enqueueExecute: async (id) => void queue.push(id), now, mail: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false } };
}

/** A 200.00 invoice paid in full in the sandbox (the customer has an address), synced: the payment's row in Arcus. */
async function paidInvoice(provider: Provider, email: string) {
  const { organisationId, companyId, timezone } = orgs.get(provider)!;
  const inv = openInvoice(store(), companyId);
  store().updateContact(companyId, inv.contactId, { email });
  const pay = store().createPayment(companyId, { date: todayIn(timezone, now()), allocations: [{ invoiceId: inv.id, amount: 20_000 }], reference: 'Bank transfer' });
  await sync(organisationId);
  const [p] = await fx.db.select().from(payments).where(and(eq(payments.organisationId, organisationId), eq(payments.externalId, pay.id)));
  const [i] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, inv.id)));
  expect(toMinor(i!.amountDue)).toBe(0);
  return { organisationId, companyId, inv, pay, paymentId: p!.id, invoiceId: i!.id };
}

/** The fee invoices for the returned payment on invoice `number` (the fee line names it). */
const feeInvoices = (companyId: string, number: string) => store().list('invoices', companyId).filter((x) => x.lines.some((l) => l.description.startsWith('Returned payment fee') && l.description.endsWith(` for ${number}`)));

describeWith('pg', 'Returned payments through the write-back engine (both ledgers)', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 19, companies: [{ provider: 'xero', customers: 4, invoices: 12 }, { provider: 'quickbooks', customers: 4, invoices: 12 }] });
    capture = await startCapture({ now });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@firm.example' });
    userId = synced.userId;
    orgs = synced.orgs;
    // The fee is allowed in each organisation's country: a flat 25.00 capped at 20.00.
    const countries = (await fx.db.select({ c: organisations.countryCode }).from(organisations).where(eq(organisations.firmId, fx.firmId))).map((r) => r.c ?? 'GB');
    await updateReturnedFeePolicy(fx.db, fx.firmId, { enabled: true, amount: '25', cap: '20', countries });
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  describe.each(['xero', 'quickbooks'] as const)('%s', (provider) => {
    it('reversed once, fee once, the debtor told once, the invoice open again after sync with reminders free to resume', async () => {
      const email = `ap.${provider}@customer.example`;
      const { organisationId, companyId, inv, pay, paymentId, invoiceId } = await paidInvoice(provider, email);
      const queue: string[] = [];
      const input = { organisationId, paymentId, reason: 'Returned by the bank: insufficient funds', chargeFee: true };
      const first = await markReturned(deps(queue), { firmId: fx.firmId, userId }, input);
      expect(first.created).toBe(true);
      expect(first.view).toMatchObject({ originText: 'Returned by the bank', statusText: 'Being reversed in the ledger', debtorTold: true, disputeText: null });
      expect(queue).toHaveLength(2);
      await drain(fx, queue);

      expect(store().payment(companyId, pay.id).status).toBe('DELETED');
      expect(feeInvoices(companyId, inv.number)).toHaveLength(1);
      expect(feeInvoices(companyId, inv.number)[0]!.total).toBe(2_000);
      const [row] = await fx.db.select().from(returnedPayments).where(eq(returnedPayments.paymentExternalId, pay.id));
      const wbs = await fx.db.select().from(writebacks).where(sql`${writebacks.sourceKey} LIKE ${`returned:${row!.id}:%`}`);
      expect(wbs.map((w) => [w.kind, w.status, w.purpose]).sort()).toEqual([
        ['late_fee', 'confirmed', 'returned_payment_fee'],
        ['void', 'confirmed', 'reversal'],
      ]);

      // Again (a double click): nothing new queued, written or sent.
      const second = await markReturned(deps(queue), { firmId: fx.firmId, userId }, input);
      expect(second.created).toBe(false);
      expect(second.view.statusText).toBe('Reversed in the ledger');
      expect(queue).toHaveLength(0);
      expect(feeInvoices(companyId, inv.number)).toHaveLength(1);
      const mails = capture.messages.filter((m) => m.to.includes(email));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toMatch(/^Your payment for invoice .+ was returned — /);
      expect(mails[0]!.text).toMatch(/was returned unpaid by your bank, so the invoice is open again\./);
      expect(mails[0]!.text).toMatch(/A returned-payment fee of .*20\.00 has been added/);

      // After the next sync the invoice owes its 200.00 again; nothing holds its reminders.
      await sync(organisationId);
      const [after] = await fx.db.select().from(invoices).where(eq(invoices.id, invoiceId));
      expect(toMinor(after!.amountDue)).toBe(20_000);
      expect(after!.status).toBe('authorised');
      expect(await fx.db.select().from(reminderInvoiceHolds).where(and(eq(reminderInvoiceHolds.organisationId, organisationId), eq(reminderInvoiceHolds.invoiceExternalId, inv.id)))).toHaveLength(0);
      const [p] = await fx.db.select().from(payments).where(eq(payments.id, paymentId));
      expect(p!.status).toBe('deleted');

      const timeline = await fx.db.select().from(activities).where(and(eq(activities.kind, 'payment.returned'), eq(activities.invoiceId, invoiceId)));
      expect(timeline).toHaveLength(1);
      expect(timeline[0]!.summary).toMatch(/ came back: Returned by the bank: insufficient funds$/);
      expect(await fx.db.select().from(activities).where(and(eq(activities.kind, 'payment.return_notice'), eq(activities.invoiceId, invoiceId)))).toHaveLength(1);
    });

    it('a payment already deleted, or applied to nothing, is refused in words', async () => {
      const { organisationId, companyId, pay, paymentId } = await paidInvoice(provider, `x.${provider}@customer.example`);
      store().deletePayment(companyId, pay.id);
      await sync(organisationId);
      await expect(markReturned(deps([]), { firmId: fx.firmId, userId }, { organisationId, paymentId, reason: 'Bounced', chargeFee: false })).rejects.toThrow('This payment is already deleted in the ledger.');
    });

    it.each(['wb.after-lease', 'wb.after-send', 'wb.after-sent', 'wb.before-confirm', 'wb.after-confirm'] as WritebackCrashPoint[])('a worker killed at %s and restarted leaves one reversal and one fee', async (point) => {
      const { organisationId, companyId, inv, pay, paymentId } = await paidInvoice(provider, `k.${provider}.${point}@customer.example`);
      const queue: string[] = [];
      await markReturned(deps(queue), { firmId: fx.firmId, userId }, { organisationId, paymentId, reason: 'Bounced', chargeFee: true });
      expect(queue).toHaveLength(2);
      for (const id of queue) await expect(executeWriteback(engine(fx, [], point), id)).rejects.toThrow(SimulatedCrash);
      fx.advance(61_000);
      const stuck = await stuckWritebacks(fx.db, now(), 60_000);
      for (const id of queue) {
        const [w] = await fx.db.select().from(writebacks).where(eq(writebacks.id, id));
        // Killed after confirming: only a pending note brings it back (the fee has none).
        if (point === 'wb.after-confirm' && w!.noteStatus !== 'pending') continue;
        expect(stuck).toContain(id);
        expect(await executeWriteback(engine(fx, []), id)).toEqual({ outcome: 'confirmed' });
      }
      expect(store().payment(companyId, pay.id).status).toBe('DELETED');
      expect(feeInvoices(companyId, inv.number)).toHaveLength(1);
      const confirmed = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM activities WHERE kind = 'writeback.confirmed' AND details->>'writebackId' IN (${queue[0]}, ${queue[1]})`);
      expect(confirmed[0]!.n).toBe(2);
      expect(capture.messages.filter((m) => m.to.includes(`k.${provider}.${point}@customer.example`))).toHaveLength(1);
    });
  });

  // The customer's language (decision 041): the email in it, amounts and dates as Intl writes them there.
  it.each([
    ['xero', 'fr', 'fr-FR', /^Votre paiement de la facture .+ a été rejeté — /, ['Bonjour ', 'a été rejeté par votre banque', 'Des frais d’impayé de ', 'Merci de procéder à un nouveau règlement']],
    ['quickbooks', 'de', 'de-DE', /^Ihre Zahlung für Rechnung .+ wurde zurückgebucht — /, ['Guten Tag ', 'wurde von Ihrer Bank zurückgebucht', 'Rücklastschriftgebühr von ', 'Bitte veranlassen Sie die Zahlung erneut']],
  ] as const)('%s: a customer whose language is %s is told once, in it', async (provider, language, locale, subject, phrases) => {
    const email = `lang.${language}.${provider}@customer.example`;
    const { organisationId, inv, paymentId } = await paidInvoice(provider, email);
    const [p] = await fx.db.select().from(payments).where(eq(payments.id, paymentId));
    await fx.db.insert(reminderCustomers).values({ firmId: fx.firmId, organisationId, contactExternalId: inv.contactId, language });
    // The organisation's country is not one where the language is spoken, so its home locale applies.
    const [org] = await fx.db.select({ countryCode: organisations.countryCode }).from(organisations).where(eq(organisations.id, organisationId));
    expect(['FR', 'BE', 'CH', 'LU', 'MC', 'CA', 'DE', 'AT', 'LI']).not.toContain(org!.countryCode);
    const queue: string[] = [];
    const input = { organisationId, paymentId, reason: 'Returned by the bank', chargeFee: true };
    expect((await markReturned(deps(queue), { firmId: fx.firmId, userId }, input)).view.debtorTold).toBe(true);
    await drain(fx, queue);
    expect((await markReturned(deps(queue), { firmId: fx.firmId, userId }, input)).created).toBe(false);

    const mails = capture.messages.filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    const money = (minor: number) => new Intl.NumberFormat(locale, { style: 'currency', currency: p!.currency }).format(minor / 100);
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${p!.date.slice(0, 10)}T00:00:00Z`));
    expect(mails[0]!.subject).toMatch(subject);
    expect(mails[0]!.subject).toContain(inv.number);
    const text = mails[0]!.text;
    for (const x of phrases) expect(text).toContain(x);
    // The 200.00 payment and the 20.00 fee (25.00 capped at 20.00), and the day it was paid.
    expect(text).toContain(money(20_000));
    expect(text).toContain(money(2_000));
    expect(text).toContain(day);
    expect(text).not.toMatch(/Dear |Your payment|returned|unpaid|reply to this email|January|February|March|April|May |June|July|August|September|October|November|December/);
  });
});
