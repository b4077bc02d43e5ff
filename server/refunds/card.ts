/**
 * Refunds to the card (issue #19, docs/decisions/055). A ledger payment that came in by card through
 * an Arcus pay link (a `checkouts` row) or an autopay charge (a `charge_attempts` row) can be refunded
 * to that card: one `card_refunds` row, created in the same transaction as the ledger `refund`
 * write-back that records it (server/exceptions/service.ts). When the write-back runs
 * (server/writebacks/execute.ts), the card refund goes first, exactly once:
 *
 *   requested ─claim (lease)→ refunding ─provider (Idempotency-Key = row id)→ pending | succeeded | failed
 *
 * The row id is the provider's Idempotency-Key and the refund's metadata `arcusRefundId`: a worker
 * killed after the provider answered re-claims the row when its lease runs out, first looks the
 * refund up by that id (an idempotency key lasts 24 hours at Stripe; the metadata does not expire),
 * and only then asks again with the same key — so the card is refunded once. The ledger write
 * happens only after the provider says `succeeded` (a refused refund leaves the ledger alone); the
 * provider's `refund.updated` / `charge.refunded` webhooks settle a pending one. The debtor is told
 * once, when the refund succeeds (a claimed `debtor_notified_at`, given back if the mail server only
 * deferred). Runs in the caller's firm scope.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type CardRefund, type PaymentProvider, PaymentProviderError } from '../../integrations/payments/provider';
import { formatAmount, type Minor, parseAmount, toMinor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { activities, cardRefunds } from '../db/schema';
import type { Logger } from '../logger';
import { debtorNotifiedClaim, tellDebtorOnce } from '../reminders/debtor-once';
import { loadOrgWithSettings } from '../reminders/load';
import type { OneOffMail } from '../reminders/one-off';
import { maskList } from '../reminders/recipients';
import { formatMoney } from '../reminders/render';
import { derivedId } from '../returns/service';
import { cardWords, ledgerRefundNotice, refundNotice } from './words';

export type CardRefundCrashPoint = 'card.after-provider';

export interface CardRefundDeps {
  db: Db;
  /** The process's payment provider; without one (or one that does not refund) card refunds wait. */
  provider: PaymentProvider | null;
  now(): Date;
  /** null: no email on this server (said on the timeline instead). */
  mail: OneOffMail | null;
  log?: Logger;
  leaseMs?: number;
  crash?: (point: CardRefundCrashPoint) => void;
}

export const CARD_REFUND_LEASE_MS = 5 * 60_000;

/** A card payment Arcus took, as far as a refund needs it. */
export interface CardPayment {
  provider: string;
  paymentId: string;
  checkoutId: string | null;
  chargeAttemptId: string | null;
  currency: string;
  /** What the card was charged, in minor units. */
  charged: Minor;
  /** What Arcus already refunded to it (not failed), in minor units. */
  refunded: Minor;
  paidOn: string;
  brand: string | null;
  last4: string | null;
}

const cents = (amount: string, currency: string) => parseAmount(amount, currency, true);

/**
 * The card payment behind a ledger payment, if it came in through Arcus by card: our own `payment`
 * write-back wrote it (its external id), keyed `payment:<checkout>:<invoice>` for a pay link or
 * `payment:autopay:<attempt>:<invoice>` for autopay. `lock` takes the checkout's or attempt's row
 * lock, so two refunds of one payment are counted one after the other.
 */
