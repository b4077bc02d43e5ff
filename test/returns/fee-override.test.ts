/**
 * Decision 056: an organisation's own returned-payment (NSF) fee — no fee, or its own amount,
 * percentage and cap — overriding the firm's, set where the organisation's collections settings
 * are (Settings › Client defaults, `PUT /api/settings/organisations/:id` group `returnedPaymentFee`):
 * managers and administrators only, validated with every problem in words, shown in words; and
 * the returned-payment flow charging the organisation's fee (or none) against the sandbox ledgers,
 * while another organisation keeps the firm's.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { todayIn } from '../../kernel/dates';
import { type Arcus, startArcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { memberships, organisations, payments, users, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { effectiveReturnedFeePolicy, updateReturnedFeePolicy } from '../../server/returns/policy';
import { markReturned, type ReturnsDeps } from '../../server/returns/service';
import { clearOverride, setOverride } from '../../server/settings/store';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { openInvoice } from '../ledger-writes/helpers';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain } from '../writebacks/harness';

const NOW = new Date('2026-11-23T12:00:00Z');
const ENUMS = /\b(returnedPaymentFee|enabled|percent)\b/;

describeWith('pg', 'An organisation’s own returned-payment fee over HTTP (decision 056)', () => {
  let database: Database;
  let arcus: Arcus;
  let orgId = '';
  const as: Record<'admin' | 'manager' | 'collector' | 'viewer', ReturnType<typeof signedIn>> = {} as never;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({ env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('fee-override'), ARCUS_DEMO: 'off', ARCUS_NOW: NOW.toISOString() }, database, log: createLogger('silent') });
    const a = await createFirm(database, 'admin');
    const [o] = await database.db.insert(organisations).values({ firmId: a.firm.id, provider: 'quickbooks', externalId: `realm-${randomUUID()}`, name: 'Cedar Dental LLC', baseCurrency: 'USD', timezone: 'America/New_York', countryCode: 'US' }).returning();
    orgId = o!.id;
    await updateReturnedFeePolicy(database.db, a.firm.id, { enabled: true, amount: '30', cap: null, countries: ['US'] });
    as.admin = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: a.user.id, firmId: a.firm.id }));
    for (const role of ['manager', 'collector', 'viewer'] as const) {
      const s = randomUUID().slice(0, 8);
      const [u] = await database.db.insert(users).values({ email: `${role}-${s}@firm.example`, name: `${role} ${s}`, authProvider: 'test', authSubject: `${role}-${s}` }).returning();
      await database.db.insert(memberships).values({ firmId: a.firm.id, userId: u!.id, role });
      as[role] = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId: a.firm.id }));
    }
  }, 120_000);
  afterAll(async () => arcus?.close());

  const feeOf = (body: { groups: { title: string }[] }) => body.groups.find((g) => g.title === 'Returned-payment fee') as unknown as { overridden: boolean; words: string; defaultWords: string; value: unknown };

  it('shows the firm’s fee in words; a manager sets “no fee” for the client; collectors and viewers may not', async () => {
    const before = await as.viewer(`/api/settings/organisations/${orgId}`);
    expect(before.status).toBe(200);
    expect(feeOf(before.body)).toMatchObject({ overridden: false, words: 'A fee of 30.00 when a payment comes back, where the firm’s countries allow it' });
    const body = { group: 'returnedPaymentFee', value: { enabled: false } };
    for (const who of [as.viewer, as.collector]) expect((await who(`/api/settings/organisations/${orgId}`, { method: 'PUT', body })).status).toBe(403);
    const r = await as.manager(`/api/settings/organisations/${orgId}`, { method: 'PUT', body });
    expect(r.status).toBe(200);
    expect(feeOf(r.body)).toMatchObject({ overridden: true, words: 'No fee: nothing is charged when a payment comes back', defaultWords: 'A fee of 30.00 when a payment comes back, where the firm’s countries allow it' });
  });

  it('its own amount and cap; bad values are refused in words, every problem at once', async () => {
    const bad = await as.admin(`/api/settings/organisations/${orgId}`, { method: 'PUT', body: { group: 'returnedPaymentFee', value: { enabled: true, amount: 'ten', percent: '150', cap: '-1' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['amount', 'cap', 'percent']);
    expect(bad.body.error.message).toContain('Enter a percentage of 100 or less.');
    expect(bad.body.error.message).not.toMatch(ENUMS);
    const nothing = await as.admin(`/api/settings/organisations/${orgId}`, { method: 'PUT', body: { group: 'returnedPaymentFee', value: { enabled: true, amount: '0', percent: '0' } } });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.message).toBe('Enter a fee amount or a percentage of the payment, or choose no fee.');
    const ok = await as.admin(`/api/settings/organisations/${orgId}`, { method: 'PUT', body: { group: 'returnedPaymentFee', value: { enabled: true, amount: '12.50', percent: '2', cap: '15' } } });
    expect(ok.status).toBe(200);
    expect(feeOf(ok.body).words).toBe('A fee of 12.50 plus 2% of the payment, at most 15.00 when a payment comes back, where the firm’s countries allow it');
    // The firm's countries, posting and account still apply; the fee part is the client's.
    const [o] = await database.db.select({ firmId: organisations.firmId }).from(organisations).where(eq(organisations.id, orgId));
    expect(await effectiveReturnedFeePolicy(database.db, o!.firmId, orgId)).toMatchObject({ enabled: true, amount: '12.50', percent: '2', cap: '15', countries: ['US'], post: 'invoice' });
  });
});

describeWith('pg', 'The returned-payment flow charges the organisation’s own fee (decision 056), both ledgers', () => {
  let fx: SyncFixture;
  let userId: string;
  let orgs: Awaited<ReturnType<typeof connectAndSync>>['orgs'];
  const store = () => fx.server.sandbox.ctx.store;
  const now = () => new Date(fx.now());
  const deps = (queue: string[]): ReturnsDeps => ({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now, mail: null });

  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5612, companies: [{ provider: 'xero', customers: 3, invoices: 8 }, { provider: 'quickbooks', customers: 3, invoices: 8 }] });
    const synced = await connectAndSync(fx, { name: 'Ola Manager', email: 'ola@firm.example' });
    userId = synced.userId;
    orgs = synced.orgs;
    const countries = (await fx.db.select({ c: organisations.countryCode }).from(organisations).where(eq(organisations.firmId, fx.firmId))).map((r) => r.c ?? 'GB');
    await updateReturnedFeePolicy(fx.db, fx.firmId, { enabled: true, amount: '25', cap: '20', countries });
  }, 120_000);
  afterAll(async () => fx?.close());

  /** A 200.00 invoice paid in full, synced, marked returned with the fee asked for; the fee write-back's amount, or null. */
  async function returnedFee(provider: Provider): Promise<string | null> {
    const { organisationId, companyId, timezone } = orgs.get(provider)!;
    const inv = openInvoice(store(), companyId);
    const pay = store().createPayment(companyId, { date: todayIn(timezone, now()), allocations: [{ invoiceId: inv.id, amount: 20_000 }], reference: 'Cheque' });
    fx.advance(61_000);
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
    expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
    const [p] = await fx.db.select().from(payments).where(and(eq(payments.organisationId, organisationId), eq(payments.externalId, pay.id)));
    const queue: string[] = [];
    const r = await markReturned(deps(queue), { firmId: fx.firmId, userId }, { organisationId, paymentId: p!.id, reason: 'Insufficient funds', chargeFee: true });
    await drain(fx, queue);
    expect(store().payment(companyId, pay.id).status).toBe('DELETED');
    const [fee] = await fx.db.select().from(writebacks).where(and(eq(writebacks.organisationId, organisationId), eq(writebacks.sourceKey, `returned:${r.view.id}:fee`)));
    if (!fee) return null;
    expect(fee.status).toBe('confirmed');
    const feeInvoices = store().list('invoices', companyId).filter((x) => x.lines.some((l) => l.description.startsWith('Returned payment fee') && l.description.endsWith(` for ${inv.number}`)));
    expect(feeInvoices).toHaveLength(1);
    return fee.amount;
  }

  describe.each(['xero', 'quickbooks'] as const)('%s', (provider) => {
    it('“no fee” for this client: reversed, no fee; its own 7.50: charged 7.50; reset: the firm’s 25 capped at 20', async () => {
      const { organisationId } = orgs.get(provider)!;
      const other = orgs.get(provider === 'xero' ? 'quickbooks' : 'xero')!.organisationId;
      await setOverride(fx.db, { firmId: fx.firmId, userId }, organisationId, 'returnedPaymentFee', { enabled: false }, now());
      expect(await returnedFee(provider)).toBeNull();
      expect((await effectiveReturnedFeePolicy(fx.db, fx.firmId, other)).enabled).toBe(true);
      await setOverride(fx.db, { firmId: fx.firmId, userId }, organisationId, 'returnedPaymentFee', { enabled: true, amount: '7.50' }, now());
      expect(Number(await returnedFee(provider))).toBe(7.5);
      await clearOverride(fx.db, fx.firmId, organisationId, 'returnedPaymentFee');
      expect(Number(await returnedFee(provider))).toBe(20);
    });
  });
});
