/**
 * Thirty simulated days of reminders on sandbox data, with a real SMTP server (in-process
 * smtp-server) and this worker's PostgreSQL: a Xero organisation in London and a QuickBooks
 * company in New York, synced from the sandbox ledger, the default policy (−3, 0, +7, +14, +30
 * then every 14 days, one consolidated email per customer), a 09:00–17:00 Monday–Friday window,
 * runs every 15 minutes on a fake clock (the sandbox's, advanced — nothing sleeps). An
 * independent oracle computed from the synced invoices says which customer gets an email on
 * which local day, listing which invoices at which step; the captured mailbox must match it
 * exactly: count, recipients, content, local time window. The flood rules are asserted on the
 * mailbox itself (issue #15): no customer gets more than one email a day, one email per customer
 * per run, and no invoice reaches an escalation step before the step before it went out. Mid-run a
 * customer pays an invoice in the ledger and the next sync stops its sequence; an unsubscribed
 * customer gets nothing; every invoice an email listed is noted once in the sandbox ledger (Xero
 * history, QuickBooks PrivateNote).
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

/** One email: to a customer on a local day, at the step of its most advanced invoice, listing invoices. */
interface Expected {
  provider: 'xero' | 'quickbooks';
  customer: string;
  offset: number;
  day: CalendarDate;
  invoices: string[];
  recipients: string[];
}

/**
 * The rules, written out plainly. Each day the window opens (first tick at or after 09:00 local on
 * Mon–Fri), each customer gets at most one email. An invoice's next step is due when its day has
 * come and — for an escalation (an overdue step after the first) — the step before it went out at
 * least the gap between the two steps ago; among the notices and the first overdue step only the
 * latest due is sent. A customer with a step due gets one email listing those invoices and every
 * other overdue open invoice of theirs, at its most advanced step.
 */