export async function cardPaymentOf(db: Db, firmId: string, organisationId: string, paymentExternalId: string, lock = false): Promise<CardPayment | null> {
  const [wb] = await queryRows<{ source_key: string }>(
    db,
    sql`SELECT source_key FROM writebacks WHERE firm_id = ${firmId}::uuid AND organisation_id = ${organisationId}::uuid AND kind = 'payment'
          AND external_id = ${paymentExternalId} AND status IN ('sent', 'confirmed') AND source_key LIKE 'payment:%' LIMIT 1`,
  );
  if (!wb) return null;
  const parts = wb.source_key.split(':');
  const forUpdate = lock ? sql` FOR UPDATE` : sql``;
  let found: Omit<CardPayment, 'refunded'> | null = null;
  if (parts[1] === 'autopay' && parts[2]) {
    const [a] = await queryRows<{ id: string; provider: string | null; payment_id: string | null; amount: string | null; currency: string | null; charged_at: string | null; brand: string | null; last4: string | null; status: string }>(
      db,
      sql`SELECT a.id::text, a.provider, a.provider_payment_id AS payment_id, a.amount::text AS amount, a.currency, a.charged_at::text AS charged_at, m.brand, m.last4, a.status
          FROM charge_attempts a LEFT JOIN saved_payment_methods m ON m.id = a.saved_method_id AND m.firm_id = a.firm_id
          WHERE a.firm_id = ${firmId}::uuid AND a.id = ${parts[2]}::uuid${lock ? sql` FOR UPDATE OF a` : sql``}`,
    );
    if (a?.status === 'succeeded' && a.provider && a.payment_id && a.amount && a.currency)
      found = { provider: a.provider, paymentId: a.payment_id, checkoutId: null, chargeAttemptId: a.id, currency: a.currency, charged: cents(a.amount, a.currency), paidOn: (a.charged_at ?? '').slice(0, 10), brand: a.brand, last4: a.last4 };
  } else if (parts[1] && /^[0-9a-f-]{36}$/.test(parts[1])) {
    const [c] = await queryRows<{ id: string; provider: string; payment_id: string | null; amount: string; currency: string; completed_at: string | null; status: string }>(
      db,
      sql`SELECT id::text, provider, provider_payment_id AS payment_id, amount::text AS amount, currency, completed_at::text AS completed_at, status
          FROM checkouts WHERE firm_id = ${firmId}::uuid AND id = ${parts[1]}::uuid${forUpdate}`,
    );
    if (c?.status === 'completed' && c.payment_id) found = { provider: c.provider, paymentId: c.payment_id, checkoutId: c.id, chargeAttemptId: null, currency: c.currency, charged: cents(c.amount, c.currency), paidOn: (c.completed_at ?? '').slice(0, 10), brand: null, last4: null };
  }
  if (!found) return null;
  const [r] = await queryRows<{ total: string | null }>(
    db,
    // Not counted: a refund that failed, or one whose write-back an approver rejected (or a person cancelled) before the card was refunded.
    sql`SELECT sum(r.amount)::text AS total FROM card_refunds r WHERE r.firm_id = ${firmId}::uuid AND r.provider = ${found.provider} AND r.provider_payment_id = ${found.paymentId} AND r.status <> 'failed'
          AND (r.status = 'succeeded' OR NOT EXISTS (SELECT 1 FROM writebacks w WHERE w.firm_id = r.firm_id AND w.id = r.writeback_id AND w.status IN ('rejected', 'cancelled')))`,
  );
  return { ...found, refunded: r?.total ? cents(r.total, found.currency) : 0 };
}

/** Whether this process can refund to a card taken by `provider`. */
export const canRefundTo = (provider: PaymentProvider | null | undefined, name: string) => !!provider?.refunds && provider.name === name;

type Row = typeof cardRefunds.$inferSelect;
export type CardRefundState = 'succeeded' | 'pending' | 'failed';

/**
 * Brings the write-back's card refund as far as it can go now: asks the provider (once per claim),
 * or reads a pending refund back. 'succeeded': the ledger write may go ahead; 'pending': wait for the
 * provider (its webhook, or the next attempt); 'failed': the card was not refunded (the row says why).
 */
