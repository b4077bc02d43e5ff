/**
 * Issue #18's "Done when" ("the service's value"), end to end in one flow. One firm; a demo client
 * (a Xero company of the sandbox, synced over HTTP), a second demo client, and the firm's own
 * practice ledger (another sandbox Xero company). The app's clock and the sandbox's clock are the
 * same pinned instant, walked through a quarter (service starts 1 September 2026; Europe/London).
 *
 * What happens in the client's ledger after the start (written into the sandbox, then synced):
 *   S1 1,200.00 issued 3 Sep (due 17 Sep), salesperson "Ana Lopez"; reminder 10 Sep; paid 15 Sep
 *   S2   800.00 issued 20 Sep (due 20 Oct), no salesperson; paid 8 Oct (no touch within 14 days)
 *   S3 2,000.00 issued 5 Oct (due 19 Oct), "Ana Lopez"; reminder 20 Oct; 1,500.00 paid 22 Oct
 *   S4 3,000.00 issued 3 Nov (due 17 Nov); reminder 17 Nov; paid 20 Nov
 *   CN   500.00 credit note allocated to S3 on 10 Nov
 * Fee plan: 10% of cash through Arcus, floor 50.00, cap 400.00
 *   → September 120.00, October 150.00, November 300.00 (one invoice each in the practice ledger).
 * Commission: Ana 10% → October 150.00 (S3's 1,500.00); November the credit note reverses 500.00
 *   of S3's 1,500.00 commissioned cash → clawback 150.00 × 500 / 1,500 = −50.00.
 * Report figures (DSO against the frozen baseline, cash collected) are checked against an
 * independent computation from the raw rows (DESIGN's definitions), not the report code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ReceivedMail, startSmtpCapture } from '../../integrations/email/smtp-server';
import { smtpMailer } from '../../integrations/email/transport';
import type { Clock } from '../../kernel/clock';
import { type Arcus, startArcus } from '../../root/runtime';
import { type Db, queryRows } from '../../server/db/client';
import { activities, clientServices, contacts, invoices, memberships, membershipOrganisations, salespeople, users } from '../../server/db/schema';
import { FeePlanSchema } from '../../server/fees/core';
import { practiceCustomers, setFeePlan, setPracticeLedger } from '../../server/fees/plans';
import { approveStatement, computeStatements, listStatements } from '../../server/fees/statements';
import { createLogger } from '../../server/logger';
import { runReportTick } from '../../server/reports/send';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { pdfText } from '../reports/seed';
import { launchChromium, SCREENSHOTS, screenshot, signedInPage } from '../support/browser';
import { testServices } from '../support/process';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { drain } from '../writebacks/harness';

type Client = ReturnType<typeof signedIn>;

// ---------- the independent computation (DESIGN, "Metric definitions"), from the raw rows ----------

interface RawInvoice {
  externalId: string;
  issue: string;
  total: bigint;
  currency: string;
  settlements: { date: string; amount: bigint; cash: boolean }[];
}

const cents = (s: string): bigint => {
  const neg = s.startsWith('-');
  const [w, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(w!) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
};

async function rawLedger(db: Db, firmId: string, organisationId: string): Promise<RawInvoice[]> {
  const inv = await queryRows<{ external_id: string; issue_date: string; total: string; currency: string }>(
    db,
    sql`SELECT external_id, issue_date::text, total::text, currency FROM invoices WHERE firm_id = ${firmId} AND organisation_id = ${organisationId} AND status NOT IN ('draft', 'voided', 'deleted') AND total >= 0`,
  );
  const settle = await queryRows<{ invoice_external_id: string; date: string; amount: string; cash: boolean }>(
    db,
    sql`SELECT pa.invoice_external_id, pa.date::text, pa.amount::text, true AS cash FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
          WHERE pa.firm_id = ${firmId} AND pa.organisation_id = ${organisationId} AND p.status <> 'deleted'
        UNION ALL
        SELECT ca.invoice_external_id, ca.date::text, ca.amount::text, false FROM credit_note_allocations ca JOIN credit_notes c ON c.id = ca.credit_note_id
          WHERE ca.firm_id = ${firmId} AND ca.organisation_id = ${organisationId} AND c.status NOT IN ('draft', 'voided', 'deleted')
        UNION ALL
        SELECT xa.invoice_external_id, xa.date::text, xa.amount::text, false FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
          WHERE xa.firm_id = ${firmId} AND xa.organisation_id = ${organisationId} AND x.status NOT IN ('voided', 'deleted')`,
  );
  const by = new Map<string, RawInvoice>(inv.map((r) => [r.external_id, { externalId: r.external_id, issue: r.issue_date, total: cents(Number(r.total).toFixed(2)), currency: r.currency, settlements: [] }]));
  for (const s of settle) by.get(s.invoice_external_id)?.settlements.push({ date: s.date, amount: cents(Number(s.amount).toFixed(2)), cash: s.cash });
  return [...by.values()];
}

/** AR(t): the balances above zero of invoices issued on or before t, after settlements dated on or before t. */
function arAt(ledger: RawInvoice[], t: string): bigint {
  let ar = 0n;
  for (const i of ledger) {
    if (i.issue > t) continue;
    const bal = i.total - i.settlements.filter((s) => s.date <= t).reduce((a, s) => a + s.amount, 0n);
    if (bal > 0n) ar += bal;
  }
  return ar;
}

