/**
 * Issue #19, payments that come back through Stripe, end to end on the sandbox ledgers: signed
 * events with Stripe's recorded shapes (charge.dispute.created / .updated / .closed, charge.failed)
 * verified by the Stripe provider exactly as the webhook does, then recorded: the debtor's payment
 * (booked through our checkout) reversed once; a chargeback's evidence deadline a task for the
 * customer's collector; won records the payment again (a new write-back, once), lost leaves it
 * reversed; a failed bank debit adds the returned-payment fee; the debtor told once each; an event
 * whose payment is not in the ledger yet answers "later".
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { signStripePayload, stripeProvider } from '../../integrations/payments/stripe';
import { todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { checkouts, collectorTasks, payLinks, customerAssignments, invoices, organisations, returnedPayments, writebacks } from '../../server/db/schema';
import { ensurePayLink } from '../../server/pay/links';
import { stripeReturnOf } from '../../server/returns/core';
import { updateReturnedFeePolicy } from '../../server/returns/policy';
import { listReturns, recordStripeReturn, type ReturnsDeps } from '../../server/returns/service';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { requestWriteback } from '../../server/writebacks/request';
import { openInvoice } from '../ledger-writes/helpers';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain } from '../writebacks/harness';

const SECRET = 'whsec_test_returns';
let fx: SyncFixture;
let capture: Capture;
let userId: string;
let orgs: Awaited<ReturnType<typeof connectAndSync>>['orgs'];
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());
const stripe = () => stripeProvider({ secretKey: 'sk_test_51Arcus', webhookSecret: SECRET, apiBase: 'https://api.stripe.test', now: () => fx.now() });

async function sync(organisationId: string): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

const deps = (queue: string[]): ReturnsDeps => ({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now, mail: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false } });

/** A Stripe event as Stripe sends it, signed, through the provider's verification: what the webhook hands on. */
function deliver(type: string, object: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify({ id: `evt_${Math.abs(fx.now() % 1e9)}${type.length}`, object: 'event', api_version: '2024-06-20', created: Math.floor(fx.now() / 1000), livemode: false, pending_webhooks: 1, type, data: { object } }));
  const t = Math.floor(fx.now() / 1000);
  const event = stripe().parseWebhook(body, { 'stripe-signature': `t=${t},v1=${signStripePayload(body, SECRET, t)}` });
  const ret = stripeReturnOf(event.type, event.object);
  if (!ret) throw new Error(`not a return: ${type}`);
  return ret;
}

/** Recorded shape of a dispute (https://docs.stripe.com/api/disputes/object). */
const dispute = (id: string, pi: string, status: string, dueBy: number | null) => ({
  id,
  object: 'dispute',
  amount: 20_000,
  balance_transactions: [],
  charge: `ch_${pi.slice(3)}`,
  created: 1_796_000_000,
  currency: 'gbp',
  evidence: { customer_name: null, product_description: null, uncategorized_text: null },
  evidence_details: { due_by: dueBy, has_evidence: false, past_due: false, submission_count: 0 },
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  payment_intent: pi,
  reason: 'product_not_received',
  status,
});

/** Recorded shape of a failed charge (a SEPA / ACH debit that bounced). */
const failedCharge = (pi: string) => ({
  id: `py_${pi.slice(3)}`,
  object: 'charge',
  amount: 20_000,
  currency: 'gbp',
  captured: true,
  failure_code: 'insufficient_funds',
  failure_message: 'The account has insufficient funds to cover this payment.',
  paid: false,
  payment_intent: pi,
  payment_method_details: { type: 'sepa_debit', sepa_debit: { last4: '3000' } },
  status: 'failed',
});

/** A 200.00 invoice paid through our Stripe checkout: the checkout completed and its payment write-back written to the ledger. */
async function paidByCard(provider: Provider, pi: string, email: string, write = true) {
  const { organisationId, companyId } = orgs.get(provider)!;
  const inv = openInvoice(store(), companyId);
  store().updateContact(companyId, inv.contactId, { email });
  await sync(organisationId);
  const [i] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, inv.id)));
  await ensurePayLink(fx.db, { firmId: fx.firmId, organisationId, invoiceId: i!.id }, { linkKey: Buffer.alloc(32, 7), appUrl: 'http://arcus.test' });
  const [link] = await fx.db.select({ id: payLinks.id }).from(payLinks).where(and(eq(payLinks.organisationId, organisationId), eq(payLinks.invoiceId, i!.id)));
  const [c] = await fx.db
    .insert(checkouts)
    .values({ firmId: fx.firmId, organisationId, payLinkId: link!.id, provider: 'stripe', providerSessionId: `cs_${pi}`, providerPaymentId: pi, amount: '200.00', currency: i!.currency, status: 'completed', completedAt: now() })
    .returning();
  const queue: string[] = [];
  await requestWriteback(
    { db: fx.db, enqueueExecute: async (id) => void queue.push(id), now },
    { firmId: fx.firmId, organisationId, kind: 'payment', purpose: 'payment', sourceKey: `payment:${c!.id}:${inv.id}`, invoiceId: i!.id, invoiceExternalId: inv.id, amount: '200.00', currency: i!.currency, request: { invoiceExternalId: inv.id, amount: '200.00', date: todayIn(orgs.get(provider)!.timezone, now()), reference: `Card ${pi}`, checkoutId: c!.id }, requestedBy: 'debtor', summary: 'Paid online' },
  );
  if (write) await drain(fx, queue);
  return { organisationId, companyId, inv, invoiceId: i!.id, contactExternalId: i!.contactExternalId };
}

