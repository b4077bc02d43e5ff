/**
 * Thirty simulated days of reminders on sandbox data, with a real SMTP server (in-process
 * smtp-server) and this worker's PostgreSQL: a Xero organisation in London and a QuickBooks
 * company in New York, synced from the sandbox ledger, the default policy (−3, 0, +7, +14, +30
 * then every 14 days), a 09:00–17:00 Monday–Friday window, runs every 15 minutes on a fake
 * clock (the sandbox's, advanced — nothing sleeps). An independent oracle computed from the
 * synced invoices says which (invoice, step) goes out on which local day; the captured mailbox
 * must match it exactly: count, recipients, content, local time window. Mid-run a customer pays
 * an invoice in the ledger and the next sync stops its sequence; an unsubscribed customer gets
 * nothing; every reminder sent is noted once on the invoice in the sandbox ledger (Xero history,
 * QuickBooks PrivateNote).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, type CalendarDate, diffDays } from '../../kernel/dates';
import { contacts, invoices, organisations, reminderSends, reminderSettings, reminderUnsubscribes, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { reminderNoteKey } from '../../server/reminders/note-text';
import { ledgerEmails, ledgerRecipients, normaliseAddress } from '../../server/reminders/recipients';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { type Capture, Driver, startCapture } from './harness';

const MIN15 = 15 * 60_000;
const DAYS = 30;
/** The default policy's occurrences, in days after the due date (independent of the code under test). */
const OFFSETS = [-3, 0, 7, 14, 30, 44, 58, 72, 86, 100, 114];
const ZONES = { xero: 'Europe/London', quickbooks: 'America/New_York' } as const;

let fx: SyncFixture;
let capture: Capture;
let driver: Driver;
const orgs = {} as Record<'xero' | 'quickbooks', { organisationId: string; companyId: string }>;

function local(tz: string, at: Date): { date: CalendarDate; minute: number; weekday: number } {
  const p = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' }).formatToParts(at);
  const g = (t: string) => p.find((x) => x.type === t)!.value;
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(g('weekday')) + 1;
  return { date: `${g('year')}-${g('month')}-${g('day')}`, minute: Number(g('hour')) * 60 + Number(g('minute')), weekday };
}

async function sync(provider: 'xero' | 'quickbooks', kind: 'full' | 'incremental') {
  const { runId } = await createOrReuseRun(fx.db, { organisationId: orgs[provider].organisationId, kind });
  const r = await runSync(fx.engineDeps(), { runId });
  expect(r.status).toBe('succeeded');
}

interface OracleInvoice {
  provider: 'xero' | 'quickbooks';
  externalId: string;
  number: string;
  dueDate: CalendarDate;
  contactExternalId: string;
  recipients: string[];
  /** Sim time from which the invoice is closed (paid), if it is. */
  closedAt: number | null;
}

interface Expected {
  provider: 'xero' | 'quickbooks';
  invoice: string;
  offset: number;
  day: CalendarDate;
  recipients: string[];
}

/**
 * Each day the window opens (first tick at or after 09:00 local on Mon–Fri), every open invoice
 * whose latest due occurrence has not gone yet gets it — the rule, written out plainly.
 */
function oracle(list: OracleInvoice[], start: number): Expected[] {
  const out: Expected[] = [];
  for (const inv of list) {
    if (inv.recipients.length === 0) continue;
    const tz = ZONES[inv.provider];
    const sent = new Set<number>();
    for (let t = start; t < start + DAYS * 86_400_000; t += MIN15) {
      const l = local(tz, new Date(t));
      if (l.weekday > 5 || l.minute < 9 * 60 || l.minute >= 17 * 60) continue;
      if (inv.closedAt !== null && t >= inv.closedAt) break;
      const due = OFFSETS.filter((o) => addDays(inv.dueDate, o) <= l.date);
      const current = due[due.length - 1];
      if (current === undefined || sent.has(current)) continue;
      sent.add(current);
      out.push({ provider: inv.provider, invoice: inv.number, offset: current, day: l.date, recipients: inv.recipients.map(normaliseAddress).sort() });
    }
  }
  return out;
}

