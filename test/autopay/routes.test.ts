/**
 * Decision 056 over HTTP: the firm's retry schedule (`GET/PUT /api/autopay/retry-schedule`) and a
 * collector's pause / resume of a customer's autopay (`POST /api/customers/:id/autopay/pause|resume`)
 * — who may, the answers in words, bad input refused with every problem in words.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Arcus, startArcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { autopayMandates, contacts, memberships, organisations, users } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';

const NOW = new Date('2026-11-23T12:00:00Z');

describeWith('pg', 'Autopay retry schedule and pause / resume over HTTP (decision 056)', () => {
  let database: Database;
  let arcus: Arcus;
  let contactId = '';
  let mandateId = '';
  const as: Record<'admin' | 'collector' | 'viewer', ReturnType<typeof signedIn>> = {} as never;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({ env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('autopay-routes'), ARCUS_DEMO: 'off', ARCUS_NOW: NOW.toISOString() }, database, log: createLogger('silent') });
    const a = await createFirm(database, 'admin');
    const firmId = a.firm.id;
    const [o] = await database.db.insert(organisations).values({ firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: 'Elm Dental Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB' }).returning();
    const [c] = await database.db.insert(contacts).values({ firmId, organisationId: o!.id, externalId: 'c-elm', name: 'Patient Co', emails: [] }).returning();
    contactId = c!.id;
    const [m] = await database.db.insert(autopayMandates).values({ firmId, organisationId: o!.id, contactExternalId: 'c-elm', scope: 'invoices', status: 'active', startsOn: '2026-11-01' }).returning();
    mandateId = m!.id;
    as.admin = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: a.user.id, firmId }));
    for (const role of ['collector', 'viewer'] as const) {
      const s = randomUUID().slice(0, 8);
      const [u] = await database.db.insert(users).values({ email: `${role}-${s}@firm.example`, name: `${role} ${s}`, authProvider: 'test', authSubject: `${role}-${s}` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
      as[role] = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId }));
    }
  }, 120_000);
  afterAll(async () => arcus?.close());

  it('the retry schedule: everyone on the staff reads it in words; only an administrator changes it; bad schedules are refused in words', async () => {
    const read = await as.viewer('/api/autopay/retry-schedule');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ retryDays: [1, 3, 7], words: 'Declined card payments are tried again 1, 3 and 7 days after the first failure, then autopay pauses.' });
    for (const who of [as.viewer, as.collector]) expect((await who('/api/autopay/retry-schedule', { method: 'PUT', body: { retryDays: [2, 4] } })).status).toBe(403);
    for (const [retryDays, words] of [
      [[1, 2, 3, 4, 5, 6], 'At most 5 retries.'],
      [[2, 40], 'A retry is at most 30 days after the first failure.'],
      [[1.5], 'Enter each retry as a whole number of days.'],
      [[4, 2], 'Each retry must come later than the one before.'],
    ] as const) {
      const bad = await as.admin('/api/autopay/retry-schedule', { method: 'PUT', body: { retryDays } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain(words);
      expect(bad.body.error.message).not.toMatch(/retryDays/);
    }
    const ok = await as.admin('/api/autopay/retry-schedule', { method: 'PUT', body: { retryDays: [2, 4] } });
    expect(ok.status).toBe(200);
    expect(ok.body.words).toBe('Declined card payments are tried again 2 and 4 days after the first failure, then autopay pauses.');
  });

  it('a collector pauses and resumes a customer’s autopay; a viewer may not; the answers are in words', async () => {
    expect((await as.viewer(`/api/customers/${contactId}/autopay/pause`, { method: 'POST', body: { mandateId } })).status).toBe(403);
    const paused = await as.collector(`/api/customers/${contactId}/autopay/pause`, { method: 'POST', body: { mandateId } });
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ paused: true, message: 'Autopay is paused for this customer: no card payment is taken, and failed payments are not retried, until it is turned back on.' });
    expect((await database.db.select().from(autopayMandates).where(eq(autopayMandates.id, mandateId)))[0]).toMatchObject({ status: 'paused', pausedReason: 'Paused by a collector.' });
    expect((await as.collector(`/api/customers/${contactId}/autopay/pause`, { method: 'POST', body: { mandateId } })).body.paused).toBe(false);
    const resumed = await as.collector(`/api/customers/${contactId}/autopay/resume`, { method: 'POST', body: { mandateId } });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ resumed: true, message: 'Autopay is back on.' });
    expect((await database.db.select().from(autopayMandates).where(eq(autopayMandates.id, mandateId)))[0]!.status).toBe('active');
    const noMandate = await as.collector(`/api/customers/${contactId}/autopay/resume`, { method: 'POST', body: {} });
    expect(noMandate.status).toBe(400);
    expect(noMandate.body.error.message).toBe('Reload the page and try again.');
  });
});