export async function advanceCardRefund(deps: CardRefundDeps, firmId: string, writebackId: string): Promise<{ state: CardRefundState; why: string | null }> {
  const [row] = await deps.db.select().from(cardRefunds).where(and(eq(cardRefunds.firmId, firmId), eq(cardRefunds.writebackId, writebackId)));
  if (!row) return { state: 'failed', why: 'The card refund is missing.' };
  if (row.status === 'succeeded') {
    await notifyDebtor(deps, row);
    return { state: 'succeeded', why: null };
  }
  if (row.status === 'failed') return { state: 'failed', why: row.failure };
  const refunds = deps.provider?.refunds;
  if (!refunds || deps.provider?.name !== row.provider) return { state: 'pending', why: 'The payment provider that took the card payment is not set up on this server.' };
  if (row.status === 'pending' && row.providerRefundId) return settle(deps, row, await refunds.retrieveRefund(row.providerRefundId));

  const now = deps.now();
  const until = new Date(now.getTime() + (deps.leaseMs ?? CARD_REFUND_LEASE_MS));
  const [claimed] = await deps.db
    .update(cardRefunds)
    .set({ status: 'refunding', leaseUntil: until, calls: sql`${cardRefunds.calls} + 1`, updatedAt: now })
    .where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.firmId, firmId), sql`(${cardRefunds.status} = 'requested' OR (${cardRefunds.status} = 'refunding' AND ${cardRefunds.leaseUntil} < ${now.toISOString()}::timestamptz))`))
    .returning();
  if (!claimed) return { state: 'pending', why: 'The card refund is being sent to the payment provider.' };
  let answer: CardRefund;
  try {
    // Taken over from a worker that died after asking: the refund it may have made is found by our id first.
    const earlier = row.status === 'refunding' ? await refunds.findRefund(row.providerPaymentId, row.id) : null;
    answer =
      earlier ??
      (await refunds.refund({
        idempotencyKey: row.id,
        paymentId: row.providerPaymentId,
        amount: formatAmount(cents(row.amount, row.currency), row.currency),
        currency: row.currency,
        reason: 'requested_by_customer',
        metadata: { organisationId: row.organisationId, writebackId: row.writebackId },
      }));
  } catch (err) {
    if (err instanceof PaymentProviderError && err.status >= 400 && err.status < 500 && err.status !== 429 && err.status !== 409) {
      // The provider refused the refund itself (more than remains, the payment is gone): a person must look.
      return fail(deps, claimed, `${providerName(row.provider)} refused the card refund: ${err.message}`);
    }
    // Not reached, or busy: the same request with the same key next time.
    await deps.db
      .update(cardRefunds)
      .set({ status: 'refunding', leaseUntil: null, updatedAt: deps.now() })
      .where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.firmId, firmId)));
    return { state: 'pending', why: `${providerName(row.provider)} is not answering; the card refund will be asked for again.` };
  }
  deps.crash?.('card.after-provider');
  return settle(deps, claimed, answer);
}

/** The provider's answer (a response, a read-back or a webhook's object) recorded once: forward only. */
export async function settle(deps: CardRefundDeps, row: Row, answer: CardRefund): Promise<{ state: CardRefundState; why: string | null }> {
  if (answer.status === 'failed') return fail(deps, row, `${providerName(row.provider)} could not refund the card${answer.failureReason ? ` (${answer.failureReason.replace(/_/g, ' ')})` : ''}.`, answer.refundId);
  if (toMinor(answer.amount, 4, true) !== toMinor(row.amount, 4, true) || answer.currency !== row.currency.toUpperCase()) {
    deps.log?.error({ cardRefundId: row.id }, 'card refund answered with another amount; not recorded');
    return fail(deps, row, `${providerName(row.provider)} answered with a refund of another amount: a person must check it there.`, answer.refundId);
  }
  const now = deps.now();
  if (answer.status === 'pending') {
    await deps.db
      .update(cardRefunds)
      .set({ status: 'pending', providerRefundId: answer.refundId, leaseUntil: null, updatedAt: now })
      .where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.firmId, row.firmId), sql`${cardRefunds.status} IN ('requested', 'refunding', 'pending')`));
    return { state: 'pending', why: `Waiting for ${providerName(row.provider)} to confirm the card refund.` };
  }
  const [done] = await deps.db
    .update(cardRefunds)
    .set({ status: 'succeeded', providerRefundId: answer.refundId, succeededAt: now, leaseUntil: null, updatedAt: now })
    .where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.firmId, row.firmId), sql`${cardRefunds.status} IN ('requested', 'refunding', 'pending')`))
    .returning();
  const current = done ?? (await deps.db.select().from(cardRefunds).where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.firmId, row.firmId))))[0]!;
  if (current.status !== 'succeeded') return { state: current.status === 'failed' ? 'failed' : 'pending', why: current.failure };
  const org = await loadOrgWithSettings(deps.db, row.organisationId);
  await deps.db
    .insert(activities)
    .values({
      id: derivedId(row.id, 'card-refunded'),
      firmId: row.firmId,
      organisationId: row.organisationId,
      actorType: 'system',
      kind: 'refund.card_refunded',
      contactId: await contactIdOf(deps.db, row),
      summary: `${formatMoney(cents(row.amount, row.currency), row.currency, org?.countryCode ?? null)} refunded to the customer’s card through ${providerName(row.provider)}`,
      details: { cardRefundId: row.id, writebackId: row.writebackId },
      createdAt: now,
    })
    .onConflictDoNothing();
  await notifyDebtor(deps, current);
  return { state: 'succeeded', why: null };
}