function oracle(list: OracleInvoice[], start: number): Expected[] {
  const out: Expected[] = [];
  const state = new Map<OracleInvoice, { last: number; on: CalendarDate | null }>(list.map((i) => [i, { last: -1, on: null }]));
  const firstOverdue = OFFSETS.findIndex((o) => o > 0);
  for (const provider of ['xero', 'quickbooks'] as const) {
    const tz = ZONES[provider];
    const customers = [...new Set(list.filter((i) => i.provider === provider && i.recipients.length > 0).map((i) => i.contactExternalId))];
    let lastDay: CalendarDate | null = null;
    for (let t = start; t < start + DAYS * 86_400_000; t += MIN15) {
      const l = local(tz, new Date(t));
      if (l.weekday > 5 || l.minute < 9 * 60 || l.minute >= 17 * 60 || l.date === lastDay) continue;
      lastDay = l.date;
      for (const c of customers) {
        const open = list.filter((i) => i.provider === provider && i.contactExternalId === c && (i.closedAt === null || t < i.closedAt));
        const triggers: { inv: OracleInvoice; idx: number }[] = [];
        for (const inv of open) {
          const s = state.get(inv)!;
          let idx = -1;
          for (let k = s.last + 1; k < OFFSETS.length; k++) {
            if (addDays(inv.dueDate, OFFSETS[k]!) > l.date) break;
            if (OFFSETS[k]! > 0 && k !== firstOverdue && (k !== s.last + 1 || (s.on !== null && addDays(s.on, OFFSETS[k]! - OFFSETS[s.last]!) > l.date))) break;
            idx = k;
          }
          if (idx >= 0) triggers.push({ inv, idx });
        }
        if (triggers.length === 0) continue;
        for (const tr of triggers) state.set(tr.inv, { last: tr.idx, on: l.date });
        const listed = open.filter((i) => triggers.some((tr) => tr.inv === i) || i.dueDate < l.date);
        out.push({
          provider,
          customer: c,
          offset: Math.max(...triggers.map((tr) => OFFSETS[tr.idx]!)),
          day: l.date,
          invoices: listed.map((i) => i.number).sort(),
          recipients: open[0]!.recipients.map(normaliseAddress).sort(),
        });
      }
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
      await fx.db.insert(reminderSettings).values({ organisationId: c.organisationId, firmId: fx.firmId, enabled: true, windowStartMinute: 540, windowEndMinute: 1020, businessDays: [1, 2, 3, 4, 5], dailyLimit: 500, signature: 'The accounts team', confirmedAt: new Date(fx.now()) });
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
    for (const e of free) byCustomer.set(`${e.provider}|${e.customer}`, (byCustomer.get(`${e.provider}|${e.customer}`) ?? 0) + 1);
    const [unsubKey] = [...byCustomer.entries()].filter(([k]) => k.startsWith('xero|')).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    const unsubContact = unsubKey.split('|')[1]!;
    const unsubAddresses = list.find((i) => i.provider === 'xero' && i.contactExternalId === unsubContact)!.recipients;
    for (const a of unsubAddresses) await fx.db.insert(reminderUnsubscribes).values({ firmId: fx.firmId, organisationId: orgs.xero.organisationId, contactExternalId: unsubContact, address: normaliseAddress(a), source: 'link' });
    for (const i of list) if (i.provider === 'xero' && i.contactExternalId === unsubContact) i.recipients = [];

    // A QuickBooks invoice listed in emails both before and after day 10 is paid in the ledger on day 10.
    const payAt = start + 10 * 86_400_000;
    const payDay = local(ZONES.quickbooks, new Date(payAt)).date;
    const candidates = oracle(list, start).filter((e) => e.provider === 'quickbooks');
    const paid = list.find((i) => i.provider === 'quickbooks' && candidates.some((e) => e.invoices.includes(i.number) && diffDays(e.day, payDay) > 0) && candidates.some((e) => e.invoices.includes(i.number) && diffDays(e.day, payDay) < 0));
    expect(paid, 'a QuickBooks invoice listed on both sides of day 10').toBeDefined();
    paid!.closedAt = payAt;
    const expected = oracle(list, start);

    let payDone = false;
    for (let t = start; t < start + DAYS * 86_400_000; t += MIN15) {
      if (fx.now() < t) fx.advance(t - fx.now());
      if (!payDone && fx.now() >= payAt) {
        const res = await fetch(`${fx.url}/admin/companies/${orgs.quickbooks.companyId}/pay`, { method: 'POST', headers: { authorization: `Bearer ${fx.server.sandbox.ctx.options.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ invoiceId: paid!.externalId }) });
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
    const actual: (Expected & { claimedAt: number })[] = [];
    for (const s of sent) {
      const provider = providerOf(s.organisationId);
      const msg = capture.messages.filter((m) => m.messageId === s.messageId.replace(/^<|>$/g, ''));
      expect(msg, `exactly one message for ${s.id}`).toHaveLength(1);
      const m = msg[0]!;
      const l = local(ZONES[provider], m.at);
      expect(l.weekday, `${m.subject} went on a business day`).toBeLessThanOrEqual(5);
      expect(l.minute).toBeGreaterThanOrEqual(9 * 60);
      expect(l.minute).toBeLessThan(17 * 60);
      // The default policy: one email per customer, listing its invoices.
      expect(s.subjectType).toBe('customer');
      const numbers = s.invoiceExternalIds.map((id) => numberOf.get(`${provider}|${id}`)!).sort();
      for (const n of numbers) expect(m.text).toContain(n);
      expect(m.headers.get('list'), 'List-Unsubscribe and List-Unsubscribe-Post').toMatchObject({ unsubscribe: { url: expect.stringMatching(/^https:\/\/arcus\.test\/u\//) }, 'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' } });
      actual.push({ provider, customer: s.contactExternalId, offset: s.stepOffset, day: l.date, invoices: numbers, recipients: m.to, claimedAt: s.claimedAt.getTime() });
    }
    const key = (e: Expected) => `${e.provider}|${e.customer}|${e.day}|${e.offset}|${e.invoices.join('+')}|${e.recipients.join(',')}`;
    expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
    expect(capture.messages).toHaveLength(expected.length);
    expect(new Set(capture.messages.map((m) => m.messageId)).size).toBe(capture.messages.length);
    expect(expected.length).toBeGreaterThan(10);
    // Consolidation was exercised: some emails list several invoices.
    expect(actual.some((a) => a.invoices.length > 1)).toBe(true);

    // No floods: no customer gets more than one email a day, and one email per customer per run.
    const perDay = new Map<string, number>();
    for (const a of actual) perDay.set(`${a.provider}|${a.customer}|${a.day}`, (perDay.get(`${a.provider}|${a.customer}|${a.day}`) ?? 0) + 1);
    expect([...perDay.values()].every((n) => n === 1)).toBe(true);
    const perRun = new Map<string, number>();
    for (const a of actual) perRun.set(`${a.provider}|${a.customer}|${a.claimedAt}`, (perRun.get(`${a.provider}|${a.customer}|${a.claimedAt}`) ?? 0) + 1);
    expect([...perRun.values()].every((n) => n === 1)).toBe(true);

    // No step N+1 before step N went out: each invoice's steps, in the order they went out,
    // escalate one step at a time, each no sooner than the gap after the one before.
    const sentIds = new Set(sent.map((x) => x.id));
    const sentOn = new Map(sent.map((x) => [x.id, local(ZONES[providerOf(x.organisationId)], x.sentAt!).date]));
    const steps = (await fx.db.select().from(reminderSends).where(and(inArray(reminderSends.organisationId, orgIds), eq(reminderSends.subjectType, 'invoice'))))
      .filter((r) => (r.status === 'grouped' && r.parentId && sentIds.has(r.parentId)) || r.status === 'sent')
      .map((r) => ({ invoice: `${r.organisationId}|${r.subjectId}`, offset: r.stepOffset, day: sentOn.get(r.parentId ?? r.id)! }));
    expect(steps.length).toBeGreaterThan(expected.length);
    const firstOverdue = OFFSETS.findIndex((o) => o > 0);
    const byInvoice = new Map<string, { offset: number; day: CalendarDate }[]>();
    for (const x of steps) byInvoice.set(x.invoice, [...(byInvoice.get(x.invoice) ?? []), x]);
    let escalations = 0;
    for (const [invoice, went] of byInvoice) {
      went.sort((a, b) => a.day.localeCompare(b.day));
      for (const [i, w] of went.entries()) {
        const k = OFFSETS.indexOf(w.offset);
        if (k <= firstOverdue) continue;
        escalations++;
        const before = went[i - 1];
        expect(before?.offset, `${invoice}: step ${w.offset} on ${w.day} right after step ${OFFSETS[k - 1]}`).toBe(OFFSETS[k - 1]);
        expect(diffDays(before!.day, w.day)).toBeGreaterThanOrEqual(w.offset - before!.offset);
      }
    }
    expect(escalations, 'the run reached escalation steps').toBeGreaterThan(0);

    // Sent at the first run of the day the window was open (or at the start of the simulation).
    for (const m of capture.messages) {
      const s = sent.find((x) => x.messageId === `<${m.messageId}>`)!;
      const l = local(ZONES[providerOf(s.organisationId)], m.at);
      if (m.at.getTime() - start > 86_400_000) expect(l.minute, `${m.subject} at ${l.minute}`).toBeLessThan(9 * 60 + 15);
    }

    // The payment stopped the sequence; the unsubscribed customer got nothing.
    const paidSends = actual.filter((e) => e.provider === 'quickbooks' && e.invoices.includes(paid!.number));
    expect(paidSends.length).toBeGreaterThan(0);
    expect(paidSends.every((e) => diffDays(e.day, payDay) > 0)).toBe(true);
    expect(capture.messages.filter((m) => m.to.some((a) => unsubAddresses.map(normaliseAddress).includes(a)))).toEqual([]);
    const unsubSkips = await fx.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, orgs.xero.organisationId), eq(reminderSends.contactExternalId, unsubContact), eq(reminderSends.skipReason, 'unsubscribed')));
    expect(unsubSkips.length).toBeGreaterThan(0);

    // Ledger notes: one `note` write-back per email per invoice it listed, confirmed; each invoice
    // gets one ledger note a day (one email a day), in each ledger once.
    const notes = (await fx.db.select().from(writebacks).where(and(inArray(writebacks.organisationId, orgIds), eq(writebacks.kind, 'note')))).map((w) => ({ ...w, text: w.noteText ?? '' }));
    expect(notes).toHaveLength(sent.reduce((n, x) => n + x.invoiceExternalIds.length, 0));
    expect(notes.every((n) => n.status === 'confirmed' && n.noteStatus === 'written' && n.purpose === 'reminder')).toBe(true);
    const store = fx.server.sandbox.ctx.store;
    for (const s of sent) {
      const provider = providerOf(s.organisationId);
      for (const invoiceExternalId of s.invoiceExternalIds) {
        const inv = store.invoice(orgs[provider].companyId, invoiceExternalId);
        const note = notes.find((n) => n.sourceKey === reminderNoteKey(s.id, invoiceExternalId))!;
        expect(note.text.length).toBeLessThanOrEqual(250);
        expect(note.text).toMatch(/^Arcus: .*sent \d{4}-\d{2}-\d{2} to [^ ]+@… .*· https:\/\/arcus\.test\/reminders\/sends\//);
        if (provider === 'xero') expect(inv.history.filter((h) => h.details === note.text)).toHaveLength(1);
        else expect(inv.privateNote.split('\n').filter((l) => l === note.text)).toHaveLength(1);
      }
    }
    for (const [provider, o] of Object.entries(orgs)) {
      const arcusNotes = store.list('invoices', o.companyId).flatMap((i) => (provider === 'xero' ? i.history.map((h) => h.details) : i.privateNote.split('\n')).filter((d) => d.startsWith('Arcus:')));
      expect(arcusNotes).toHaveLength(notes.filter((n) => n.organisationId === o.organisationId).length);
    }
    console.log(
      `30-day simulation: ${driver.stats.ticks} runs, ${capture.messages.length} emails (${actual.filter((a) => a.provider === 'xero').length} Xero/London, ${actual.filter((a) => a.provider === 'quickbooks').length} QuickBooks/New York), ${notes.length} ledger notes, skips recorded: ${(await fx.db.select().from(reminderSends).where(and(inArray(reminderSends.organisationId, orgIds), eq(reminderSends.status, 'skipped')))).length}`,
    );
  }, 600_000);
});
