/**
 * Languages end to end (issue #20, decision 041): a Xero organisation in France, synced from the
 * sandbox ledger over HTTP. Its customers' reminders go out through a real SMTP server: a
 * French customer's in French with French dates and amounts (checked against Intl's own fr-FR
 * formats of the invoice's amount and due date, independently of Arcus's code), a customer set
 * to English in English; a customer whose language a firm template has no version in gets the
 * organisation's language (French), and where that is missing too, English.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { contacts, invoices, organisations, reminderSends, reminderSettings } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { createPolicy, createTemplate, getSettings, saveSettings } from '../../server/reminders/config-store';
import { saveCustomer } from '../../server/reminders/customers';
import { loadCustomerLanguage } from '../../server/reminders/language';
import { templateFor } from '../../server/reminders/templates';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { type Capture, Driver, startCapture } from './harness';

const PINNED = Date.parse('2026-11-23T10:00:00Z');
const MIN15 = 15 * 60_000;

let fx: SyncFixture;
let capture: Capture;
let driver: Driver;
let organisationId = '';
/** Customers with open invoices, by the language they were given. */
const who: Record<'fr' | 'en' | 'es', { externalId: string; name: string }> = {} as never;
let rootTemplateId = '';

const frMoney = (amount: string) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(Number(amount));
const frDate = (d: string) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));

async function sentTo(contactExternalId: string) {
  const rows = await fx.db
    .select()
    .from(reminderSends)
    .where(and(eq(reminderSends.organisationId, organisationId), eq(reminderSends.contactExternalId, contactExternalId), eq(reminderSends.status, 'sent')));
  return rows.map((row) => ({ row, message: capture.messages.find((m) => m.messageId.includes(row.id)) }));
}

