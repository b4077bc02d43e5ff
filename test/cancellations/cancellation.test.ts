/**
 * Issue #19, cancellations end to end on both ledgers (Xero and QuickBooks sandboxes over HTTP): a
 * customer cancels a yearly service part-way through an invoice that is partly paid → one credit
 * note per invoice through the outbox, allocated to what was still owed with the paid part left as the
 * customer's credit (listed in Exceptions), the discount offer withdrawn, the payment plan over it
 * ended, reminders stopped with a reason, one timeline entry per step, the debtor told once in the
 * test SMTP server; after a real sync the invoice owes nothing and the balances match. A second
 * confirm is a no-op; a worker killed at each write point, or the process killed before the queue,
 * leaves one document. A customer set to French (Xero) or German (QuickBooks) is told once, in that
 * language, amounts and dates in its locale.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { addDays, todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { type CancelDeps, confirmCancellation, previewCancellation } from '../../server/cancellations/service';
import { queryRows } from '../../server/db/client';
import { activities, contacts, creditNotes, discountOffers, invoiceLines, invoices, organisations, paymentPlanInstalments, paymentPlans, reminderCustomers, reminderInvoiceHolds, writebacks } from '../../server/db/schema';
import { toQboCreditMemo } from '../../integrations/sandbox/qbo/mappers';
import { QboView } from '../../integrations/sandbox/qbo/view';
import { creditNoteOut } from '../../integrations/sandbox/xero/map/credit-note';
import { LedgerView } from '../../integrations/sandbox/xero/view';
import { listExceptions } from '../../server/exceptions/service';
import { SimulatedCrash } from '../../server/reminders/deps';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import type { WritebackCrashPoint } from '../../server/writebacks/types';
import { companyToday } from '../ledger-writes/helpers';
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

function deps(queue: string[], enqueue?: CancelDeps['enqueueExecute']): CancelDeps {
  return { db: fx.db, enqueueExecute: enqueue ?? (async (id) => void queue.push(id)), now, mail: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false } };
}

/**
 * A yearly service invoiced in the sandbox — support 1,000.00 + 200.00 tax and setup 100.00 + 20.00
 * tax (1,320.00) — of which 1,000.00 is paid, synced. The service began 100 days ago.
 */
async function serviceInvoice(provider: Provider, email: string, paid = 100_000) {
  const { organisationId, companyId } = orgs.get(provider)!;
  const today = companyToday(store(), companyId);
  const start = addDays(today, -100);
  const end = addDays(start, 365);
  const company = store().company(companyId);
  // A customer of its own per test, so the ledger's credit notes are counted per test.
  const contact = store().createContact(companyId, { name: `Customer ${email}`, email, currency: company.baseCurrency });
  const inv = store().createInvoice(companyId, {
    contactId: contact.id,
    issueDate: start,
    dueDate: addDays(start, 30),
    lines: [
      { description: `Support ${start} to ${addDays(end, -1)}`, unitAmount: 100_000, taxAmount: provider === 'xero' ? 20_000 : 0 },
      { description: 'Setup', unitAmount: 10_000, taxAmount: provider === 'xero' ? 2_000 : 0 },
    ],
    status: 'AUTHORISED',
    lineAmountTypes: provider === 'xero' ? 'Exclusive' : 'NoTax',
    ...(provider === 'quickbooks' ? { number: String(95_000 + store().list('invoices', companyId).length) } : {}),
  });
  if (paid > 0) store().createPayment(companyId, { date: addDays(start, 10), allocations: [{ invoiceId: inv.id, amount: paid }], reference: 'Part payment' });
  await sync(organisationId);
  const [row] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, inv.id)));
  const [c] = await fx.db.select().from(contacts).where(and(eq(contacts.organisationId, organisationId), eq(contacts.externalId, contact.id)));
  return { organisationId, companyId, inv, currency: row!.currency, invoiceId: row!.id, customerId: c!.id, contactExternalId: contact.id, start, end, today };
}

const creditNotesFor = (companyId: string, contactId: string) => store().list('creditNotes', companyId).filter((n) => n.contactId === contactId && n.status !== 'VOIDED' && n.status !== 'DELETED');