async function fail(deps: CardRefundDeps, row: Row, why: string, refundId: string | null = null): Promise<{ state: CardRefundState; why: string }> {
  const now = deps.now();
  const [done] = await deps.db
    .update(cardRefunds)
    .set({ status: 'failed', failure: why, leaseUntil: null, updatedAt: now, ...(refundId ? { providerRefundId: refundId } : {}) })
    .where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.firmId, row.firmId), sql`${cardRefunds.status} IN ('requested', 'refunding', 'pending')`))
    .returning({ id: cardRefunds.id });
  if (done)
    await deps.db
      .insert(activities)
      .values({ id: derivedId(row.id, 'card-failed'), firmId: row.firmId, organisationId: row.organisationId, actorType: 'system', kind: 'refund.card_failed', contactId: await contactIdOf(deps.db, row), summary: `The card refund did not go through: ${why} Nothing was written to the ledger.`, details: { cardRefundId: row.id, writebackId: row.writebackId }, createdAt: now })
      .onConflictDoNothing();
  return { state: 'failed', why };
}

async function contactIdOf(db: Db, row: Row): Promise<string | null> {
  const [c] = await queryRows<{ id: string }>(db, sql`SELECT id::text FROM contacts WHERE firm_id = ${row.firmId}::uuid AND organisation_id = ${row.organisationId}::uuid AND external_id = ${row.contactExternalId} LIMIT 1`);
  return c?.id ?? null;
}

const providerName = (p: string) => (p === 'stripe' ? 'Stripe' : 'the sandbox payment provider');

/** The debtor's email, once: claimed (a timestamp set only where none is) before the send, given back if the server only deferred. */
async function notifyDebtor(deps: CardRefundDeps, row: Row): Promise<void> {
  if (row.debtorNotifiedAt) return;
  const contactId = await contactIdOf(deps.db, row);
  const note = async (summary: string, sent: boolean, createdAt: Date) => {
    await deps.db
      .insert(activities)
      .values({ id: derivedId(row.id, 'notice'), firmId: row.firmId, organisationId: row.organisationId, actorType: 'system', kind: 'refund.notice', contactId, summary, details: { cardRefundId: row.id, sent }, createdAt })
      .onConflictDoNothing();
  };
  const told = await tellDebtorOnce(deps, {
    firmId: row.firmId,
    org: row.organisationId,
    contactExternalId: row.contactExternalId,
    claim: debtorNotifiedClaim(deps.db, cardRefunds, row),
    messageKey: `card-refund.${row.id}`,
    // Deferred: the claim goes back, the next pass (the write-back, a webhook) sends it; a refusal is said once.
    giveBack: 'temporary',
    words: async ({ language, names, money, date }) => {
      const [c] = await queryRows<{ brand: string | null; last4: string | null; paid_on: string | null }>(
        deps.db,
        row.chargeAttemptId
          ? sql`SELECT m.brand, m.last4, a.charged_at::text AS paid_on FROM charge_attempts a LEFT JOIN saved_payment_methods m ON m.id = a.saved_method_id AND m.firm_id = a.firm_id WHERE a.firm_id = ${row.firmId}::uuid AND a.id = ${row.chargeAttemptId}::uuid`
          : sql`SELECT NULL::text AS brand, NULL::text AS last4, completed_at::text AS paid_on FROM checkouts WHERE firm_id = ${row.firmId}::uuid AND id = ${row.checkoutId}::uuid`,
      );
      return refundNotice(language, {
        ...names,
        amountText: money(cents(row.amount, row.currency), row.currency),
        cardText: cardWords(language, c?.brand ?? null, c?.last4 ?? null),
        paidOnText: c?.paid_on ? date(c.paid_on.slice(0, 10)) : '',
      });
    },
  });
  if (told.kind === 'skipped') return note(`The customer was not emailed about the refund: ${told.why}`, false, deps.now());
  if (told.kind === 'sent') return note(`Refund email sent to ${maskList(told.to)}`, true, told.at);
  if (told.kind === 'not_sent' && told.failure === 'temporary') return void deps.log?.warn({ cardRefundId: row.id }, 'refund email deferred');
  if (told.kind === 'not_sent') return note(`The refund email could not be delivered: ${told.message}`, false, told.at);
}