const dayNo = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** DSO = AR(to) / S × D, to hundredths (half-even), as text. */
function dso(ledger: RawInvoice[], from: string, to: string): string | null {
  const days = BigInt(dayNo(to) - dayNo(from) + 1);
  const s = ledger.filter((i) => i.issue >= from && i.issue <= to).reduce((a, i) => a + i.total, 0n);
  if (s === 0n) return null;
  const num = arAt(ledger, to) * days * 100n;
  let q = num / s;
  const r = num % s;
  if (r * 2n > s || (r * 2n === s && q % 2n === 1n)) q += 1n;
  return `${q / 100n}.${String(q % 100n).padStart(2, '0')}`;
}

const cashIn = (ledger: RawInvoice[], month: string): bigint =>
  ledger.flatMap((i) => i.settlements).filter((s) => s.cash && s.date.startsWith(month)).reduce((a, s) => a + s.amount, 0n);

const money = (c: bigint) => `${(c / 100n).toLocaleString('en-GB')}.${String(c % 100n).padStart(2, '0')}`;

// ---------- the flow ----------

describeWith('pg', 'the service’s value over a quarter (issue #18)', () => {
  let pinned = Date.parse('2026-09-01T09:00:00Z');
  const at = (iso: string) => {
    const t = Date.parse(iso);
    if (t < pinned) throw new Error(`the clock only moves forward: ${iso}`);
    pinned = t;
  };
  const clock: Clock = { now: () => new Date(pinned), ms: () => pinned };
  let fx: SyncFixture;
  let arcus: Arcus;
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  const received: ReceivedMail[] = [];
  let clientCompany: string;
  let practiceCompany: string;
  let clientOrg: string;
  let prospectOrg: string;
  let practiceOrg: string;
  let practiceCustomerId: string;
  let customer: string; // the sandbox contact (the client's debtor) all new invoices are for
  let contactEmail: string;
  let admin: Client;
  let adminUserId: string;
  let contactApi: Client;
  let adminWho: { cookie: string; csrf: string };
  let clientName: string;
  const sb: Record<string, string> = {}; // S1..S4 → sandbox invoice ids
  const queue: string[] = [];
  const tag = Math.random().toString(36).slice(2, 8);

  const store = () => fx.server.sandbox.ctx.store;
  const sync = async (organisationId: string) => {
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
    await runSync(fx.engineDeps(), { runId });
  };
  const mine = () => received.filter((m) => m.envelopeTo.includes(contactEmail));
  const baselineRow = async () => (await fx.db.select({ baseline: clientServices.baseline, frozenAt: clientServices.frozenAt }).from(clientServices).where(eq(clientServices.organisationId, clientOrg)))[0]!;
  const newInvoice = (key: string, issueDate: string, dueDate: string, amount: number, salesperson: string | null) => {
    const inv = store().createInvoice(clientCompany, {
      contactId: customer,
      issueDate,
      dueDate,
      number: `E2E-${key}-${tag}`,
      lineAmountTypes: 'NoTax',
      lines: [{ description: `Work ${key}`, quantity: '1', unitAmount: amount, tracking: salesperson ? [{ name: 'Salesperson', option: salesperson }] : [] }],
    });
    sb[key] = inv.id;
  };
  const pay = (key: string, date: string, amount: number) => store().createPayment(clientCompany, { date, allocations: [{ invoiceId: sb[key]!, amount }] });
  /** A reminder Arcus sent about a synced invoice (what the reminder run would record). */
  const reminder = async (key: string, iso: string) => {
    const [inv] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, clientOrg), eq(invoices.externalId, sb[key]!)));
    const [c] = await fx.db.select().from(contacts).where(and(eq(contacts.organisationId, clientOrg), eq(contacts.externalId, customer)));
    expect(inv, `invoice ${key} synced`).toBeDefined();
    await fx.db.insert(activities).values({ firmId: fx.firmId, organisationId: clientOrg, actorType: 'system', kind: 'reminder.sent', contactId: c!.id, invoiceId: inv!.id, summary: 'Reminder sent', details: { contactExternalId: customer }, createdAt: new Date(iso) });
  };

  beforeAll(async () => {
    fx = await startSyncFixture({
      companies: [
        { provider: 'xero', name: `Demo Client ${tag}`, customers: 6, invoices: 40, years: 1 },
        { provider: 'xero', name: `Second Demo ${tag}`, customers: 5, invoices: 30, years: 1 },
        { provider: 'xero', name: `Practice ${tag}`, customers: 4, invoices: 4, years: 1 },
      ],
      clockBase: () => pinned,
    });
    [clientCompany, , practiceCompany] = fx.companyIds as [string, string, string];
    const orgs: string[] = [];
    for (const companyId of fx.companyIds) {
      const c = await fx.connect('xero', companyId);
      await sync(c.organisationId);
      orgs.push(c.organisationId);
    }
    [clientOrg, prospectOrg, practiceOrg] = orgs as [string, string, string];
    clientName = store().company(clientCompany).name;
    customer = store().list('contacts', clientCompany).find((c) => !c.deletedAt)!.id;

    const [u] = await fx.db.insert(users).values({ email: `admin-${tag}@firm.example`, name: 'Avery Admin', authProvider: 'test', authSubject: `admin-${tag}` }).returning();
    await fx.db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role: 'admin' });
    const [cc] = await fx.db.insert(users).values({ email: `owner-${tag}@democlient.example`, name: 'Olive Owner', authProvider: 'test', authSubject: `cc-${tag}` }).returning();
    await fx.db.insert(memberships).values({ firmId: fx.firmId, userId: cc!.id, role: 'client_contact' });
    await fx.db.insert(membershipOrganisations).values({ firmId: fx.firmId, userId: cc!.id, organisationId: clientOrg });
    contactEmail = cc!.email;

    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: path.join('/tmp', `arcus-e2e-service-${tag}`), ARCUS_DEMO: 'off', ARCUS_DEMO_CONNECT: 'off', LEDGER_SANDBOX: 'off' },
      database: fx.database,
      clock,
      log: createLogger('silent'),
    });
    adminUserId = u!.id;
    adminWho = await writeSession(fx.database, arcus.config.sessionSecret, { userId: u!.id, firmId: fx.firmId });
    admin = signedIn(`${arcus.url}/api`, adminWho);
    contactApi = signedIn(`${arcus.url}/api`, await writeSession(fx.database, arcus.config.sessionSecret, { userId: cc!.id, firmId: fx.firmId }));
    smtp = await startSmtpCapture({ onMessage: async (m) => void received.push(m) });
  }, 180_000);

  afterAll(async () => {
    await smtp?.close();
    await arcus?.close();
    await fx?.close();
  });

  it('starts the service: the baseline is frozen from the ledger as of the start', async () => {
    const ledger = await rawLedger(fx.db, fx.firmId, clientOrg);
    expect(ledger.length).toBeGreaterThan(10);
    // The independent computation assumes one currency (the demo client has no foreign customers).
    expect(new Set(ledger.map((i) => i.currency))).toEqual(new Set(['GBP']));
    const res = await admin(`/organisations/${clientOrg}/service`, { method: 'PUT', body: { startDate: '2026-09-01' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { baseline } = await baselineRow();
    const b = baseline as { threeMonths: { from: string; to: string; dso: number | null; creditSales: number; arEnd: number } };
    expect([b.threeMonths.from, b.threeMonths.to]).toEqual(['2026-06-01', '2026-08-31']);
    expect(b.threeMonths.arEnd).toBe(Number(arAt(ledger, '2026-08-31')));
    expect(b.threeMonths.dso?.toFixed(2) ?? null).toBe(dso(ledger, '2026-06-01', '2026-08-31'));

    // Fees: the practice ledger and a share-of-collections plan.
    await setPracticeLedger(fx.db, { firmId: fx.firmId, organisationId: practiceOrg, userId: null, now: clock.now() });
    practiceCustomerId = (await practiceCustomers(fx.db, fx.firmId, practiceOrg))[0]!.id;
    const plan = FeePlanSchema.parse({ components: [{ type: 'share', percent: '10', floor: '50.00', cap: '400.00' }] });
    await setFeePlan(fx.db, { firmId: fx.firmId, organisationId: clientOrg, userId: null, input: { plan, ledgerContactId: practiceCustomerId }, now: clock.now() });

    // Commissions: the salesperson from the Xero tracking category "Salesperson".
    expect((await admin(`/organisations/${clientOrg}/commissions/settings`, { method: 'PUT', body: { source: 'tracking', trackingCategory: 'Salesperson', adpCompanyCode: 'DC1', adpEarningsCode: 'C' } })).status).toBe(200);
    const ana = await admin(`/organisations/${clientOrg}/commissions/people`, {
      method: 'POST',
      body: { name: 'Ana Lopez', email: `ana-${tag}@democlient.example`, ledgerName: 'Ana Lopez', payrollId: '100234', canSignIn: true, plan: { baseRate: '0.1' } },
    });
    expect(ana.status, JSON.stringify(ana.body)).toBe(201);
  });

  /** Ticks around the first business day; returns the one email for `month`. */
  async function reportTicks(month: string, before: string[], due: string, after: string): Promise<ReceivedMail> {
    const mailer = smtpMailer(smtp.url, { pool: false });
    const services = testServices({ db: fx.db, clock, mailer });
    const count = mine().length;
    for (const t of before) {
      at(t);
      await runReportTick(services);
    }
    expect(mine()).toHaveLength(count);
    at(due);
    await Promise.all([runReportTick(services), runReportTick(testServices({ db: fx.db, clock, mailer: smtpMailer(smtp.url, { pool: false }) }))]);
    await runReportTick(services);
    at(after);
    await runReportTick(services);
    await mailer.close();
    const got = mine().slice(count);
    expect(got, `one email for ${month}`).toHaveLength(1);
    return got[0]!;
  }

  async function checkReport(mail: ReceivedMail, month: string, monthName: string, window: [string, string]) {
    const m = mail.parsed;
    expect(m.subject).toBe(`${clientName}: credit control report for ${monthName}`);
    const ledger = await rawLedger(fx.db, fx.firmId, clientOrg);
    const text = m.text ?? '';
    const cash = /Cash collected: £([\d,]+\.\d\d)\./.exec(text);
    expect(cash, text).not.toBeNull();
    expect(cash![1]).toBe(money(cashIn(ledger, month)));
    const d = /: (\d+\.\d\d) days \(baseline (\d+\.\d\d) days\)\./.exec(text);
    expect(d, text).not.toBeNull();
    expect(d![1]).toBe(dso(ledger, window[0], window[1]));
    expect(d![2]).toBe(dso(ledger, '2026-06-01', '2026-08-31'));
    const pdf = m.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const drawn = await pdfText(pdf!.content);
    expect(drawn).toContain(clientName);
    expect(drawn).toContain(`${d![1]} days`);
    expect(drawn).toContain(`£${cash![1]}`);
    return { cash: cash![1], dso: d![1] };
  }

  const feeInvoices = () => store().list('invoices', practiceCompany).filter((i) => i.contactId === practiceCustomerId && (i.reference ?? '').startsWith('Credit control'));

  async function billFee(month: string, amount: number) {
    const first = await computeStatements(fx.db, { firmId: fx.firmId, month, now: clock.now() });
    expect(first.problems).toEqual([]);
    const approve = () => approveStatement({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, { firmId: fx.firmId, organisationId: clientOrg, month, userId: null, now: clock.now() });
    const [a, b] = await Promise.all([approve(), approve()]);
    expect([a.status, b.status]).toEqual(['approved', 'approved']);
    expect(a.amount).toBe(amount);
    await drain(fx, queue);
    // Again: nothing changes, nothing more is written.
    expect(await computeStatements(fx.db, { firmId: fx.firmId, month, now: clock.now() })).toMatchObject({ computed: 0 });
    await approve();
    expect(queue).toHaveLength(0);
    const [s] = await listStatements(fx.db, { firmId: fx.firmId, month, organisationId: clientOrg });
    expect(s).toMatchObject({ status: 'invoiced' });
  }

  async function csv(p: string): Promise<{ status: number; rows: string[] }> {
    const res = await fetch(`${arcus.url}/api${p}`, { headers: { cookie: adminWho.cookie, 'x-csrf-token': adminWho.csrf } });
    return { status: res.status, rows: (await res.text()).trim().split('\r\n') };
  }

  async function commissionMonth(month: string, total: string) {
    const res = await admin(`/organisations/${clientOrg}/commissions/compute`, { method: 'POST', body: { month } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ana = res.body.statements.find((s: { salespersonName: string }) => s.salespersonName === 'Ana Lopez');
    expect(ana.totals.total, JSON.stringify(ana.lines)).toBe(total);
    expect((await contactApi(`/client/commissions/${ana.id}/approve`, { method: 'POST' })).status).toBe(200);
    const gusto = await csv(`/organisations/${clientOrg}/commissions/export?month=${month}&format=gusto`);
    expect(gusto.status).toBe(200);
    expect(gusto.rows[0]).toBe('first_name,last_name,gusto_employee_id,commission');
    expect(gusto.rows.slice(1)).toEqual([`Ana,Lopez,100234,${total}`]);
    const adp = await csv(`/organisations/${clientOrg}/commissions/export?month=${month}&format=adp`);
    expect(adp.status).toBe(200);
    expect(adp.rows[0]).toBe('Co Code,Batch ID,File #,Earnings 3 Code,Earnings 3 Amount');
    expect(adp.rows.slice(1)).toEqual([`DC1,COMM${month.replace('-', '')},100234,C,${total}`]);
    return ana;
  }

  it('September: the report goes once on Thursday 1 October, with figures that match; the fee is billed once', async () => {
    const frozen = await baselineRow();
    at('2026-09-03T10:00:00Z');
    newInvoice('S1', '2026-09-03', '2026-09-17', 120_000, 'Ana Lopez');
    await sync(clientOrg);
    at('2026-09-10T10:00:00Z');
    await reminder('S1', '2026-09-10T10:00:00Z');
    at('2026-09-15T10:00:00Z');
    pay('S1', '2026-09-15', 120_000);
    at('2026-09-20T10:00:00Z');
    newInvoice('S2', '2026-09-20', '2026-10-20', 80_000, null);
    await sync(clientOrg);
    // Later syncs and payments leave the frozen baseline as it was.
    expect(await baselineRow()).toEqual(frozen);

    const mail = await reportTicks('2026-09', ['2026-09-30T12:00:00Z', '2026-10-01T06:30:00Z'], '2026-10-01T08:00:00Z', '2026-10-02T09:00:00Z');
    await checkReport(mail, '2026-09', 'September 2026', ['2026-07-01', '2026-09-30']);
    await billFee('2026-09', 12_000);
    expect(feeInvoices().map((i) => [i.reference, i.total])).toEqual([['Credit control, September 2026', 12_000]]);
  });

  it('October: the report goes once on Monday 2 November (1 November is a Sunday); fee and commission', async () => {
    at('2026-10-05T10:00:00Z');
    newInvoice('S3', '2026-10-05', '2026-10-19', 200_000, 'Ana Lopez');
    at('2026-10-08T10:00:00Z');
    pay('S2', '2026-10-08', 80_000);
    await sync(clientOrg);
    at('2026-10-20T10:00:00Z');
    await reminder('S3', '2026-10-20T10:00:00Z');
    at('2026-10-22T10:00:00Z');
    pay('S3', '2026-10-22', 150_000);
    await sync(clientOrg);

    const mail = await reportTicks('2026-10', ['2026-11-01T10:00:00Z', '2026-11-02T07:30:00Z'], '2026-11-02T09:00:00Z', '2026-11-03T09:00:00Z');
    await checkReport(mail, '2026-10', 'October 2026', ['2026-08-01', '2026-10-31']);
    await billFee('2026-10', 15_000);
    expect(feeInvoices().map((i) => [i.reference, i.total])).toEqual([
      ['Credit control, September 2026', 12_000],
      ['Credit control, October 2026', 15_000],
    ]);
    const ana = await commissionMonth('2026-10', '150.00');
    expect(ana.lines.map((l: { invoiceNumber: string; payable: string }) => [l.invoiceNumber, l.payable])).toEqual([[`E2E-S3-${tag}`, '150.00']]);
  });

  it('November: a credit note on the commissioned invoice claws back exactly; the report and the fee once', async () => {
    at('2026-11-03T10:00:00Z');
    newInvoice('S4', '2026-11-03', '2026-11-17', 300_000, null);
    at('2026-11-10T10:00:00Z');
    const cn = store().createCreditNote(clientCompany, { contactId: customer, date: '2026-11-10', lineAmountTypes: 'NoTax', lines: [{ description: 'Goodwill', quantity: '1', unitAmount: 50_000 }] });
    store().allocateCredit(clientCompany, cn.id, sb.S3!, 50_000, '2026-11-10');
    await sync(clientOrg);
    at('2026-11-17T10:00:00Z');
    await reminder('S4', '2026-11-17T10:00:00Z');
    at('2026-11-20T10:00:00Z');
    pay('S4', '2026-11-20', 300_000);
    await sync(clientOrg);

    const mail = await reportTicks('2026-11', ['2026-12-01T07:00:00Z'], '2026-12-01T09:00:00Z', '2026-12-02T09:00:00Z');
    const fig = await checkReport(mail, '2026-11', 'November 2026', ['2026-09-01', '2026-11-30']);
    expect(fig.cash).toBe('3,000.00');
    await billFee('2026-11', 30_000);
    expect(feeInvoices().map((i) => [i.reference, i.total])).toEqual([
      ['Credit control, September 2026', 12_000],
      ['Credit control, October 2026', 15_000],
      ['Credit control, November 2026', 30_000],
    ]);
    const ana = await commissionMonth('2026-11', '-50.00');
    expect(ana.lines).toHaveLength(1);
    expect(ana.lines[0]).toMatchObject({ invoiceNumber: `E2E-S3-${tag}`, base: '-500.00', payable: '-50.00' });
    // Re-running the quarter's sends changes nothing: three emails in all, one per month.
    await runReportTick(testServices({ db: fx.db, clock, mailer: smtpMailer(smtp.url, { pool: false }) }));
    expect(mine().map((m) => m.parsed.subject)).toEqual(['September 2026', 'October 2026', 'November 2026'].map((n) => `${clientName}: credit control report for ${n}`));
    expect(await baselineRow()).toMatchObject({ baseline: expect.objectContaining({ startDate: '2026-09-01' }) });
    const [person] = await fx.db.select({ userId: salespeople.userId }).from(salespeople).where(eq(salespeople.email, `ana-${tag}@democlient.example`));
    expect(person?.userId).toBeTruthy();
  });

  it('Opportunities ranks the demo clients, and the pitch PDF downloads', async () => {
    const res = await admin('/opportunities');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rows = res.body.rows as { organisationId: string; name: string; rank: number; reasons: string[]; cashReleased: { text: string } | null }[];
    const ids = rows.map((r) => r.organisationId);
    for (const id of [clientOrg, prospectOrg]) expect(ids).toContain(id);
    // The firm's own practice ledger is not a client to pitch to.
    expect(ids).not.toContain(practiceOrg);
    // Ranked (decision 037): flagged clients first, then by the cash a benchmark DSO would release, then by name.
    const amount = (r: (typeof rows)[number]) => (r.cashReleased ? Number(r.cashReleased.text.replace(/[^\d.-]/g, '')) : -1);
    const expected = [...rows].sort((a, b) => Number(b.reasons.length > 0) - Number(a.reasons.length > 0) || amount(b) - amount(a) || a.name.localeCompare(b.name));
    expect(rows.map((r) => r.name)).toEqual(expected.map((r) => r.name));
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    const pdf = await fetch(`${arcus.url}/api/organisations/${clientOrg}/pitch/pdf`, { headers: { cookie: adminWho.cookie } });
    expect(pdf.status).toBe(200);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain(clientName);
    const row = rows.find((r) => r.organisationId === clientOrg)!;
    if (row.cashReleased) expect(text).toContain(row.cashReleased.text);
    const tool = ['/usr/bin/pdftoppm', '/usr/local/bin/pdftoppm'].find((p) => existsSync(p));
    if (tool) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, 'service-value-pitch.pdf');
      writeFileSync(file, bytes);
      execFileSync(tool, ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(SCREENSHOTS, 'service-value-pitch-page1')]);
      expect(existsSync(path.join(SCREENSHOTS, 'service-value-pitch-page1.png'))).toBe(true);
    }
  });

  it.runIf(existsSync('/usr/bin/chromium'))('the Opportunities page in Chromium shows the same ranking and downloads the pitch PDF', async () => {
    const api = (await admin('/opportunities')).body.rows as { name: string }[];
    const browser = await launchChromium();
    try {
      const page = await signedInPage(browser, arcus, fx.database, { userId: adminUserId, firmId: fx.firmId }, { downloads: true, timeoutMs: 30_000 });
      await page.goto(`${arcus.url}/opportunities`);
      await page.getByRole('heading', { name: 'Opportunities', level: 2 }).waitFor();
      await page.getByRole('table', { name: 'Quartiles' }).waitFor();
      const ranked = (await page.getByRole('heading', { level: 3 }).allInnerTexts()).filter((h) => /^\d+\. /.test(h));
      expect(ranked).toEqual(api.map((r, i) => `${i + 1}. ${r.name}`));
      await screenshot(page, 'service-value-opportunities');
      const card = page.getByRole('region', { name: clientName });
      const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: 'Pitch PDF' }).click()]);
      expect(download.suggestedFilename()).toBe(`${clientName.replace(/[^A-Za-z0-9]+/g, '-')}-proposal.pdf`);
      const bytes = readFileSync((await download.path())!);
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = await pdfText(bytes);
      expect(text).toContain(clientName);
      expect(text).toContain('Your numbers against similar clients');
      await page.context().close();
    } finally {
      await browser.close();
    }
  }, 120_000);
});
