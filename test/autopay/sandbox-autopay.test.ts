/**
 * Issue #19, autopay with the sandbox payment provider end to end on the sandbox ledgers (Xero and
 * QuickBooks): the debtor saves a card that declines (the sandbox's hosted card page), turns autopay
 * on — reminders skip the customer — the charge on the due date fails: one email with the "update
 * your card" link, reminders resume; the debtor saves a working card, the waiting retry runs that
 * day and the payment reaches the ledger once through the outbox; the balance is right after sync;
 * runs after that change nothing. A customer set to French (Xero) or German (QuickBooks) gets the
 * declined-card email once, in that language, the amount and the retry's day in its locale.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMinor } from '../../kernel/money';
import { autopaySummary, completeCardSetup, setAutopay, startCardSetup } from '../../server/autopay/cards';
import { runAutopay } from '../../server/autopay/charge';
import { customerAutopay } from '../../server/autopay/view';
import { autopayMandates, chargeAttempts, invoices, organisations, reminderCustomers, savedPaymentMethods } from '../../server/db/schema';
import { sandboxProvider, sandboxSaveCard } from '../../server/pay/sandbox-provider';
import { loadCustomers } from '../../server/reminders/load';
import { customerBlock, indexHolds } from '../../server/reminders/plan';
import { skipReasonText } from '../../server/reminders/types';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, type SyncedOrgs } from '../writebacks/harness';
import { APP_URL, autopayDeps, customerWithInvoice, DAY, sync, viewFor } from './helpers';

let fx: SyncFixture;
let capture: Capture;
let orgs: SyncedOrgs['orgs'];
const provider = () => sandboxProvider({ db: fx.db, appUrl: () => APP_URL });
const now = () => new Date(fx.now());

async function saveSandboxCard(organisationId: string, contactExternalId: string, card: '4242' | '0341') {
  const { view, token } = await viewFor(fx, organisationId, contactExternalId);
  const started = await startCardSetup({ db: fx.db, provider: provider(), appUrl: APP_URL }, view, token);
  expect(started.url).toMatch(/^http:\/\/arcus\.test\/pay\/sandbox-setup\/seti_sandbox_[A-Za-z0-9]+$/);
  const ref = started.url.split('/').pop()!;
  expect(await sandboxSaveCard(fx.db, ref, card, { month: 12, year: 2029 })).not.toBeNull();
  expect((await completeCardSetup({ db: fx.db, provider: provider(), now }, { id: started.setupId })).outcome).toBe('saved');
  return view;
}

async function reminderBlock(organisationId: string, contactExternalId: string) {
  const customers = await loadCustomers(fx.db, { id: organisationId, firmId: fx.firmId }, [contactExternalId]);
  const today = new Date(fx.now()).toISOString().slice(0, 10);
  return customerBlock(customers.get(contactExternalId)!, indexHolds([], today), today);
}

describeWith('pg', 'autopay with the sandbox provider on the sandbox ledgers', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 62, companies: [{ provider: 'xero', customers: 3, invoices: 6 }, { provider: 'quickbooks', customers: 3, invoices: 6 }] });
    capture = await startCapture({ now });
    orgs = (await connectAndSync(fx, { name: 'Sam Admin', email: 'sam@firm.example' })).orgs;
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  describe.each(['xero', 'quickbooks'] as const)('%s', (ledger) => {
    it('declined card → one email, reminders resume → the debtor updates the card → charged that day, one payment in the ledger, balance right', async () => {
      const org = orgs.get(ledger)!;
      const email = `autopay.${ledger}@customer.example`;
      const c = await customerWithInvoice(fx, org, `Autopay ${ledger} Ltd`, email, 1);
      const view = await saveSandboxCard(org.organisationId, c.contactExternalId, '0341');
      expect(await setAutopay({ db: fx.db, provider: provider(), now }, view, { scope: 'invoices', on: true })).toEqual({ on: true });
      const pay = await autopaySummary(fx.db, view, provider());
      expect(pay.cards.map((x) => x.text)).toEqual(['Visa •••• 0341, expires 12/2029']);
      expect(pay.choices.find((x) => x.scope === 'invoices')).toMatchObject({ on: true, statusText: 'On' });
      expect(await reminderBlock(org.organisationId, c.contactExternalId)).toBe('autopay');
      expect(skipReasonText('autopay')).toBe('The customer pays by autopay: reminders wait unless a charge fails');

      const queue: string[] = [];
      const deps = autopayDeps(fx, capture, provider(), queue);
      fx.advance(1 * DAY);
      expect(await runAutopay(deps, org.organisationId)).toMatchObject({ charged: 0, failed: 1 });
      expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
      const mails = capture.messages.filter((m) => m.to.includes(email));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain('Visa •••• 0341, expires 12/2029 today, but the card was declined.');
      expect(mails[0]!.text).toMatch(/update it here: http:\/\/arcus\.test\/pay\/[A-Za-z0-9_-]{43}\?card=update/);
      expect(await reminderBlock(org.organisationId, c.contactExternalId)).toBeNull();

      // The debtor follows the link and saves a working card: the retry planned for tomorrow runs today.
      await saveSandboxCard(org.organisationId, c.contactExternalId, '4242');
      const cards = await fx.db.select({ last4: savedPaymentMethods.last4, status: savedPaymentMethods.status }).from(savedPaymentMethods).where(and(eq(savedPaymentMethods.contactExternalId, c.contactExternalId), eq(savedPaymentMethods.organisationId, org.organisationId)));
      expect(cards.sort((a, b) => a.last4!.localeCompare(b.last4!))).toEqual([
        { last4: '0341', status: 'replaced' },
        { last4: '4242', status: 'active' },
      ]);
      expect(await runAutopay(deps, org.organisationId)).toMatchObject({ charged: 1, failed: 0 });
      expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
      const [m] = await fx.db.select().from(autopayMandates).where(eq(autopayMandates.contactExternalId, c.contactExternalId));
      expect(m).toMatchObject({ status: 'active', failingSince: null });
      expect(await reminderBlock(org.organisationId, c.contactExternalId)).toBe('autopay');

      expect(queue).toHaveLength(1);
      await drain(fx, queue);
      await drain(fx, queue);
      const store = fx.server.sandbox.ctx.store;
      const paid = store.list('payments', org.companyId).filter((p) => p.status !== 'DELETED' && p.allocations.some((a) => a.invoiceId === c.invoiceExternalId));
      expect(paid).toHaveLength(1);
      expect(paid[0]!.amount).toBe(20_000);
      await sync(fx, org.organisationId);
      const [inv] = await fx.db.select().from(invoices).where(eq(invoices.id, c.invoiceId));
      expect(toMinor(inv!.amountDue)).toBe(0);
      // Nothing left to charge after the sync; still one email.
      fx.advance(8 * DAY);
      expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
      expect(capture.messages.filter((x) => x.to.includes(email))).toHaveLength(1);
      const attempts = await fx.db.select().from(chargeAttempts).where(eq(chargeAttempts.invoiceId, c.invoiceId)).orderBy(chargeAttempts.attemptNo);
      expect(attempts.map((a) => [a.attemptNo, a.status])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);

      // The customer page, in words.
      const page = await customerAutopay(fx.db, fx.firmId, org.organisationId, c.contactExternalId, now());
      expect(page.summary).toBe('On for invoices as they fall due');
      expect(page.cards.map((x) => x.text)).toEqual(['Visa •••• 4242, expires 12/2029']);
      expect(page.attempts.map((a) => a.text)).toEqual([expect.stringMatching(/^Retry 1 on \d{1,2} [A-Z][a-z]+ \d{4} for .*200\.00: paid$/), expect.stringMatching(/^Charge on \d{1,2} [A-Z][a-z]+ \d{4} for .*200\.00: failed — the card was declined$/)]);
    });
  });

  // The customer's language (decision 041): the declined-card email in it, the amount and the retry's day as Intl writes them there.
  it.each([
    ['xero', 'fr', 'fr-FR', 'Votre paiement automatique n’a pas abouti — ', ['Bonjour ', 'sur votre carte Visa •••• 0341, expire fin 12/2029, mais la carte a été refusée.', 'Nous réessaierons le ', 'Pour utiliser une autre carte, mettez-la à jour ici\u00a0: http://arcus.test/pay/']],
    ['quickbooks', 'de', 'de-DE', 'Ihre automatische Zahlung ist fehlgeschlagen — ', ['Guten Tag ', 'von Ihrer Visa-Karte •••• 0341, gültig bis 12/2029 einzuziehen, aber die Karte wurde abgelehnt.', 'Wir versuchen es am ', 'Um eine andere Karte zu verwenden, aktualisieren Sie sie hier: http://arcus.test/pay/']],
  ] as const)('%s: a customer whose language is %s gets the declined-card email once, in it', async (ledger, language, locale, subject, phrases) => {
    const org = orgs.get(ledger)!;
    const email = `autopay.${language}.${ledger}@customer.example`;
    const c = await customerWithInvoice(fx, org, `Autopay ${language} ${ledger}`, email, 1);
    await fx.db.insert(reminderCustomers).values({ firmId: fx.firmId, organisationId: org.organisationId, contactExternalId: c.contactExternalId, language });
    // The organisation's country is not one where the language is spoken, so its home locale applies.
    const [o] = await fx.db.select({ countryCode: organisations.countryCode }).from(organisations).where(eq(organisations.id, org.organisationId));
    expect(['FR', 'BE', 'CH', 'LU', 'MC', 'CA', 'DE', 'AT', 'LI']).not.toContain(o!.countryCode);
    const view = await saveSandboxCard(org.organisationId, c.contactExternalId, '0341');
    expect(await setAutopay({ db: fx.db, provider: provider(), now }, view, { scope: 'invoices', on: true })).toEqual({ on: true });
    const deps = autopayDeps(fx, capture, provider(), []);
    fx.advance(1 * DAY);
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ failed: 1 });
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ failed: 0 });

    const mails = capture.messages.filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject.startsWith(subject)).toBe(true);
    const [inv] = await fx.db.select({ number: invoices.number, currency: invoices.currency }).from(invoices).where(eq(invoices.id, c.invoiceId));
    const [retry] = await fx.db.select({ on: chargeAttempts.scheduledOn }).from(chargeAttempts).where(and(eq(chargeAttempts.invoiceId, c.invoiceId), eq(chargeAttempts.attemptNo, 2)));
    const text = mails[0]!.text;
    for (const x of phrases) expect(text).toContain(x);
    expect(text).toContain(new Intl.NumberFormat(locale, { style: 'currency', currency: inv!.currency }).format(200));
    expect(text).toContain(inv!.number);
    expect(text).toContain(new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${retry!.on}T00:00:00Z`)));
    expect(`${mails[0]!.subject}\n${text}`).not.toMatch(/Dear |We tried|declined|expires|try again|another card|January|February|March|April|May |June|July|August|September|October|November|December/);
  });
});