/** A provider event about a refund: which card refund it is (system lookup: by our id in the metadata, else the provider's refund id). */
export async function cardRefundOfEvent(db: Db, provider: string, refund: { refundId: string | null; arcusRefundId: string | null; paymentId: string | null }): Promise<{ id: string; firmId: string }[]> {
  if (refund.arcusRefundId && /^[0-9a-f-]{36}$/.test(refund.arcusRefundId)) {
    const rows = await queryRows<{ id: string; firm_id: string }>(db, sql`SELECT id::text, firm_id::text FROM card_refunds WHERE id = ${refund.arcusRefundId}::uuid AND provider = ${provider}`);
    if (rows.length) return rows.map((r) => ({ id: r.id, firmId: r.firm_id }));
  }
  if (refund.refundId) {
    const rows = await queryRows<{ id: string; firm_id: string }>(db, sql`SELECT id::text, firm_id::text FROM card_refunds WHERE provider = ${provider} AND provider_refund_id = ${refund.refundId}`);
    if (rows.length) return rows.map((r) => ({ id: r.id, firmId: r.firm_id }));
  }
  if (refund.paymentId) {
    // charge.refunded: every refund of ours on that payment still on its way.
    const rows = await queryRows<{ id: string; firm_id: string }>(db, sql`SELECT id::text, firm_id::text FROM card_refunds WHERE provider = ${provider} AND provider_payment_id = ${refund.paymentId} AND status IN ('refunding', 'pending')`);
    return rows.map((r) => ({ id: r.id, firmId: r.firm_id }));
  }
  return [];
}

/**
 * A verified provider event for one card refund (in its firm's scope): the refund read back from the
 * provider (never trusted from the event body alone) and settled; when it succeeded, the ledger
 * write-back is queued. Returns what changed.
 */
export async function cardRefundEvent(deps: CardRefundDeps & { enqueueExecute(writebackId: string): Promise<void> }, cardRefundId: string): Promise<'succeeded' | 'pending' | 'failed' | 'unchanged'> {
  const [row] = await deps.db.select().from(cardRefunds).where(eq(cardRefunds.id, cardRefundId));
  const refunds = deps.provider?.refunds;
  if (!row || !refunds || deps.provider?.name !== row.provider) return 'unchanged';
  if (row.status === 'succeeded' || row.status === 'failed') return 'unchanged';
  const answer = row.providerRefundId ? await refunds.retrieveRefund(row.providerRefundId) : await refunds.findRefund(row.providerPaymentId, row.id);
  if (!answer) return 'unchanged';
  const { state } = await settle(deps, row, answer);
  if (state === 'succeeded') await deps.enqueueExecute(row.writebackId);
  return state;
}

/**
 * The debtor's email for a refund recorded in the ledger only (paid back by bank or cheque, not to a
 * card), sent once when the ledger refund is read back (server/writebacks/execute.ts, before the
 * confirmation is stored). The claim is the notice's timeline entry (its id derived from the
 * write-back's), inserted before the send: a process killed between the claim and the SMTP answer
 * leaves it unsent rather than risk two (at most once, as the returned-payment notice, decision 046).
 * A deferral is said on the timeline; the confirmed write-back does not run again to retry it.
 */
export async function notifyLedgerRefund(deps: { db: Db; now(): Date; mail: OneOffMail | null; log?: Logger }, w: { id: string; firmId: string; organisationId: string; contactId: string | null; contactExternalId: string; amount: string; currency: string }): Promise<void> {
  const id = derivedId(w.id, 'notice');
  const now = deps.now();
  const record = async (summary: string, sent: boolean) => {
    const rows = await deps.db
      .insert(activities)
      .values({ id, firmId: w.firmId, organisationId: w.organisationId, actorType: 'system', kind: 'refund.notice', contactId: w.contactId, summary, details: { writebackId: w.id, sent }, createdAt: now })
      .onConflictDoNothing()
      .returning({ id: activities.id });
    return rows.length > 0;
  };
  const notice = await tellDebtorOnce(deps, {
    firmId: w.firmId,
    org: w.organisationId,
    contactExternalId: w.contactExternalId,
    // The claim is the timeline entry itself; it is never given back (see above).
    claim: { claim: () => record('Refund email being sent', false), release: async () => {} },
    messageKey: `refund.${w.id}`,
    giveBack: 'never',
    words: (c) => ledgerRefundNotice(c.language, { customerName: c.names.customerName, organisation: c.names.organisation, amountText: c.money(cents(w.amount, w.currency), w.currency), signature: c.names.signature }),
  });
  if (notice.kind === 'skipped') return void (await record(`The customer was not emailed about the refund: ${notice.why}`, false));
  if (notice.kind !== 'sent' && notice.kind !== 'not_sent') return;
  const summary = notice.kind === 'sent' ? `Refund email sent to ${maskList(notice.to)}` : notice.failure === 'temporary' ? `The refund email was not sent: the mail server asked to try later (${notice.message})` : `The refund email could not be delivered: ${notice.message}`;
  await deps.db
    .update(activities)
    .set({ summary, details: { writebackId: w.id, sent: notice.kind === 'sent' } })
    .where(and(eq(activities.id, id), eq(activities.firmId, w.firmId)));
}