describeWith('pg', 'Reminders in the customer’s language', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({
      seed: 20,
      clockBase: () => PINNED,
      companies: [{ provider: 'xero', name: 'Menuiserie Dupont SARL', timezone: 'Europe/Paris', countryCode: 'FR', baseCurrency: 'EUR', customers: 6, invoices: 30 }],
    });
    const c = await fx.connect('xero', fx.companyIds[0]!);
    organisationId = c.organisationId;
    await fx.db.update(organisations).set({ timezone: 'Europe/Paris', countryCode: 'FR' }).where(eq(organisations.id, organisationId));
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
    expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
    await fx.db.insert(reminderSettings).values({ organisationId, firmId: fx.firmId, enabled: true, windowStartMinute: 0, windowEndMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7], dailyLimit: 500, customerDailyLimit: 10, confirmedAt: new Date('2026-01-01T00:00:00Z') });

    // Three customers with overdue invoices in EUR: one French, one English, one Spanish.
    const rows = await fx.db
      .select({ externalId: contacts.externalId, name: contacts.name, due: invoices.dueDate, currency: invoices.currency })
      .from(contacts)
      .innerJoin(invoices, and(eq(invoices.organisationId, contacts.organisationId), eq(invoices.contactExternalId, contacts.externalId)))
      .where(and(eq(contacts.organisationId, organisationId), eq(invoices.status, 'authorised')));
    const overdue = [...new Map(rows.filter((r) => r.due !== null && r.due < '2026-11-20' && r.currency === 'EUR').map((r) => [r.externalId, r])).values()];
    expect(overdue.length).toBeGreaterThanOrEqual(3);
    const now = new Date(fx.now());
    for (const [i, language] of (['fr', 'en', 'es'] as const).entries()) {
      who[language] = { externalId: overdue[i]!.externalId, name: overdue[i]!.name };
      await saveCustomer(fx.db, { firmId: fx.firmId, organisationId, contactExternalId: overdue[i]!.externalId, input: { language }, now });
    }
    // The Spanish customer's policy names a firm template written in English and French only.
    const root = await createTemplate(fx.db, fx.firmId, { name: 'Our statement', organisationId: null, subject: 'Statement for {{customer.name}}', bodyHtml: '<p>Hello {{contact.first_name}}, {{total_overdue}} is overdue.</p>', bodyText: 'Hello {{contact.first_name}}, {{total_overdue}} is overdue.' }, now);
    rootTemplateId = root.id;
    await createTemplate(fx.db, fx.firmId, { name: 'Notre relevé', organisationId: null, language: 'fr', translationOf: root.id, subject: 'Relevé pour {{customer.name}}', bodyHtml: '<p>Bonjour {{contact.first_name}}, {{total_overdue}} sont en retard.</p>', bodyText: 'Bonjour {{contact.first_name}}, {{total_overdue}} sont en retard.' }, now);
    await createPolicy(
      fx.db,
      fx.firmId,
      { name: 'Spanish customer', scope: 'customer', organisationId, segment: null, contactExternalId: who.es.externalId, grouping: 'customer', steps: [{ offsetDays: 0, templateId: root.id }, { offsetDays: 7, templateId: root.id }, { offsetDays: 30, templateId: root.id }] as never, enabled: true },
      now,
    );

    fx.advance(61_000);
    fx.advance(MIN15 - (fx.now() % MIN15));
    const clock = () => new Date(fx.now());
    capture = await startCapture({ now: clock });
    driver = new Driver({ db: fx.db, log: createLogger('silent'), env: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', appUrl: 'https://arcus.test', secret: 'languages-test-secret-languages-test!', embedded: false, now: clock } });
    await driver.tick([organisationId]);
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  it('a French customer receives French reminders with French dates and amounts', async () => {
    const sent = await sentTo(who.fr.externalId);
    expect(sent.length).toBeGreaterThan(0);
    for (const { row, message } of sent) {
      expect(message, 'the message reached the SMTP server').toBeDefined();
      // The built-in statement in French.
      expect(message!.subject).toContain(`${who.fr.name} : `);
      // A subject's white space is folded to plain spaces (render.ts).
      expect(message!.subject).toMatch(/ : relevé des impayés \([\d ]+,\d\d €\) – Menuiserie Dupont SARL$/);
      expect(message!.text).toContain('Veuillez trouver ci-dessous les factures de Menuiserie Dupont SARL');
      expect(message!.text).toContain('Cordialement,');
      expect(message!.html).toMatch(/>Facture<\/th><th [^>]*>Date<\/th><th [^>]*>Échéance<\/th><th [^>]*>Montant dû<\/th>/);
      // Every listed invoice with its amount due and due date as a French reader writes them.
      const listed = await fx.db
        .select()
        .from(invoices)
        .where(and(eq(invoices.organisationId, organisationId), eq(invoices.contactExternalId, who.fr.externalId)));
      for (const ext of row.invoiceExternalIds) {
        const inv = listed.find((i) => i.externalId === ext)!;
        expect(message!.text).toContain(`- ${inv.number}\u00a0: ${frMoney(inv.amountDue)}, échéance le ${frDate(inv.dueDate!)}`);
      }
      expect(message!.text).toMatch(/\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) 20\d\d/);
      expect(message!.text).toMatch(/\d,\d\d\u00a0€/);
      expect(message!.text).not.toMatch(/Hello|overdue|Invoice|Sent on behalf|\b[A-Z][a-z]{2} 20\d\d\b|€\d/);
    }
  });

  it('a customer set to English in the same organisation gets the English reminder, as before', async () => {
    const sent = await sentTo(who.en.externalId);
    expect(sent.length).toBeGreaterThan(0);
    for (const { message } of sent) {
      expect(message!.subject).toContain('overdue with Menuiserie Dupont SARL');
      expect(message!.text).toContain('Here are the invoices from Menuiserie Dupont SARL');
      expect(message!.text).toMatch(/€[\d,]+\.\d\d/);
      expect(message!.html).toContain('>Amount due</th>');
    }
  });

  it('a language the step’s template has no version in: the organisation’s language (French), else English', async () => {
    const sent = await sentTo(who.es.externalId);
    expect(sent.length).toBeGreaterThan(0);
    for (const { message } of sent) {
      expect(message!.subject).toBe(`Relevé pour ${who.es.name}`);
      expect(message!.text).toMatch(/^Bonjour .+, [\d\u202f]+,\d\d\u00a0€ sont en retard\./);
    }
    // Neither Spanish nor the organisation's language (Dutch here): English.
    const t = await templateFor(fx.db, fx.firmId, rootTemplateId, 0, true, { language: 'es', organisation: 'nl' });
    expect(t).toMatchObject({ id: rootTemplateId, language: 'en', subject: 'Statement for {{customer.name}}' });
    const fr = await templateFor(fx.db, fx.firmId, rootTemplateId, 0, true, { language: 'es', organisation: 'fr' });
    expect(fr.language).toBe('fr');
    // Built-ins exist in every language: the customer's own.
    expect((await templateFor(fx.db, fx.firmId, null, 10, false, { language: 'de', organisation: 'fr' })).id).toBe('builtin:overdue:de');
  });

  it('the organisation’s default language: from its country until set; a customer of its own keeps it', async () => {
    const scope = { id: organisationId, firmId: fx.firmId };
    expect(await getSettings(fx.db, fx.firmId, organisationId)).toMatchObject({ language: null, defaultLanguage: 'fr', countryLanguage: 'fr' });
    const others = await fx.db.select({ externalId: contacts.externalId }).from(contacts).where(eq(contacts.organisationId, organisationId));
    const plain = others.find((o) => !Object.values(who).some((w) => w.externalId === o.externalId))!;
    expect(await loadCustomerLanguage(fx.db, scope, plain.externalId)).toEqual({ language: 'fr', organisation: 'fr' });
    await saveSettings(fx.db, fx.firmId, organisationId, { language: 'de' }, new Date(fx.now()));
    expect(await getSettings(fx.db, fx.firmId, organisationId)).toMatchObject({ language: 'de', defaultLanguage: 'de', countryLanguage: 'fr' });
    expect(await loadCustomerLanguage(fx.db, scope, plain.externalId)).toEqual({ language: 'de', organisation: 'de' });
    expect(await loadCustomerLanguage(fx.db, scope, who.fr.externalId)).toEqual({ language: 'fr', organisation: 'de' });
    await saveSettings(fx.db, fx.firmId, organisationId, { language: null }, new Date(fx.now()));
    expect(await loadCustomerLanguage(fx.db, scope, plain.externalId)).toEqual({ language: 'fr', organisation: 'fr' });
  });
});