describeWith('pg', 'Reminders: a 30-day simulation on sandbox data', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({
      seed: 11,
      companies: [
        { provider: 'xero', name: 'Sim Joinery Ltd', timezone: ZONES.xero, countryCode: 'GB', baseCurrency: 'GBP', customers: 14, invoices: 160 },
        { provider: 'quickbooks', name: 'Sim Dental LLC', timezone: ZONES.quickbooks, countryCode: 'US', baseCurrency: 'USD', customers: 14, invoices: 160 },
      ],
    });
    for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
      const companyId = fx.companyIds[i]!;
      const c = await fx.connect(provider, companyId);
      orgs[provider] = { organisationId: c.organisationId, companyId };
      // QuickBooks has no time zone in its API: the admin sets it (Settings › Connections).
      await fx.db.update(organisations).set({ timezone: ZONES[provider] }).where(eq(organisations.id, c.organisationId));
      await sync(provider, 'full');
      fx.advance(61_000);
      await fx.db.insert(reminderSettings).values({ organisationId: c.organisationId, firmId: fx.firmId, enabled: true, windowStartMinute: 540, windowEndMinute: 1020, businessDays: [1, 2, 3, 4, 5], dailyLimit: 500, signature: 'The accounts team' });
    }
    // Start on a 15-minute boundary, as the scheduler's ticks are.
    fx.advance(MIN15 - (fx.now() % MIN15));
    const now = () => new Date(fx.now());
    capture = await startCapture({ now });
    driver = new Driver({
      db: fx.db,
      log: createLogger('silent'),
      env: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', appUrl: 'https://arcus.test', secret: 'simulation-secret-simulation-secret!', embedded: false, now },
      ledger: fx.gateway,
    });
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  it('sends exactly the expected emails, inside each organisation’s local window; a payment stops its sequence; an unsubscribed customer gets nothing; notes land once in each ledger', async () => {
    const start = fx.now();
    const orgIds = [orgs.xero.organisationId, orgs.quickbooks.organisationId];
    const rows = await fx.db
      .select({ organisationId: invoices.organisationId, externalId: invoices.externalId, number: invoices.number, dueDate: invoices.dueDate, contactExternalId: invoices.contactExternalId, emails: contacts.emails })
      .from(invoices)
      .innerJoin(contacts, and(eq(contacts.organisationId, invoices.organisationId), eq(contacts.externalId, invoices.contactExternalId)))
      .where(and(inArray(invoices.organisationId, orgIds), eq(invoices.status, 'authorised')));
    const list: OracleInvoice[] = rows
      .filter((r) => r.dueDate)
      .map((r) => ({ provider: r.organisationId === orgs.xero.organisationId ? 'xero' : 'quickbooks', externalId: r.externalId, number: r.number, dueDate: r.dueDate!, contactExternalId: r.contactExternalId, recipients: ledgerRecipients(ledgerEmails(r.emails)), closedAt: null }));

    // One customer with reminders coming unsubscribes before the run (Arcus data).
    const free = oracle(list, start);
    const byCustomer = new Map<string, number>();
    for (const e of free) {
      const inv = list.find((i) => i.number === e.invoice && i.provider === e.provider)!;
      byCustomer.set(`${inv.provider}|${inv.contactExternalId}`, (byCustomer.get(`${inv.provider}|${inv.contactExternalId}`) ?? 0) + 1);
    }
    const [unsubKey] = [...byCustomer.entries()].filter(([k]) => k.startsWith('xero|')).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    const unsubContact = unsubKey.split('|')[1]!;
    const unsubAddresses = list.find((i) => i.provider === 'xero' && i.contactExternalId === unsubContact)!.recipients;
    for (const a of unsubAddresses) await fx.db.insert(reminderUnsubscribes).values({ firmId: fx.firmId, organisationId: orgs.xero.organisationId, contactExternalId: unsubContact, address: normaliseAddress(a), source: 'link' });
    for (const i of list) if (i.provider === 'xero' && i.contactExternalId === unsubContact) i.recipients = [];

    // A QuickBooks invoice with reminders both before and after day 10 is paid in the ledger on day 10.
    const payAt = start + 10 * 86_400_000;
    const candidates = oracle(list, start).filter((e) => e.provider === 'quickbooks');
    const paid = list.find((i) => i.provider === 'quickbooks' && candidates.some((e) => e.invoice === i.number && diffDays(e.day, local(ZONES.quickbooks, new Date(payAt)).date) > 0) && candidates.some((e) => e.invoice === i.number && diffDays(e.day, local(ZONES.quickbooks, new Date(payAt)).date) < 0));
    expect(paid, 'a QuickBooks invoice with reminders on both sides of day 10').toBeDefined();
    paid!.closedAt = payAt;
    const expected = oracle(list, start);

    let payDone = false;
    for (let t = start; t < start + DAYS * 86_400_000; t += MIN15) {
      if (fx.now() < t) fx.advance(t - fx.now());
      if (!payDone && fx.now() >= payAt) {
        const res = await fetch(`${fx.url}/admin/companies/${orgs.quickbooks.companyId}/pay`, { method: 'POST', headers: { authorization: 'Bearer sandbox-admin', 'content-type': 'application/json' }, body: JSON.stringify({ invoiceId: paid!.externalId }) });
        expect(res.status).toBe(201);
        await sync('quickbooks', 'incremental');
        payDone = true;
      }
      await driver.tick(orgIds);
    }

    // The mailbox, message by message, against the oracle.
    const sent = await fx.db.select().from(reminderSends).where(and(inArray(reminderSends.organisationId, orgIds), eq(reminderSends.status, 'sent')));
    const numberOf = new Map(list.map((i) => [`${i.provider}|${i.externalId}`, i.number]));
    const providerOf = (orgId: string) => (orgId === orgs.xero.organisationId ? 'xero' : 'quickbooks') as 'xero' | 'quickbooks';
    const actual: Expected[] = [];
    for (const s of sent) {
      const provider = providerOf(s.organisationId);
      const msg = capture.messages.filter((m) => m.messageId === s.messageId.replace(/^<|>$/g, ''));
      expect(msg, `exactly one message for ${s.id}`).toHaveLength(1);
      const m = msg[0]!;
      const l = local(ZONES[provider], m.at);
      expect(l.weekday, `${m.subject} went on a business day`).toBeLessThanOrEqual(5);
      expect(l.minute).toBeGreaterThanOrEqual(9 * 60);
      expect(l.minute).toBeLessThan(17 * 60);
      const number = numberOf.get(`${provider}|${s.subjectId}`)!;
      expect(m.subject).toContain(number);
      expect(m.text).toContain(number);
      expect(m.headers.get('list'), 'List-Unsubscribe and List-Unsubscribe-Post').toMatchObject({ unsubscribe: { url: expect.stringMatching(/^https:\/\/arcus\.test\/u\//) }, 'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' } });
      actual.push({ provider, invoice: number, offset: s.stepOffset, day: l.date, recipients: m.to });
    }
    const key = (e: Expected) => `${e.provider}|${e.invoice}|${e.offset}|${e.day}|${e.recipients.join(',')}`;
    expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
    expect(capture.messages).toHaveLength(expected.length);
    expect(new Set(capture.messages.map((m) => m.messageId)).size).toBe(capture.messages.length);
    expect(expected.length).toBeGreaterThan(10);

    // Sent at the first run of the day the window was open (or at the start of the simulation).
    for (const m of capture.messages) {
      const s = sent.find((x) => x.messageId === `<${m.messageId}>`)!;
      const l = local(ZONES[providerOf(s.organisationId)], m.at);
      if (m.at.getTime() - start > 86_400_000) expect(l.minute, `${m.subject} at ${l.minute}`).toBeLessThan(9 * 60 + 15);
    }

    // The payment stopped the sequence; the unsubscribed customer got nothing.
    const paidSends = actual.filter((e) => e.provider === 'quickbooks' && e.invoice === paid!.number);
    expect(paidSends.length).toBeGreaterThan(0);
    expect(paidSends.every((e) => diffDays(e.day, local(ZONES.quickbooks, new Date(payAt)).date) > 0)).toBe(true);
    expect(capture.messages.filter((m) => m.to.some((a) => unsubAddresses.map(normaliseAddress).includes(a)))).toEqual([]);
    const unsubSkips = await fx.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, orgs.xero.organisationId), eq(reminderSends.contactExternalId, unsubContact), eq(reminderSends.skipReason, 'unsubscribed')));
    expect(unsubSkips.length).toBeGreaterThan(0);

    // Ledger notes: one `note` write-back per reminder per invoice, confirmed, in each ledger once.
    const notes = (await fx.db.select().from(writebacks).where(and(inArray(writebacks.organisationId, orgIds), eq(writebacks.kind, 'note')))).map((w) => ({ ...w, text: w.noteText ?? '' }));
    expect(notes).toHaveLength(sent.length);
    expect(notes.every((n) => n.status === 'confirmed' && n.noteStatus === 'written' && n.purpose === 'reminder')).toBe(true);
    const store = fx.server.sandbox.ctx.store;
    for (const s of sent) {
      const provider = providerOf(s.organisationId);
      const inv = store.invoice(orgs[provider].companyId, s.subjectId);
      const note = notes.find((n) => n.sourceKey === reminderNoteKey(s.id, s.subjectId))!;
      expect(note.text.length).toBeLessThanOrEqual(250);
      expect(note.text).toMatch(/^Arcus: reminder \d+ sent \d{4}-\d{2}-\d{2} to [^ ]+@… .*· https:\/\/arcus\.test\/reminders\/sends\//);
      if (provider === 'xero') expect(inv.history.filter((h) => h.details === note.text)).toHaveLength(1);
      else expect(inv.privateNote.split('\n').filter((l) => l === note.text)).toHaveLength(1);
    }
    for (const [provider, o] of Object.entries(orgs)) {
      const arcusNotes = store.list('invoices', o.companyId).flatMap((i) => (provider === 'xero' ? i.history.map((h) => h.details) : i.privateNote.split('\n')).filter((d) => d.startsWith('Arcus:')));
      expect(arcusNotes).toHaveLength(sent.filter((s) => s.organisationId === o.organisationId).length);
    }
    console.log(
      `30-day simulation: ${driver.stats.ticks} runs, ${capture.messages.length} emails (${actual.filter((a) => a.provider === 'xero').length} Xero/London, ${actual.filter((a) => a.provider === 'quickbooks').length} QuickBooks/New York), ${notes.length} ledger notes, skips recorded: ${(await fx.db.select().from(reminderSends).where(and(inArray(reminderSends.organisationId, orgIds), eq(reminderSends.status, 'skipped')))).length}`,
    );
  }, 600_000);
});
