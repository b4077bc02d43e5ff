/**
 * Decision 056: a QuickBooks refund check credits the company's own Accounts Receivable account,
 * read from its chart of accounts through the ledger gateway and cached with the organisation —
 * never the sample company's `84`. The sandbox company here has two A/R accounts, neither 84, and
 * the sandbox refuses a check whose line is not one of them or not the payment's, so a return of
 * the hard-coded id fails these tests.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import { refundCheckOf } from '../../integrations/sandbox/qbo/refund-checks';
import { organisations, payments, writebacks } from '../../server/db/schema';
import { decideException } from '../../server/exceptions/service';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { executeWriteback } from '../../server/writebacks/execute';
import { retryWriteback } from '../../server/writebacks/manage';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from './harness';

let fx: SyncFixture;
let qbo: { organisationId: string; companyId: string };
let userId: string;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());
const ACCOUNTS = [
  { id: '1150', name: 'Accounts Receivable (A/R)' },
  { id: '1162', name: 'A/R - Retail' },
];

/** A payment on account of `amount`, optionally posted to an A/R account, synced; its exception key. */
async function onAccount(amount: number, arAccountId?: string) {
  const company = store().company(qbo.companyId);
  const contact = store().list('contacts', qbo.companyId).find((c) => c.status === 'ACTIVE' && c.currency === company.baseCurrency)!;
  const p = store().createPayment(qbo.companyId, { contactId: contact.id, date: addDays(todayIn(company.timezone, now()), -30), allocations: [], amount, reference: `On account ${amount}`, arAccountId });
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId: qbo.organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
  const [row] = await fx.db.select().from(payments).where(and(eq(payments.organisationId, qbo.organisationId), eq(payments.externalId, p.id)));
  return { paymentId: p.id, key: `unapplied:${row!.id}` };
}

async function refund(key: string, queue: string[]) {
  return decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId: qbo.organisationId, key, action: 'refund', reason: 'Account closed' }, now());
}

const cached = async () => (await fx.db.select({ a: organisations.ledgerAccounts }).from(organisations).where(eq(organisations.id, qbo.organisationId)))[0]!.a as { receivable?: { id: string }[] } | null;

describeWith('pg', 'QuickBooks refund checks credit the company’s own Accounts Receivable account (decision 056)', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5611, companies: [{ provider: 'xero', customers: 2, invoices: 4 }, { provider: 'quickbooks', customers: 3, invoices: 6, receivableAccounts: ACCOUNTS }] });
    const synced = await connectAndSync(fx, { name: 'Ravi Collector', email: 'ravi@firm.example' });
    userId = synced.userId;
    qbo = synced.orgs.get('quickbooks')!;
  }, 120_000);
  afterAll(async () => fx?.close());

  it('a payment with no A/R account of its own: the check credits the company’s default (1150, not 84); the chart is read once and cached', async () => {
    expect(await cached()).toBeNull();
    const { key, paymentId } = await onAccount(4_000);
    const queue: string[] = [];
    const r = await refund(key, queue);
    await drain(fx, queue);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed' });
    expect(refundCheckOf(store(), wb!.externalId!)).toMatchObject({ arAccountId: '1150', total: 4_000 });
    expect(store().payment(qbo.companyId, paymentId).refundChecks).toEqual([{ checkId: wb!.externalId, amount: 4_000 }]);
    expect((await cached())?.receivable?.map((a) => a.id)).toEqual(['1150', '1162']);
  });

  it('a payment posted to the second A/R account: the check credits that one', async () => {
    const { key, paymentId } = await onAccount(2_500, '1162');
    const queue: string[] = [];
    const r = await refund(key, queue);
    await drain(fx, queue);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ status: 'confirmed' });
    expect(refundCheckOf(store(), wb!.externalId!)).toMatchObject({ arAccountId: '1162' });
    expect(store().payment(qbo.companyId, paymentId).refundChecks).toHaveLength(1);
  });

  it('the chart changed since it was cached: the ledger refuses, the cache is dropped, the retry reads the chart again and succeeds', async () => {
    const company = store().company(qbo.companyId);
    const before = company.receivableAccounts;
    company.receivableAccounts = [{ id: '1201', name: 'Trade debtors' }];
    try {
      const { key, paymentId } = await onAccount(1_000);
      const queue: string[] = [];
      const r = await refund(key, queue);
      expect(await executeWriteback(engine(fx, queue), queue.shift()!)).toMatchObject({ outcome: 'failed' });
      expect(await cached()).not.toHaveProperty('receivable');
      await retryWriteback({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, fx.firmId, r.writebackId!);
      await drain(fx, queue);
      const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
      expect(wb).toMatchObject({ status: 'confirmed' });
      expect(refundCheckOf(store(), wb!.externalId!)).toMatchObject({ arAccountId: '1201' });
      expect(store().payment(qbo.companyId, paymentId).refundChecks).toHaveLength(1);
      expect((await cached())?.receivable?.map((a) => a.id)).toEqual(['1201']);
    } finally {
      company.receivableAccounts = before;
    }
  });
});