describeWith('pg', 'Cancellations through the write-back engine (both ledgers)', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 4848, companies: [{ provider: 'xero', customers: 8, invoices: 12 }, { provider: 'quickbooks', customers: 8, invoices: 12 }] });
    capture = await startCapture({ now });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@firm.example' });
    userId = synced.userId;
    orgs = synced.orgs;
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  describe.each(['xero', 'quickbooks'] as const)('%s', (provider) => {
    it('credits once, the paid part left as credit; offers, plan and reminders stop; the debtor told once; balances right after sync', async () => {
      const email = `ap.cancel.${provider}@customer.example`;
      const s = await serviceInvoice(provider, email);
      const total = provider === 'xero' ? 132_000 : 110_000;
      // An early-payment discount offered on it, and a payment plan over what is owed.
      const [offer] = await fx.db.insert(discountOffers).values({ firmId: fx.firmId, organisationId: s.organisationId, invoiceId: s.invoiceId, rateBp: 200, discount: '6.40', currency: s.currency, expiresOn: addDays(s.today, 5) }).returning();
      const owed = total - 100_000;
      const [plan] = await fx.db.insert(paymentPlans).values({ firmId: fx.firmId, organisationId: s.organisationId, contactExternalId: s.contactExternalId, contactId: s.customerId, frequency: 'monthly', startDate: addDays(s.today, 5), total: (owed / 100).toFixed(2), currency: s.currency, invoiceIds: [s.invoiceId] }).returning();
      await fx.db.insert(paymentPlanInstalments).values([1, 2].map((seq) => ({ firmId: fx.firmId, planId: plan!.id, seq, dueDate: addDays(s.today, 5 + 30 * (seq - 1)), amount: (owed / 200).toFixed(2) })));

      // Cancelled from today: 265 of 365 days unused, on both lines.
      const input = { organisationId: s.organisationId, customerId: s.customerId, invoices: [{ invoiceId: s.invoiceId, lines: 'all' as const }], serviceStart: s.start, serviceEnd: s.end, effectiveDate: s.today, method: 'by_days' as const, reason: 'Customer closed the branch' };
      const preview = await previewCancellation(fx.db, fx.firmId, input, now());
      // Xero: 1000×265/365 = 726.03, 200×265/365 = 145.21; 100 → 72.60, 20 → 14.52 = 958.36. QuickBooks: no tax → 798.63.
      const credit = provider === 'xero' ? 95_836 : 79_863;
      expect(preview.creditText).toContain(provider === 'xero' ? '958.36' : '798.63');
      expect(preview.allocatedText).toContain(((owed / 100).toFixed(2)));
      expect(preview.leftAsCreditSentence).toMatch(/ will be left as credit for the customer — apply it to another invoice or keep it as credit from Exceptions\.$/);
      expect(preview.stops.join(' ')).toMatch(/payment plan ends now: 2 unpaid instalments/);
      expect(preview.stops.join(' ')).toMatch(/discount .* is withdrawn/);
      expect(preview.stops.join(' ')).toMatch(/Reminders stop for invoice .*: nothing more is owed on it\./);
      // A preview writes nothing.
      expect(await fx.db.select().from(writebacks).where(eq(writebacks.invoiceId, s.invoiceId))).toHaveLength(0);

      const queue: string[] = [];
      const requestId = crypto.randomUUID();
      const first = await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, { ...input, requestId });
      expect(first.created).toBe(true);
      expect(first.debtorTold).toBe(true);
      expect(queue).toHaveLength(1);
      await drain(fx, queue);

      const notes = creditNotesFor(s.companyId, s.contactExternalId);
      expect(notes).toHaveLength(1);
      expect(notes[0]!.total).toBe(credit);
      expect(notes[0]!.remainingCredit).toBe(credit - owed);
      const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.sourceKey, `cancel:${first.cancellationId}:${s.invoiceId}`));
      expect(wb).toMatchObject({ kind: 'credit_note', status: 'confirmed', purpose: 'cancellation' });

      // Again (a double click, a retry): nothing queued, written or sent.
      const second = await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, { ...input, requestId });
      expect(second).toMatchObject({ created: false, cancellationId: first.cancellationId });
      expect(queue).toHaveLength(0);
      expect(creditNotesFor(s.companyId, s.contactExternalId)).toHaveLength(1);
      const mails = capture.messages.filter((m) => m.to.includes(email));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toMatch(/^Your cancellation: .+ credited — /);
      expect(mails[0]!.text).toMatch(/kept as credit on your account\)\. Nothing more is owed on it\./);
      expect(mails[0]!.text).toContain('payment plan are cancelled');

      // Offers, plan, reminders.
      expect((await fx.db.select().from(discountOffers).where(eq(discountOffers.id, offer!.id)))[0]!.status).toBe('withdrawn');
      expect((await fx.db.select().from(paymentPlans).where(eq(paymentPlans.id, plan!.id)))[0]!.status).toBe('cancelled');
      expect((await fx.db.select().from(paymentPlanInstalments).where(eq(paymentPlanInstalments.planId, plan!.id))).map((i) => i.status)).toEqual(['cancelled', 'cancelled']);
      const [hold] = await fx.db.select().from(reminderInvoiceHolds).where(and(eq(reminderInvoiceHolds.organisationId, s.organisationId), eq(reminderInvoiceHolds.invoiceExternalId, s.inv.id)));
      expect(hold).toMatchObject({ excluded: true });
      expect(hold!.reason).toMatch(/^Service cancelled from .+: nothing more is owed$/);

      // After a real sync: the invoice owes nothing; the credit note holds the customer's credit; Exceptions lists it.
      await sync(s.organisationId);
      const [after] = await fx.db.select().from(invoices).where(eq(invoices.id, s.invoiceId));
      expect(toMinor(after!.amountDue)).toBe(0);
      expect(toMinor(after!.amountCredited)).toBe(owed);
      const [cn] = await fx.db.select().from(creditNotes).where(and(eq(creditNotes.organisationId, s.organisationId), eq(creditNotes.externalId, notes[0]!.id)));
      expect(toMinor(cn!.total)).toBe(credit);
      expect(toMinor(cn!.remainingCredit)).toBe(credit - owed);
      const queueItems = (await listExceptions(fx.db, fx.firmId, s.organisationId, now())).filter((e) => e.kind === 'unallocated_credit' && e.customerId === s.customerId);
      expect(queueItems).toHaveLength(1);
      expect(queueItems[0]!.kindText).toBe('Credit to apply or keep');
      expect(queueItems[0]!.amountText).toContain(((credit - owed) / 100).toFixed(2));
      // Nothing open to apply it to: keep it, or refund it (Xero PUT Payments naming the credit note, decision 055; QuickBooks a check and a zero payment linking the memo, decision 063).
      expect(queueItems[0]!.actions).toEqual(['keep_credit', 'refund']);

      // One timeline entry per step.
      const kinds = await queryRows<{ kind: string; n: number }>(fx.db, sql`SELECT kind, count(*)::int AS n FROM activities WHERE details->>'cancellationId' = ${first.cancellationId} GROUP BY kind ORDER BY kind`);
      expect(kinds).toEqual([
        { kind: 'cancellation.confirmed', n: 1 },
        { kind: 'cancellation.notice', n: 1 },
        { kind: 'cancellation.offers_withdrawn', n: 1 },
        { kind: 'cancellation.plan_ended', n: 1 },
        { kind: 'cancellation.reminders', n: 1 },
      ]);
      expect(await fx.db.select().from(activities).where(and(eq(activities.kind, 'writeback.confirmed'), sql`${activities.details}->>'writebackId' = ${wb!.id}`))).toHaveLength(1);
    });

    it('an unpaid invoice cancelled from mid-term: one credit note allocated in full, reminders wait a day, nothing left as credit', async () => {
      const s = await serviceInvoice(provider, `unpaid.${provider}@customer.example`, 0);
      // cancel only the support line, on the fixed schedule (month 4 of the term: 25% by default).
      const queue: string[] = [];
      const r = await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, { organisationId: s.organisationId, customerId: s.customerId, invoices: [{ invoiceId: s.invoiceId, lines: [1] }], serviceStart: s.start, serviceEnd: s.end, effectiveDate: s.today, method: 'fixed_schedule', reason: 'Downgraded', requestId: crypto.randomUUID() });
      const credit = provider === 'xero' ? 30_000 : 25_000;
      expect(r.preview.leftAsCreditSentence).toBeNull();
      await drain(fx, queue);
      const notes = creditNotesFor(s.companyId, s.contactExternalId);
      expect(notes.map((n) => [n.total, n.remainingCredit])).toEqual([[credit, 0]]);
      const [hold] = await fx.db.select().from(reminderInvoiceHolds).where(and(eq(reminderInvoiceHolds.organisationId, s.organisationId), eq(reminderInvoiceHolds.invoiceExternalId, s.inv.id)));
      expect(hold).toMatchObject({ excluded: false, pausedUntil: addDays(todayIn(orgs.get(provider)!.timezone, now()), 1) });
      await sync(s.organisationId);
      const [after] = await fx.db.select().from(invoices).where(eq(invoices.id, s.invoiceId));
      expect(toMinor(after!.amountDue)).toBe((provider === 'xero' ? 132_000 : 110_000) - credit);
    });

    it.each(['wb.after-lease', 'wb.after-send', 'wb.after-sent', 'wb.before-confirm', 'wb.after-confirm'] as WritebackCrashPoint[])('a worker killed at %s and restarted leaves one credit note', async (point) => {
      const s = await serviceInvoice(provider, `k.${provider}.${point}@customer.example`);
      const queue: string[] = [];
      const input = { organisationId: s.organisationId, customerId: s.customerId, invoices: [{ invoiceId: s.invoiceId, lines: 'all' as const }], serviceStart: s.start, serviceEnd: s.end, effectiveDate: s.today, method: 'by_days' as const, reason: 'Closed', requestId: crypto.randomUUID() };
      await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input);
      expect(queue).toHaveLength(1);
      const id = queue[0]!;
      await expect(executeWriteback(engine(fx, [], point), id)).rejects.toThrow(SimulatedCrash);
      fx.advance(61_000);
      const stuck = await stuckWritebacks(fx.db, now(), 60_000);
      const [w] = await fx.db.select().from(writebacks).where(eq(writebacks.id, id));
      if (!(point === 'wb.after-confirm' && w!.noteStatus !== 'pending')) {
        expect(stuck).toContain(id);
        expect(await executeWriteback(engine(fx, []), id)).toEqual({ outcome: 'confirmed' });
      }
      // The collector confirms again after the crash: nothing new.
      expect((await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input)).created).toBe(false);
      expect(queue).toHaveLength(1);
      expect(creditNotesFor(s.companyId, s.contactExternalId)).toHaveLength(1);
      expect(capture.messages.filter((m) => m.to.includes(`k.${provider}.${point}@customer.example`))).toHaveLength(1);
    });

    it('the process killed after the credit was asked for but before it was queued: the sweep queues it, one document', async () => {
      const s = await serviceInvoice(provider, `q.${provider}@customer.example`);
      const input = { organisationId: s.organisationId, customerId: s.customerId, invoices: [{ invoiceId: s.invoiceId, lines: 'all' as const }], serviceStart: s.start, serviceEnd: s.end, effectiveDate: s.today, method: 'by_days' as const, reason: 'Closed', requestId: crypto.randomUUID() };
      await expect(
        confirmCancellation(deps([], async () => {
          throw new SimulatedCrash('before-queue');
        }), { firmId: fx.firmId, userId }, input),
      ).rejects.toThrow(SimulatedCrash);
      const queue: string[] = [];
      const again = await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input);
      expect(again.created).toBe(false);
      fx.advance(61_000);
      const stuck = await stuckWritebacks(fx.db, now(), 60_000);
      expect(stuck).toEqual(expect.arrayContaining(again.writebackIds));
      for (const id of again.writebackIds) expect(await executeWriteback(engine(fx, []), id)).toEqual({ outcome: 'confirmed' });
      expect(creditNotesFor(s.companyId, s.contactExternalId)).toHaveLength(1);
      expect(capture.messages.filter((m) => m.to.includes(`q.${provider}@customer.example`))).toHaveLength(1);
    });
  });

  // The customer's language (decision 041): the email in it, amounts and dates as Intl writes them there.
  it.each([
    ['xero', 'fr', 'fr-FR', /^Votre résiliation\u00a0: un avoir de /, ['Bonjour ', 'à compter du ', 'Facture ', 'Vous ne devez plus rien sur cette facture.', 'vous appartient']],
    ['quickbooks', 'de', 'de-DE', /^Ihre Kündigung: Gutschrift über /, ['Guten Tag ', 'gekündigt', 'Rechnung ', 'Darauf ist nichts mehr zu zahlen.', 'als Guthaben auf Ihrem Konto']],
  ] as const)('%s: a customer whose language is %s is told once, in it', async (provider, language, locale, subject, phrases) => {
    const email = `lang.${language}.${provider}@customer.example`;
    const s = await serviceInvoice(provider, email);
    await fx.db.insert(reminderCustomers).values({ firmId: fx.firmId, organisationId: s.organisationId, contactExternalId: s.contactExternalId, language });
    // The organisation's country is not one where the language is spoken, so its home locale applies.
    const [org] = await fx.db.select({ countryCode: organisations.countryCode }).from(organisations).where(eq(organisations.id, s.organisationId));
    expect(['FR', 'BE', 'CH', 'LU', 'MC', 'CA', 'DE', 'AT', 'LI']).not.toContain(org!.countryCode);
    const input = { organisationId: s.organisationId, customerId: s.customerId, invoices: [{ invoiceId: s.invoiceId, lines: 'all' as const }], serviceStart: s.start, serviceEnd: s.end, effectiveDate: s.today, method: 'by_days' as const, reason: 'Closed', requestId: crypto.randomUUID() };
    const queue: string[] = [];
    const r = await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input);
    expect(r.debtorTold).toBe(true);
    await drain(fx, queue);
    expect((await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input)).created).toBe(false);

    const mails = capture.messages.filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    const money = (minor: number) => new Intl.NumberFormat(locale, { style: 'currency', currency: s.currency }).format(minor / 100);
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${s.today}T00:00:00Z`));
    // Xero: 958.36 credited, 320.00 of it against what was owed, 638.36 left; QuickBooks (no tax): 798.63, 100.00, 698.63.
    const [credit, owed] = provider === 'xero' ? [95_836, 32_000] : [79_863, 10_000];
    expect(mails[0]!.subject).toMatch(subject);
    expect(mails[0]!.subject).toContain(money(credit));
    const text = mails[0]!.text;
    for (const p of phrases) expect(text).toContain(p);
    for (const x of [credit, owed, credit - owed]) expect(text).toContain(money(x));
    expect(text).toContain(day);
    expect(text).not.toMatch(/Dear |Invoice |credited|as credit|reply to this email|January|February|March|April|May |June|July|August|September|October|November|December/);
  });

  // Decision 061: a taxed line's credit carries its tax code, net and tax; an untaxed line stays untaxed.
  it.each([
    ['xero', 'OUTPUT2', null],
    ['quickbooks', '2', 'NON'],
  ] as const)('%s: the credit note keeps each line’s tax code, net and tax adding up to the credit, written once', async (provider, code, untaxedCode) => {
    const { organisationId, companyId } = orgs.get(provider)!;
    const today = companyToday(store(), companyId);
    const start = addDays(today, -100);
    const end = addDays(start, 365);
    const company = store().company(companyId);
    const email = `ap.taxcode.${provider}@customer.example`;
    const contact = store().createContact(companyId, { name: `Customer ${email}`, email, currency: company.baseCurrency });
    // Support 1,000.00 + 20% VAT 200.00 under the ledger's code; Setup 100.00 untaxed. Total 1,300.00, nothing paid.
    const inv = store().createInvoice(companyId, {
      contactId: contact.id,
      issueDate: start,
      dueDate: addDays(start, 30),
      lines: [
        { description: `Support ${start} to ${addDays(end, -1)}`, unitAmount: 100_000, taxAmount: 20_000, taxType: code },
        { description: 'Setup', unitAmount: 10_000, taxAmount: 0, taxType: untaxedCode },
      ],
      status: 'AUTHORISED',
      lineAmountTypes: 'Exclusive',
      ...(provider === 'quickbooks' ? { number: String(96_000 + store().list('invoices', companyId).length) } : {}),
    });
    expect(inv.total).toBe(130_000);
    await sync(organisationId);
    const [row] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, inv.id)));
    // The sync kept each line's code as the ledger rendered it.
    const kept = await fx.db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, row!.id));
    expect(kept.sort((a, b) => a.lineNo - b.lineNo).map((l) => l.taxCode)).toEqual([code, untaxedCode]);
    const [c] = await fx.db.select().from(contacts).where(and(eq(contacts.organisationId, organisationId), eq(contacts.externalId, contact.id)));

    // Cancelled from today, 265 of 365 days unused: 1000 → 726.03 net + 145.21 tax; 100 → 72.60 untaxed. 943.84 in all.
    const queue: string[] = [];
    const input = { organisationId, customerId: c!.id, invoices: [{ invoiceId: row!.id, lines: 'all' as const }], serviceStart: start, serviceEnd: end, effectiveDate: today, method: 'by_days' as const, reason: 'Customer moved', requestId: crypto.randomUUID() };
    const first = await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input);
    expect(first.created).toBe(true);
    await drain(fx, queue);
    expect((await confirmCancellation(deps(queue), { firmId: fx.firmId, userId }, input)).created).toBe(false);
    expect(queue).toHaveLength(0);

    const notes = creditNotesFor(companyId, contact.id);
    expect(notes).toHaveLength(1);
    const note = notes[0]!;
    expect(note.total).toBe(94_384);
    expect(note.totalTax).toBe(14_521);
    const [taxed, untaxed] = note.lines as [typeof note.lines[0], typeof note.lines[0]];
    expect([taxed.lineAmount, taxed.taxAmount, taxed.taxType]).toEqual([72_603, 14_521, code]);
    expect(taxed.lineAmount + taxed.taxAmount).toBe(72_603 + 14_521);
    expect([untaxed.lineAmount, untaxed.taxAmount]).toEqual([7_260, 0]);
    expect(note.remainingCredit).toBe(0);
    // As the ledger renders it over its API.
    if (provider === 'xero') {
      const out = creditNoteOut(new LedgerView(store(), company), note, { lineItems: true }) as { LineAmountTypes: string; LineItems: Record<string, unknown>[] };
      expect(out.LineAmountTypes).toBe('Exclusive');
      expect(out.LineItems.map((l) => [l['TaxType'], l['LineAmount'], l['TaxAmount']])).toEqual([[code, 726.03, 145.21], ['NONE', 72.6, 0]]);
    } else {
      const out = toQboCreditMemo(new QboView(fx.server.sandbox.ctx, companyId), note) as { TxnTaxDetail: { TotalTax: number }; TotalAmt: number; Line: Record<string, unknown>[] };
      expect(out.TxnTaxDetail.TotalTax).toBe(145.21);
      expect(out.TotalAmt).toBe(943.84);
      const sales = out.Line.filter((l) => l['DetailType'] === 'SalesItemLineDetail');
      expect(sales.map((l) => [(l['SalesItemLineDetail'] as { TaxCodeRef: { value: string } }).TaxCodeRef.value, l['Amount']])).toEqual([[code, 726.03], ['NON', 72.6]]);
    }
    const wbs = await fx.db.select().from(writebacks).where(eq(writebacks.invoiceId, row!.id));
    expect(wbs.map((w) => [w.kind, w.status, toMinor(w.amount ?? '0')])).toEqual([['credit_note', 'confirmed', 94_384]]);
    const asked = (wbs[0]!.request as { lines: { amount: string; taxCode?: string; tax?: string }[] }).lines;
    // The untaxed line: its own code (QuickBooks "NON") with no tax, or — with none — its whole credit.
    expect(asked.map((l) => [l.amount, l.taxCode ?? null, l.tax ?? null])).toEqual([['726.03', code, '145.21'], ['72.60', untaxedCode, untaxedCode ? '0.00' : null]]);
    // After a real sync the invoice owes what the credit left: 1,300.00 − 943.84.
    await sync(organisationId);
    const [synced] = await fx.db.select().from(invoices).where(eq(invoices.id, row!.id));
    expect(toMinor(synced!.amountDue)).toBe(35_616);
  });
});
