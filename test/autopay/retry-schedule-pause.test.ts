/**
 * Decision 056 on the sandbox provider and the sandbox Xero ledger: the firm's declined-card retry
 * schedule (a setting: 1 to 5 increasing days within 30, refused in words otherwise) drives the
 * retries; a paused mandate — paused by the debtor or a collector — is not charged or retried; turned
 * back on, the waiting retry runs that day and later ones keep the schedule's spacing; a first
 * failure more than 30 days behind gives up cleanly instead.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import type { DomainError } from '../../kernel/errors';
import { completeCardSetup, setAutopay, startCardSetup } from '../../server/autopay/cards';
import { runAutopay } from '../../server/autopay/charge';
import { pauseMandate, resumeMandate } from '../../server/autopay/pause';
import { getRetryDays, setRetrySchedule } from '../../server/autopay/settings';
import { activities, autopayMandates, chargeAttempts, organisations } from '../../server/db/schema';
import { sandboxProvider, sandboxSaveCard } from '../../server/pay/sandbox-provider';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, type SyncedOrgs } from '../writebacks/harness';
import { APP_URL, autopayDeps, customerWithInvoice, DAY, viewFor } from './helpers';

let fx: SyncFixture;
let capture: Capture;
let orgs: SyncedOrgs['orgs'];
let userId: string;
let timezone: string;
const provider = () => sandboxProvider({ db: fx.db, appUrl: () => APP_URL });
const now = () => new Date(fx.now());
const today = () => todayIn(timezone, now());

/** A customer with a 200.00 invoice due tomorrow, a card that declines (0341), autopay on for invoices. */
async function decliningCustomer(name: string) {
  const org = orgs.get('xero')!;
  const c = await customerWithInvoice(fx, org, name, `${name.toLowerCase().replace(/\W+/g, '.')}@customer.example`, 1);
  const { view, token } = await viewFor(fx, org.organisationId, c.contactExternalId);
  const started = await startCardSetup({ db: fx.db, provider: provider(), appUrl: APP_URL }, view, token);
  expect(await sandboxSaveCard(fx.db, started.url.split('/').pop()!, '0341', { month: 12, year: 2029 })).not.toBeNull();
  expect((await completeCardSetup({ db: fx.db, provider: provider(), now }, { id: started.setupId })).outcome).toBe('saved');
  expect(await setAutopay({ db: fx.db, provider: provider(), now }, view, { scope: 'invoices', on: true })).toEqual({ on: true });
  const [m] = await fx.db.select().from(autopayMandates).where(and(eq(autopayMandates.organisationId, org.organisationId), eq(autopayMandates.contactExternalId, c.contactExternalId)));
  return { ...c, view, mandateId: m!.id, scope: { firmId: fx.firmId, organisationId: org.organisationId, contactExternalId: c.contactExternalId, timezone } };
}

const attemptsOf = async (invoiceId: string) => (await fx.db.select().from(chargeAttempts).where(eq(chargeAttempts.invoiceId, invoiceId)).orderBy(chargeAttempts.attemptNo)).map((a) => [a.attemptNo, a.status, a.scheduledOn]);
const run = () => runAutopay(autopayDeps(fx, capture, provider(), []), orgs.get('xero')!.organisationId);

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a refusal');
}

