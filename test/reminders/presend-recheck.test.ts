/**
 * Don't chase what is already paid (issue #16): just before a run claims its reminders, their
 * invoices are read again from the ledger through the organisation's gateway (Xero
 * `GET Invoices?IDs=…`, QuickBooks `SELECT * FROM Invoice WHERE Id IN (…)`), against the sandbox
 * over HTTP. An invoice paid (or part-paid) in the ledger after the last sync is skipped with the
 * ledger's reason and the others go out; a statement drops it and goes with the rest; a sync is
 * requested. With the firm's setting off the old behaviour holds (no ledger call, the paid
 * invoice is chased). A ledger answering 503 defers the run: nothing claimed, nothing sent.
 *
 * The sandbox clock is pinned (Monday 2026-11-23 10:00 UTC) and every organisation sends all day,
 * every day, so nothing depends on today's date or the hour.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clockFrom } from '../../kernel/clock';
import type { Provider } from '../../integrations/ledger/types';
import { reminderRunJob } from '../../jobs/reminders/jobs';
import { RetryLaterError } from '../../jobs/define';
import { invoices, organisations, reminderSends, reminderSettings, syncRuns } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import type { QueuePort } from '../../server/queue';
import { createPolicy } from '../../server/reminders/config-store';
import { DEFAULT_STEPS } from '../../server/reminders/policy';
import { updateReminderFirmSettings } from '../../server/reminders/firm-settings';
import { loadOrganisation, loadSettings } from '../../server/reminders/load';
import { listOutbox } from '../../server/reminders/outbox';
import { planRun, runOrganisation } from '../../server/reminders/run';
import { runSync } from '../../server/sync/engine';
import { requestSync } from '../../server/sync/request';
import { createOrReuseRun } from '../../server/sync/runs';
import { testServices } from '../support/process';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { type Capture, Driver, startCapture } from './harness';

const PINNED = Date.parse('2026-11-23T10:00:00Z');

let fx: SyncFixture;
let capture: Capture;
let driver: Driver;
/** What the runs asked the queue for (the follow-up syncs). */
const requested: { name: string; payload: unknown }[] = [];
const queue: QueuePort = {
  kind: 'inline',
  request: async (name, payload) => {
    requested.push({ name, payload });
    return 'queued';
  },
};

interface Org {
  organisationId: string;
  companyId: string;
  provider: Provider;
}
const orgs = new Map<string, Org>();