const ledgerPayments = (companyId: string, invoiceId: string) => store().list('payments', companyId).filter((p) => p.status !== 'DELETED' && p.allocations.some((a) => a.invoiceId === invoiceId));

describeWith('pg', 'Stripe returns and chargebacks on the sandbox ledgers', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 23, companies: [{ provider: 'xero', customers: 4, invoices: 12 }, { provider: 'quickbooks', customers: 4, invoices: 12 }] });
    capture = await startCapture({ now });
    const synced = await connectAndSync(fx, { name: 'Casey Collector', email: 'casey@firm.example' });
    userId = synced.userId;
    orgs = synced.orgs;
    const countries = (await fx.db.select({ c: organisations.countryCode }).from(organisations).where(eq(organisations.firmId, fx.firmId))).map((r) => r.c ?? 'GB');
    await updateReturnedFeePolicy(fx.db, fx.firmId, { enabled: true, amount: '15', countries });
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  describe.each(['xero', 'quickbooks'] as const)('%s', (provider) => {
    it('chargeback opened → evidence due (a task for the collector) → under review → won: reversed once, then the payment recorded again once', async () => {
      const pi = `pi_${provider}won001`;
      const email = `card.${provider}@customer.example`;
      const { organisationId, companyId, inv, invoiceId, contactExternalId } = await paidByCard(provider, pi, email);
      await fx.db.insert(customerAssignments).values({ firmId: fx.firmId, organisationId, contactExternalId, userId }).onConflictDoNothing();
      expect(ledgerPayments(companyId, inv.id)).toHaveLength(1);
      const dueBy = Math.floor(fx.now() / 1000) + 10 * 86_400;

      const queue: string[] = [];
      const opened = deliver('charge.dispute.created', dispute(`dp_${provider}won`, pi, 'needs_response', dueBy));
      expect(await recordStripeReturn(deps(queue), opened)).toBe('recorded');
      // Delivered again (Stripe retries): nothing more.
      expect(await recordStripeReturn(deps(queue), opened)).toBe('unchanged');
      expect(queue).toHaveLength(1);
      await drain(fx, queue);
      expect(ledgerPayments(companyId, inv.id)).toHaveLength(0);

      const [row] = await fx.db.select().from(returnedPayments).where(eq(returnedPayments.disputeId, `dp_${provider}won`));
      expect(row).toMatchObject({ origin: 'chargeback', disputeStatus: 'evidence_due', feeWritebackId: null });
      const [task] = await fx.db.select().from(collectorTasks).where(eq(collectorTasks.id, row!.taskId!));
      expect(task).toMatchObject({ assignedUserId: userId, status: 'open', kind: 'review', dueOn: todayIn(orgs.get(provider)!.timezone, new Date(dueBy * 1000)) });
      expect(task!.title).toMatch(/^Send evidence for the chargeback on .+ by \d{1,2} [A-Z][a-z]+ \d{4}$/);
      const view = (await listReturns(fx.db, fx.firmId, organisationId)).find((r) => r.id === row!.id);
      expect(view).toMatchObject({ originText: 'Chargeback', disputeText: 'Evidence due', statusText: 'Reversed in the ledger' });
      expect(view!.evidenceDueText).toMatch(/^Send evidence by \d{1,2} [A-Z][a-z]+ \d{4}$/);

      expect(await recordStripeReturn(deps(queue), deliver('charge.dispute.updated', dispute(`dp_${provider}won`, pi, 'under_review', dueBy)))).toBe('updated');
      const won = deliver('charge.dispute.closed', dispute(`dp_${provider}won`, pi, 'won', dueBy));
      expect(await recordStripeReturn(deps(queue), won)).toBe('updated');
      expect(await recordStripeReturn(deps(queue), won)).toBe('unchanged');
      // A late "under review" after the decision changes nothing.
      expect(await recordStripeReturn(deps(queue), deliver('charge.dispute.updated', dispute(`dp_${provider}won`, pi, 'under_review', dueBy)))).toBe('unchanged');
      expect(queue).toHaveLength(1);
      await drain(fx, queue);

      const restored = ledgerPayments(companyId, inv.id);
      expect(restored).toHaveLength(1);
      expect(restored[0]!.amount).toBe(20_000);
      const [after] = await fx.db.select().from(returnedPayments).where(eq(returnedPayments.id, row!.id));
      expect(after!.disputeStatus).toBe('won');
      const [w] = await fx.db.select().from(writebacks).where(eq(writebacks.id, after!.restoreWritebackId!));
      expect(w).toMatchObject({ kind: 'payment', status: 'confirmed', sourceKey: `returned:${row!.id}:restore` });
      const [doneTask] = await fx.db.select().from(collectorTasks).where(eq(collectorTasks.id, row!.taskId!));
      expect(doneTask).toMatchObject({ status: 'done', outcome: 'Chargeback won.' });
      expect(capture.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
      expect(capture.messages.find((m) => m.to.includes(email))!.text).toMatch(/was disputed with your card issuer and has been taken back/);

      await sync(organisationId);
      const [i] = await fx.db.select().from(invoices).where(eq(invoices.id, invoiceId));
      expect(toMinor(i!.amountDue)).toBe(0);
    });

    it('chargeback lost: the payment stays reversed and the invoice open after sync', async () => {
      const pi = `pi_${provider}lost01`;
      const { organisationId, companyId, inv, invoiceId } = await paidByCard(provider, pi, `lost.${provider}@customer.example`);
      const queue: string[] = [];
      expect(await recordStripeReturn(deps(queue), deliver('charge.dispute.created', dispute(`dp_${provider}lost`, pi, 'needs_response', Math.floor(fx.now() / 1000) + 86_400 * 7)))).toBe('recorded');
      expect(await recordStripeReturn(deps(queue), deliver('charge.dispute.closed', dispute(`dp_${provider}lost`, pi, 'lost', null)))).toBe('updated');
      await drain(fx, queue);
      expect(ledgerPayments(companyId, inv.id)).toHaveLength(0);
      const [row] = await fx.db.select().from(returnedPayments).where(eq(returnedPayments.disputeId, `dp_${provider}lost`));
      expect(row).toMatchObject({ disputeStatus: 'lost', restoreWritebackId: null });
      await sync(organisationId);
      const [i] = await fx.db.select().from(invoices).where(eq(invoices.id, invoiceId));
      expect(toMinor(i!.amountDue)).toBe(20_000);
    });

    it('a bank debit that failed after success: reversed with the returned-payment fee; before the payment is written it answers later', async () => {
      const pi = `pi_${provider}fail01`;
      const { companyId, inv } = await paidByCard(provider, pi, `fail.${provider}@customer.example`, false);
      const queue: string[] = [];
      const failed = deliver('charge.failed', failedCharge(pi));
      expect(await recordStripeReturn(deps(queue), failed)).toBe('not_ready');
      // The payment write-back runs; Stripe's next delivery is recorded.
      const pending = await fx.db.select({ id: writebacks.id }).from(writebacks).where(and(eq(writebacks.kind, 'payment'), sql`${writebacks.sourceKey} LIKE 'payment:%'`, eq(writebacks.invoiceExternalId, inv.id)));
      await drain(fx, pending.map((p) => p.id));
      expect(ledgerPayments(companyId, inv.id)).toHaveLength(1);
      expect(await recordStripeReturn(deps(queue), failed)).toBe('recorded');
      expect(await recordStripeReturn(deps(queue), failed)).toBe('unchanged');
      expect(queue).toHaveLength(2);
      await drain(fx, queue);
      expect(ledgerPayments(companyId, inv.id)).toHaveLength(0);
      const [row] = await fx.db.select().from(returnedPayments).where(eq(returnedPayments.providerChargeId, `py_${provider}fail01`));
      expect(row!.reason).toBe('The bank debit failed: The account has insufficient funds to cover this payment.');
      const [fee] = await fx.db.select().from(writebacks).where(eq(writebacks.id, row!.feeWritebackId!));
      expect(fee).toMatchObject({ kind: 'late_fee', status: 'confirmed', amount: '15.0000' });
    });
  });

  it('an event for a payment Stripe never booked with us is not ours; a bad signature is refused', async () => {
    expect(await recordStripeReturn(deps([]), deliver('charge.failed', failedCharge('pi_unknown0001')))).toBe('not_ours');
    const body = Buffer.from(JSON.stringify({ id: 'evt_x', type: 'charge.failed', data: { object: failedCharge('pi_x') } }));
    const t = Math.floor(fx.now() / 1000);
    expect(() => stripe().parseWebhook(body, { 'stripe-signature': `t=${t},v1=${signStripePayload(body, 'whsec_wrong', t)}` })).toThrow('no signature matches the payload');
  });
});