describeWith('pg', 'Declined-card retries: the firm’s schedule and paused mandates (decision 056)', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5613, companies: [{ provider: 'xero', customers: 2, invoices: 4 }, { provider: 'quickbooks', customers: 2, invoices: 4 }] });
    capture = await startCapture({ now });
    const synced = await connectAndSync(fx, { name: 'Pat Collector', email: 'pat@firm.example' });
    orgs = synced.orgs;
    userId = synced.userId;
    [{ timezone }] = (await fx.db.select({ timezone: organisations.timezone }).from(organisations).where(eq(organisations.id, orgs.get('xero')!.organisationId))) as [{ timezone: string }];
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  describe('the firm’s retry schedule', () => {
    it('defaults to 1, 3 and 7 days; a schedule out of bounds is refused in words', async () => {
      expect(await getRetryDays(fx.db, fx.firmId)).toEqual([1, 3, 7]);
      expect((await refusal(setRetrySchedule(fx.db, fx.firmId, { retryDays: [3, 2] }))).message).toContain('Each retry must come later than the one before.');
      expect((await refusal(setRetrySchedule(fx.db, fx.firmId, { retryDays: [1, 2, 3, 4, 5, 6] }))).message).toContain('At most 5 retries.');
      expect((await refusal(setRetrySchedule(fx.db, fx.firmId, { retryDays: [10, 31] }))).message).toContain('A retry is at most 30 days after the first failure.');
      expect((await refusal(setRetrySchedule(fx.db, fx.firmId, { retryDays: [] }))).message).toContain('Keep at least one retry.');
      expect(await getRetryDays(fx.db, fx.firmId)).toEqual([1, 3, 7]);
    });

    it('2 and 5 days: the retries run on those days after the first failure, then autopay pauses', async () => {
      expect(await setRetrySchedule(fx.db, fx.firmId, { retryDays: [2, 5] })).toEqual({ retryDays: [2, 5], words: 'Declined card payments are tried again 2 and 5 days after the first failure, then autopay pauses.' });
      try {
        const c = await decliningCustomer('Schedule Two Five Ltd');
        fx.advance(DAY);
        const first = today();
        await run();
        expect(await attemptsOf(c.invoiceId)).toEqual([
          [1, 'failed', expect.any(String)],
          [2, 'scheduled', addDays(first, 2)],
        ]);
        fx.advance(DAY);
        await run();
        expect((await attemptsOf(c.invoiceId)).map((a) => a[1])).toEqual(['failed', 'scheduled']);
        fx.advance(DAY);
        await run();
        expect((await attemptsOf(c.invoiceId))[2]).toEqual([3, 'scheduled', addDays(first, 5)]);
        fx.advance(3 * DAY);
        await run();
        expect((await attemptsOf(c.invoiceId)).map((a) => a[1])).toEqual(['failed', 'failed', 'failed']);
        const [m] = await fx.db.select().from(autopayMandates).where(eq(autopayMandates.id, c.mandateId));
        expect(m!.status).toBe('paused');
      } finally {
        await setRetrySchedule(fx.db, fx.firmId, { retryDays: [1, 3, 7] });
      }
    });
  });

  describe('a paused mandate', () => {
    it('paused by the debtor: no retry while paused; a collector turns it back on: the waiting retry runs that day, the next keeps its spacing', async () => {
      const c = await decliningCustomer('Paused Debtor Ltd');
      fx.advance(DAY);
      await run();
      const firstFailed = today();
      expect(await setAutopay({ db: fx.db, provider: provider(), now }, c.view, { scope: 'invoices', on: true, paused: true })).toEqual({ on: true, paused: true });
      const [paused] = await fx.db.select().from(autopayMandates).where(eq(autopayMandates.id, c.mandateId));
      expect(paused).toMatchObject({ status: 'paused', pausedReason: 'Paused by the customer.' });

      // Past the retry day (first failure + 1) and more: nothing is charged while paused.
      fx.advance(5 * DAY);
      await run();
      expect((await attemptsOf(c.invoiceId))[1]).toEqual([2, 'scheduled', addDays(firstFailed, 1)]);
      expect(capture.messages.filter((m) => m.to.includes('paused.debtor.ltd@customer.example'))).toHaveLength(1);

      const resumed = await resumeMandate(fx.db, c.scope, c.mandateId, { kind: 'collector', userId }, now());
      expect(resumed).toEqual({ resumed: true, moved: 1, kept: 0, gaveUp: 0 });
      const day = today();
      expect((await attemptsOf(c.invoiceId))[1]).toEqual([2, 'scheduled', day]);
      await run();
      // Retry 2 was due 3 days after the first failure, 2 after retry 1: it keeps those 2 days from today's retry.
      expect((await attemptsOf(c.invoiceId))[2]).toEqual([3, 'scheduled', addDays(day, 2)]);
      const [timeline] = await fx.db.select().from(activities).where(and(eq(activities.kind, 'autopay.resumed'), sql`${activities.details}->>'mandateId' = ${c.mandateId}`));
      expect(timeline!.summary).toBe('Autopay turned back on by a collector; the failed payment is tried again on its schedule (the next try today)');
    });

    it('paused by a collector for more than 30 days after the first failure: turned back on, the retry gives up cleanly and new invoices are charged again', async () => {
      const c = await decliningCustomer('Long Pause Ltd');
      fx.advance(DAY);
      await run();
      expect(await pauseMandate(fx.db, c.scope, c.mandateId, { kind: 'collector', userId }, now())).toBe(true);
      expect(await pauseMandate(fx.db, c.scope, c.mandateId, { kind: 'collector', userId }, now())).toBe(false);
      fx.advance(31 * DAY);
      await run();
      expect((await attemptsOf(c.invoiceId)).map((a) => a[1])).toEqual(['failed', 'scheduled']);
      expect(await resumeMandate(fx.db, c.scope, c.mandateId, { kind: 'collector', userId }, now())).toEqual({ resumed: true, moved: 0, kept: 0, gaveUp: 1 });
      expect((await attemptsOf(c.invoiceId)).map((a) => a[1])).toEqual(['failed', 'abandoned']);
      const [m] = await fx.db.select().from(autopayMandates).where(eq(autopayMandates.id, c.mandateId));
      expect(m).toMatchObject({ status: 'active', failingSince: null, pausedReason: null });
      await run();
      expect((await attemptsOf(c.invoiceId)).map((a) => a[1])).toEqual(['failed', 'abandoned']);
      const [timeline] = await fx.db.select().from(activities).where(and(eq(activities.kind, 'autopay.resumed'), sql`${activities.details}->>'mandateId' = ${c.mandateId}`));
      expect(timeline!.summary).toBe('Autopay turned back on by a collector; a failed payment is no longer retried: the first failure was more than 30 days ago, so it is left to reminders and the pay link');
      expect(await resumeMandate(fx.db, c.scope, c.mandateId, { kind: 'collector', userId }, now())).toMatchObject({ resumed: false });
    });
  });
});