async function admin<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${fx.url}/admin${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${fx.server.sandbox.ctx.options.adminToken}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`sandbox admin ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What a run of this organisation would claim now (the planner, no side effects). */
async function planned(o: Org) {
  const org = (await loadOrganisation(fx.db, o.organisationId))!;
  return (await planRun(fx.db, org, await loadSettings(fx.db, o.organisationId), new Date(fx.now()))).take;
}

async function sendsOf(organisationId: string) {
  return fx.db.select().from(reminderSends).where(eq(reminderSends.organisationId, organisationId));
}

async function amountDue(organisationId: string, externalId: string): Promise<string> {
  const [r] = await fx.db
    .select({ due: invoices.amountDue })
    .from(invoices)
    .where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, externalId)));
  return r!.due;
}

describeWith('pg', 'Reminders: invoices are re-read from the ledger just before sending', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({
      seed: 11,
      clockBase: () => PINNED,
      companies: [
        { provider: 'xero', name: 'Recheck Joinery Ltd', timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: 6, invoices: 90 },
        { provider: 'quickbooks', name: 'Recheck Dental LLC', timezone: 'America/New_York', countryCode: 'US', baseCurrency: 'USD', customers: 12, invoices: 150 },
        { provider: 'xero', name: 'Unchecked Bakery Ltd', timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: 3, invoices: 12 },
        { provider: 'xero', name: 'Outage Plumbing Ltd', timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: 3, invoices: 12 },
      ],
    });
    const names = ['paid-xero', 'statements-qbo', 'off', 'outage'];
    for (const [i, name] of names.entries()) {
      const companyId = fx.companyIds[i]!;
      const provider: Provider = i === 1 ? 'quickbooks' : 'xero';
      const c = await fx.connect(provider, companyId);
      await fx.db.update(organisations).set({ timezone: 'Europe/London' }).where(eq(organisations.id, c.organisationId));
      const { runId } = await createOrReuseRun(fx.db, { organisationId: c.organisationId, kind: 'full' });
      expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
      // Every day, all day: what is planned does not depend on the hour.
      await fx.db.insert(reminderSettings).values({ organisationId: c.organisationId, firmId: fx.firmId, enabled: true, windowStartMinute: 0, windowEndMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7], dailyLimit: 500, customerDailyLimit: 10, confirmedAt: new Date('2026-01-01T00:00:00Z') });
      // The QuickBooks organisation keeps the default (one statement per customer); the others send one email per invoice.
      if (provider === 'xero') {
        await createPolicy(fx.db, fx.firmId, { name: 'Per invoice', scope: 'organisation', organisationId: c.organisationId, segment: null, contactExternalId: null, grouping: 'invoice', steps: DEFAULT_STEPS as never, enabled: true }, new Date(fx.now()));
      }
      orgs.set(name, { organisationId: c.organisationId, companyId, provider });
    }
    // Past the sync's minute at the rate limiter.
    fx.advance(61_000);
    const now = () => new Date(fx.now());
    capture = await startCapture({ now });
    driver = new Driver({
      db: fx.db,
      log: createLogger('silent'),
      env: {
        mailer: capture.mailer,
        mailFrom: 'Arcus <reminders@arcus.test>',
        appUrl: 'https://arcus.test',
        secret: 'recheck-test-secret-recheck-test-secret',
        embedded: false,
        now,
        ledger: { gateway: fx.gateway, requestSync: (organisationId, kind) => requestSync(queue, fx.db, { organisationId, kind }) },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  it('Xero: invoices paid and part-paid after the last sync are skipped with the reason, the others go out, and a sync is requested', async () => {
    const o = orgs.get('paid-xero')!;
    const take = await planned(o);
    expect(take.every((s) => s.subjectType === 'invoice')).toBe(true);
    expect(take.length).toBeGreaterThanOrEqual(3);
    const [paid, partPaid] = take;
    await admin(`/companies/${o.companyId}/pay`, { method: 'POST', body: { invoiceId: paid!.subjectId } });
    const half = (Math.floor(Number(await amountDue(o.organisationId, partPaid!.subjectId)) * 50) / 100).toFixed(2);
    await admin(`/companies/${o.companyId}/pay`, { method: 'POST', body: { invoiceId: partPaid!.subjectId, amount: half } });
    const messagesBefore = capture.messages.length;
    const syncsBefore = requested.length;

    const r = await runOrganisation(driver.deps(), o.organisationId);
    await driver.drain();

    expect(r.reason).toBe('done');
    // One batch read for all of the run's invoices (≤ 100 a call).
    expect(r.ledger).toEqual({ calls: 1, checked: take.length, changed: 2, syncRequested: true });
    expect(r.claimed).toHaveLength(take.length - 2);
    const rows = await sendsOf(o.organisationId);
    const row = (s: { subjectId: string; stepKey: string }) => rows.find((x) => x.subjectType === 'invoice' && x.subjectId === s.subjectId && x.stepKey === s.stepKey)!;
    expect(row(paid!)).toMatchObject({ status: 'skipped', skipReason: 'paid_since_sync' });
    expect(row(partPaid!)).toMatchObject({ status: 'skipped', skipReason: 'part_paid_since_sync' });
    // The others went out, and none of them is about the changed invoices.
    const sent = rows.filter((x) => x.status === 'sent');
    expect(sent).toHaveLength(take.length - 2);
    expect(sent.flatMap((x) => x.invoiceExternalIds)).not.toContain(paid!.subjectId);
    expect(sent.flatMap((x) => x.invoiceExternalIds)).not.toContain(partPaid!.subjectId);
    expect(capture.messages.length - messagesBefore).toBe(take.length - 2);
    // Where skipped sends are shown, in words naming the ledger.
    const outbox = await listOutbox(fx.db, { firmId: fx.firmId, organisationId: o.organisationId, filter: 'skipped', limit: 100, offset: 0 });
    expect(outbox.items.map((i) => i.skipText)).toEqual(expect.arrayContaining(['Paid in Xero since the last sync', 'Part-paid in Xero since the last sync']));
    // A follow-up incremental sync was asked for, as a queued run and its job.
    const asked = requested.slice(syncsBefore);
    expect(asked).toEqual([{ name: 'sync.organisation', payload: expect.objectContaining({ organisationId: o.organisationId, kind: 'incremental' }) }]);
    const runId = (asked[0]!.payload as { runId: string }).runId;
    const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
    expect(run).toMatchObject({ organisationId: o.organisationId, kind: 'incremental', status: 'queued' });

    // Once that sync has run, Arcus agrees with Xero and the next run has nothing more to skip for it.
    expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
    fx.advance(61_000);
    expect(Number(await amountDue(o.organisationId, paid!.subjectId))).toBe(0);
    const again = await runOrganisation(driver.deps(), o.organisationId);
    await driver.drain();
    expect(again.ledger.changed).toBe(0);
    expect((await sendsOf(o.organisationId)).filter((x) => x.subjectId === paid!.subjectId && x.status !== 'skipped')).toEqual([]);
  }, 120_000);

  it('QuickBooks: a statement drops the invoice paid since the last sync and goes with the rest; one whose invoices were all paid is not sent', async () => {
    const o = orgs.get('statements-qbo')!;
    const take = await planned(o);
    const statements = take.filter((s) => s.subjectType === 'customer');
    const withRest = statements.find((s) => s.triggers.length >= 2);
    expect(withRest, 'a statement triggered by two invoices or more').toBeDefined();
    const allPaid = statements.find((s) => s !== withRest);
    expect(allPaid, 'a second statement').toBeDefined();
    const paidOne = withRest!.triggers[0]!.invoiceExternalId;
    const toPay = [paidOne, ...allPaid!.triggers.map((t) => t.invoiceExternalId)];
    for (const invoiceId of toPay) await admin(`/companies/${o.companyId}/pay`, { method: 'POST', body: { invoiceId } });
    const messagesBefore = capture.messages.length;

    const r = await runOrganisation(driver.deps(), o.organisationId);
    await driver.drain();

    expect(r.reason).toBe('done');
    expect(r.ledger.calls).toBe(1);
    expect(r.ledger.changed).toBe(toPay.length);
    expect(r.ledger.syncRequested).toBe(true);
    expect(r.claimed).toHaveLength(statements.length - 1 + take.filter((s) => s.subjectType === 'invoice').length);
    const rows = await sendsOf(o.organisationId);
    for (const id of toPay) {
      const skipped = rows.filter((x) => x.subjectType === 'invoice' && x.subjectId === id && x.skipReason !== 'superseded');
      expect(skipped.map((x) => [x.status, x.skipReason])).toEqual([['skipped', 'paid_since_sync']]);
    }
    const statementOf = (contact: string) => rows.find((x) => x.subjectType === 'customer' && x.subjectId === contact);
    // Sent without the paid invoice, listing the rest.
    const sent = statementOf(withRest!.contactExternalId)!;
    expect(sent.status).toBe('sent');
    expect(sent.invoiceExternalIds).not.toContain(paidOne);
    expect(sent.invoiceExternalIds).toEqual(expect.arrayContaining(withRest!.triggers.slice(1).map((t) => t.invoiceExternalId)));
    // Nothing left to chase: no statement for that customer today.
    expect(statementOf(allPaid!.contactExternalId)).toBeUndefined();
    expect(capture.messages.length - messagesBefore).toBe(r.claimed.length);
    const outbox = await listOutbox(fx.db, { firmId: fx.firmId, organisationId: o.organisationId, filter: 'skipped', limit: 100, offset: 0 });
    expect(outbox.items.map((i) => i.skipText)).toContain('Paid in QuickBooks since the last sync');
    expect(requested.some((q) => q.name === 'sync.organisation' && (q.payload as { organisationId: string }).organisationId === o.organisationId)).toBe(true);
  }, 120_000);

  it('with the firm’s setting off the old behaviour holds: no ledger call, and an invoice paid since the last sync is still chased', async () => {
    const o = orgs.get('off')!;
    await updateReminderFirmSettings(fx.db, fx.firmId, { recheckLedger: false });
    try {
      const take = await planned(o);
      expect(take.length).toBeGreaterThan(0);
      const paid = take[0]!;
      await admin(`/companies/${o.companyId}/pay`, { method: 'POST', body: { invoiceId: paid.subjectId } });
      const syncsBefore = requested.length;
      const r = await runOrganisation(driver.deps(), o.organisationId);
      await driver.drain();
      expect(r.ledger).toEqual({ calls: 0, checked: 0, changed: 0, syncRequested: false });
      expect(r.claimed).toHaveLength(take.length);
      const rows = await sendsOf(o.organisationId);
      expect(rows.filter((x) => x.subjectType === 'invoice' && x.subjectId === paid.subjectId && x.stepKey === paid.stepKey).map((x) => [x.status, x.skipReason])).toEqual([['sent', null]]);
      expect(requested.length).toBe(syncsBefore);
    } finally {
      await updateReminderFirmSettings(fx.db, fx.firmId, { recheckLedger: true });
    }
  }, 120_000);

  it('a ledger answering 503 defers the run: nothing is claimed or sent, and the job comes back later saying why', async () => {
    const o = orgs.get('outage')!;
    const take = await planned(o);
    expect(take.length).toBeGreaterThan(0);
    await admin('/faults', { method: 'POST', body: { companyId: o.companyId, kind: '5xx', count: 10 } });
    try {
      const messagesBefore = capture.messages.length;
      const r = await runOrganisation(driver.deps(), o.organisationId);
      await driver.drain();
      expect(r.reason).toBe('ledger_unreachable');
      expect(r.ledger.calls).toBe(1);
      expect(r.deferred?.why).toMatch(/^Reminders wait: Xero did not answer/);
      expect(r.claimed).toEqual([]);
      expect(await sendsOf(o.organisationId)).toEqual([]);
      expect(capture.messages.length).toBe(messagesBefore);

      // Through the job, as a worker runs it: RetryLaterError (a deferral, not a failed attempt), with the reason.
      const services = testServices({ db: fx.db, factory: fx.factory, tokenKey: fx.tokenKey, limiter: fx.limiter, clock: clockFrom(fx.now), mailer: capture.mailer, queue: queue as never });
      const job = reminderRunJob.handler({ organisationId: o.organisationId }, { db: fx.db, log: createLogger('silent'), queue: queue as never, jobId: 'rrun-test', attempt: 1, services });
      await expect(job).rejects.toBeInstanceOf(RetryLaterError);
      await expect(job).rejects.toThrow(/Xero did not answer/);
      expect(await sendsOf(o.organisationId)).toEqual([]);
    } finally {
      await admin('/faults', { method: 'DELETE' });
    }
    // The ledger is back: the run goes ahead.
    fx.advance(61_000);
    const r = await runOrganisation(driver.deps(), o.organisationId);
    await driver.drain();
    expect(r.reason).toBe('done');
    expect(r.claimed).toHaveLength(take.length);
    const sent = (await sendsOf(o.organisationId)).filter((x) => x.status === 'sent');
    expect(sent.map((x) => x.subjectId).sort()).toEqual(take.map((s) => s.subjectId).sort());
  }, 120_000);
});
