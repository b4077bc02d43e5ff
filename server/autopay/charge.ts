/**
 * Charging under autopay, exactly once (README.md). For each live mandate of an organisation, the
 * invoices (scope `invoices`) or plan instalments (scope `plan`) due today or earlier get attempt 1;
 * every attempt due is then claimed (a guarded UPDATE to `charging` with a lease) and charged
 * off-session with the attempt's id as the provider's Idempotency-Key — amount, currency and card
 * written on the row before the call, so a re-run after a crash asks the provider for the very same
 * charge and gets the same answer. Success: the attempt `succeeded` and one `payment` write-back per
 * invoice it pays (source key `payment:autopay:<attempt>:<invoice>`) in one transaction, the mandate's
 * failure cleared. Failure: the attempt `failed`, the next one scheduled by the retry schedule (or
 * the mandate paused and the collector given a task after the last), the mandate marked failing so
 * reminders resume, and the debtor emailed once (a claimed timestamp on the attempt) with a link to
 * update the card. Runs in the organisation's firm scope.
 */
import { and, asc, eq, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { PaymentProviderError } from '../../integrations/payments/provider';
import { type CalendarDate, longDate, todayIn } from '../../kernel/dates';
import { fromMinor, toMinor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { activities, autopayMandates, chargeAttempts, collectorTasks, invoices, paymentPlanInstalments, paymentPlans, savedPaymentMethods } from '../db/schema';
import type { Logger } from '../logger';
import { ensureStatementLink } from '../pay/links';
import { debtorNotifiedClaim, tellDebtorOnce } from '../reminders/debtor-once';
import { loadCustomerState, loadOrgWithSettings, type OrgWithSettings } from '../reminders/load';
import type { OneOffMail } from '../reminders/one-off';
import { maskList } from '../reminders/recipients';
import { formatMoney } from '../reminders/render';
import { derivedId } from '../returns/service';
import { type RequestInput, requestWritebacksIn } from '../writebacks/request';
import type { WritebackKind } from '../writebacks/types';
import { activeCards } from './cards';
import { afterFailure, attemptKey, chargeAmount, failureWords, type OwedInvoice, splitCharge, type Target } from './core';
import { getRetryDays } from './settings';
import { type ChargeWhat, failureNotice } from './words';

export type AutopayCrashPoint = 'after_charge';

export interface AutopayDeps {
  db: Db;
  provider: PaymentProvider | null;
  enqueueExecute(writebackId: string, attempt?: number, kind?: WritebackKind): Promise<void>;
  now(): Date;
  /** null: no email on this server (the debtor is not told; said on the timeline). */
  mail: OneOffMail | null;
  appUrl: string | null;
  linkKey: Buffer;
  log?: Logger;
  /** Days after the first failure to try again (default: the firm's setting, else 1, 3, 7 — server/autopay/settings.ts). */
  retryDays?: readonly number[];
  /** How long a claimed attempt is held before a re-run may take it over (default 10 minutes). */
  leaseMs?: number;
  /** Tests: stop the "worker" at a point (throws). */
  crash?: (point: AutopayCrashPoint) => void;
}

export interface RunCounts {
  charged: number;
  failed: number;
  skipped: number;
  gaveUp: number;
  deferred: number;
}

type Attempt = typeof chargeAttempts.$inferSelect;
type Mandate = typeof autopayMandates.$inferSelect;

const LEASE_MS = 10 * 60_000;

/** Charges what is due today for one organisation. */
export async function runAutopay(deps: AutopayDeps, organisationId: string): Promise<RunCounts> {
  const counts: RunCounts = { charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 };
  const org = await loadOrgWithSettings(deps.db, organisationId);
  if (!org || !deps.provider?.cards) return counts;
  const now = deps.now();
  const today = todayIn(org.timezone, now);
  const mandates = await deps.db.select().from(autopayMandates).where(and(eq(autopayMandates.firmId, org.firmId), eq(autopayMandates.organisationId, org.id), eq(autopayMandates.status, 'active')));
  for (const m of mandates) await scheduleFirstAttempts(deps, org, m, today, now);

  const due = await deps.db
    .select()
    .from(chargeAttempts)
    .where(
      and(
        eq(chargeAttempts.firmId, org.firmId),
        eq(chargeAttempts.organisationId, org.id),
        or(and(eq(chargeAttempts.status, 'scheduled'), lte(chargeAttempts.scheduledOn, today)), and(eq(chargeAttempts.status, 'charging'), lt(chargeAttempts.leaseUntil, now))),
      ),
    )
    .orderBy(asc(chargeAttempts.scheduledOn), asc(chargeAttempts.createdAt));
  const live = new Map(mandates.map((m) => [m.id, m]));
  for (const a of due) {
    // A charge already sent to the provider is finished whatever the mandate is now; a planned one waits for an active mandate.
    if (a.status === 'scheduled' && !live.has(a.mandateId)) continue;
    const outcome = await processAttempt(deps, org, a, today);
    if (outcome) counts[outcome] += 1;
  }
  return counts;
}

/** Attempt 1 for each target of the mandate that is due (claimed by its unique key: once however often this runs). */
async function scheduleFirstAttempts(deps: AutopayDeps, org: OrgWithSettings, m: Mandate, today: CalendarDate, now: Date): Promise<void> {
  let targets: { target: Target; on: CalendarDate }[] = [];
  if (m.scope === 'invoices') {
    const rows = await deps.db
      .select({ id: invoices.id, dueDate: invoices.dueDate })
      .from(invoices)
      .where(
        and(
          eq(invoices.firmId, org.firmId),
          eq(invoices.organisationId, org.id),
          eq(invoices.contactExternalId, m.contactExternalId),
          eq(invoices.status, 'authorised'),
          sql`${invoices.amountDue} > 0`,
          sql`${invoices.dueDate} >= ${m.startsOn}::date`,
          lte(invoices.dueDate, today),
        ),
      );
    targets = rows.map((r) => ({ target: { kind: 'invoice', id: r.id }, on: r.dueDate! }));
  } else if (m.planId) {
    const rows = await deps.db
      .select({ id: paymentPlanInstalments.id, dueDate: paymentPlanInstalments.dueDate })
      .from(paymentPlanInstalments)
      .innerJoin(paymentPlans, eq(paymentPlans.id, paymentPlanInstalments.planId))
      .where(
        and(
          eq(paymentPlanInstalments.firmId, org.firmId),
          eq(paymentPlanInstalments.planId, m.planId),
          eq(paymentPlans.status, 'active'),
          eq(paymentPlanInstalments.status, 'due'),
          sql`${paymentPlanInstalments.dueDate} >= ${m.startsOn}::date`,
          lte(paymentPlanInstalments.dueDate, today),
        ),
      );
    targets = rows.map((r) => ({ target: { kind: 'instalment', id: r.id }, on: r.dueDate }));
  }
  if (targets.length === 0) return;
  await deps.db
    .insert(chargeAttempts)
    .values(
      targets.map(({ target, on }) => ({
        firmId: org.firmId,
        organisationId: org.id,
        mandateId: m.id,
        contactExternalId: m.contactExternalId,
        targetKind: target.kind,
        invoiceId: target.kind === 'invoice' ? target.id : null,
        instalmentId: target.kind === 'instalment' ? target.id : null,
        attemptKey: attemptKey(target, 1),
        attemptNo: 1,
        scheduledOn: on,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing();
}

const targetOf = (a: Pick<Attempt, 'targetKind' | 'invoiceId' | 'instalmentId'>): Target => (a.targetKind === 'invoice' ? { kind: 'invoice', id: a.invoiceId! } : { kind: 'instalment', id: a.instalmentId! });

interface Owed {
  wanted: number;
  currency: string;
  label: string;
  /** The same for the debtor's email, in their language (words.ts). */
  what: ChargeWhat;
  invoices: (OwedInvoice & { contactId: string | null; contactExternalId: string })[];
}

/** What the target asks for and the invoices it pays, each less what is already on its way to the ledger (any `payment:` write-back the sync has not seen yet). */
async function owedFor(db: Db, org: OrgWithSettings, a: Attempt): Promise<Owed | null> {
  let ids: string[] = [];
  let wanted: number | null = null;
  let label = '';
  let what: ChargeWhat = null;
  if (a.targetKind === 'invoice') ids = [a.invoiceId!];
  else {
    const [inst] = await db
      .select({ amount: paymentPlanInstalments.amount, seq: paymentPlanInstalments.seq, status: paymentPlanInstalments.status, writebackId: paymentPlanInstalments.writebackId, invoiceIds: paymentPlans.invoiceIds, planStatus: paymentPlans.status, count: sql<number>`(SELECT count(*)::int FROM payment_plan_instalments x WHERE x.plan_id = ${paymentPlans.id})` })
      .from(paymentPlanInstalments)
      .innerJoin(paymentPlans, eq(paymentPlans.id, paymentPlanInstalments.planId))
      .where(and(eq(paymentPlanInstalments.firmId, org.firmId), eq(paymentPlanInstalments.id, a.instalmentId!)));
    if (inst?.status !== 'due' || inst.planStatus !== 'active') return null;
    label = `instalment ${inst.seq} of ${inst.count} of your payment plan`;
    what = { kind: 'instalment', seq: inst.seq, count: inst.count };
    // A posted plan's instalment is its own invoice in the ledger; otherwise it pays the plan's invoices oldest first.
    const posted = inst.writebackId ? await queryRows<{ id: string }>(db, sql`SELECT i.id::text FROM writebacks w JOIN invoices i ON i.organisation_id = w.organisation_id AND i.external_id = w.external_id WHERE w.id = ${inst.writebackId}::uuid AND w.firm_id = ${org.firmId}::uuid`) : [];
    ids = posted.length ? posted.map((p) => p.id) : inst.invoiceIds;
    wanted = toMinor(inst.amount, 2, true);
  }
  if (ids.length === 0) return null;
  const rows = await queryRows<{ id: string; external_id: string; number: string; due_date: string | null; currency: string; amount_due: string; status: string; contact_id: string | null; contact_external_id: string; processing: string }>(
    db,
    sql`SELECT i.id::text, i.external_id, i.number, i.due_date::text AS due_date, i.currency, i.amount_due::text AS amount_due, i.status, i.contact_id::text AS contact_id, i.contact_external_id,
          coalesce((SELECT sum(w.amount) FROM writebacks w WHERE w.firm_id = i.firm_id AND w.invoice_id = i.id AND w.source_key LIKE 'payment:%'
                    AND w.status NOT IN ('failed', 'rejected', 'cancelled') AND (w.confirmed_at IS NULL OR i.synced_at < w.confirmed_at)), 0)::text AS processing
        FROM invoices i WHERE i.firm_id = ${org.firmId}::uuid AND i.organisation_id = ${org.id}::uuid AND i.id IN (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
  );
  if (rows.length === 0) return null;
  const list = rows.map((r) => ({ id: r.id, externalId: r.external_id, number: r.number, dueDate: r.due_date, owed: r.status === 'authorised' ? Math.max(0, toMinor(r.amount_due, 2, true) - toMinor(r.processing, 2, true)) : 0, contactId: r.contact_id, contactExternalId: r.contact_external_id }));
  if (a.targetKind === 'invoice') {
    label = `invoice ${rows[0]!.number || rows[0]!.external_id}`;
    what = { kind: 'invoice', number: rows[0]!.number || rows[0]!.external_id };
  }
  return { wanted: wanted ?? list.reduce((s, i) => s + i.owed, 0), currency: rows[0]!.currency, label, what, invoices: list };
}

async function processAttempt(deps: AutopayDeps, org: OrgWithSettings, a: Attempt, today: CalendarDate): Promise<keyof RunCounts | null> {
  const now = deps.now();
  const lease = new Date(now.getTime() + (deps.leaseMs ?? LEASE_MS));
  const resumed = a.status === 'charging';
  const [claimed] = await deps.db
    .update(chargeAttempts)
    .set({ status: 'charging', leaseUntil: lease, updatedAt: now })
    .where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId), or(eq(chargeAttempts.status, 'scheduled'), and(eq(chargeAttempts.status, 'charging'), lt(chargeAttempts.leaseUntil, now)))))
    .returning();
  if (!claimed) return null;
  const owed = await owedFor(deps.db, org, claimed);
  let amount: number;
  let row: Attempt | undefined = claimed;
  if (resumed && claimed.amount && claimed.savedMethodId) {
    // Sent before: the same request again (the provider answers it from its idempotency record).
    amount = toMinor(claimed.amount, 2, true);
  } else {
    const total = owed ? owed.invoices.reduce((s, i) => s + i.owed, 0) : 0;
    amount = claimed.amount ? Math.min(toMinor(claimed.amount, 2, true), total) : chargeAmount(owed?.wanted ?? 0, total);
    if (!owed || amount <= 0) {
      // Settled (or ended) before its day came: never charged.
      await deps.db.update(chargeAttempts).set({ status: 'skipped', leaseUntil: null, updatedAt: now }).where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId), eq(chargeAttempts.status, 'charging')));
      return 'skipped';
    }
    const [card] = await activeCards(deps.db, a.firmId, a.organisationId, a.contactExternalId, deps.provider!.name);
    if (!card?.providerMethodId || !card.providerCustomerId) {
      await failed(deps, org, claimed, { paymentId: null, code: 'no_card' }, today);
      return 'failed';
    }
    [row] = await deps.db
      .update(chargeAttempts)
      .set({ amount: fromMinor(amount, 2), currency: owed.currency, savedMethodId: card.id, provider: deps.provider!.name, updatedAt: now })
      .where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId)))
      .returning();
  }
  const [card] = await deps.db.select().from(savedPaymentMethods).where(and(eq(savedPaymentMethods.id, row!.savedMethodId!), eq(savedPaymentMethods.firmId, a.firmId)));
  if (!card?.providerMethodId || !card.providerCustomerId) return null;
  let result: Awaited<ReturnType<NonNullable<PaymentProvider['cards']>['chargeOffSession']>>;
  try {
    result = await deps.provider!.cards!.chargeOffSession({
      idempotencyKey: a.id,
      customerId: card.providerCustomerId,
      methodId: card.providerMethodId,
      amount: row!.amount!,
      currency: row!.currency!,
      description: `${org.name}: ${owed?.label ?? 'autopay'}`.slice(0, 250),
      metadata: { attemptId: a.id, organisationId: org.id },
    });
  } catch (err) {
    if (!(err instanceof PaymentProviderError)) throw err;
    // The provider did not answer or refused the request itself: the same attempt (same key) next run.
    deps.log?.warn({ attemptId: a.id, status: err.status, type: err.type }, 'autopay charge deferred');
    await deps.db.update(chargeAttempts).set({ status: 'scheduled', leaseUntil: null, updatedAt: now }).where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId), eq(chargeAttempts.status, 'charging')));
    return 'deferred';
  }
  deps.crash?.('after_charge');
  if (result.outcome === 'succeeded') return (await succeeded(deps, org, row!, result.paymentId)) ? 'charged' : null;
  if (result.outcome === 'processing') {
    // A bank still deciding: the provider's webhook finishes it (payment_intent.succeeded / .payment_failed).
    await deps.db
      .update(chargeAttempts)
      .set({ providerPaymentId: result.paymentId, leaseUntil: new Date(now.getTime() + 86_400_000), updatedAt: now })
      .where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId)));
    return null;
  }
  return (await failed(deps, org, row!, { paymentId: result.paymentId, code: result.code }, today)) ? 'failed' : null;
}

/** The charge went through: the attempt succeeded and the payment requested in the ledger, in one transaction (once). */
async function succeeded(deps: AutopayDeps, org: OrgWithSettings, a: Attempt, paymentId: string): Promise<boolean> {
  const now = deps.now();
  const owed = await owedFor(deps.db, org, a);
  const date = todayIn(org.timezone, now);
  const amount = toMinor(a.amount!, 2, true);
  const currency = a.currency!;
  const parts = owed ? splitCharge(amount, owed.invoices) : [];
  // Money the invoices no longer owe (settled meanwhile) still goes to the first one: the ledger shows the overpayment.
  const placed = parts.reduce((s, p) => s + p.amount, 0);
  if (owed && placed < amount && owed.invoices[0]) {
    const first = parts.find((p) => p.invoice.id === owed.invoices[0]!.id);
    if (first) first.amount += amount - placed;
    else parts.push({ invoice: owed.invoices[0], amount: amount - placed });
  }
  const money = (m: number) => formatMoney(m, currency, org.countryCode);
  const inputs: RequestInput[] = parts.map((p) => {
    const inv = owed!.invoices.find((i) => i.id === p.invoice.id)!;
    return {
      firmId: a.firmId,
      organisationId: a.organisationId,
      kind: 'payment',
      purpose: 'payment',
      sourceKey: `payment:autopay:${a.id}:${inv.id}`,
      invoiceId: inv.id,
      invoiceExternalId: inv.externalId,
      contactId: inv.contactId,
      contactExternalId: inv.contactExternalId,
      amount: fromMinor(p.amount, 2),
      currency,
      request: { invoiceExternalId: inv.externalId, amount: fromMinor(p.amount, 2), date, reference: `Arcus autopay ${paymentId}`.slice(0, 255) },
      noteText: `Arcus: ${money(p.amount)} charged to the customer's saved card by autopay on ${date} (${a.provider} ${paymentId}).`,
      requestedBy: 'debtor',
      // The debtor's own money, by the debtor's own mandate: like a pay-link payment, it never waits for approval.
      preApproved: true,
      summary: `Autopay payment of ${money(p.amount)} for invoice ${inv.number || inv.externalId}`,
    };
  });
  const results = await deps.db.transaction(async (tx) => {
    const [done] = await tx
      .update(chargeAttempts)
      .set({ status: 'succeeded', providerPaymentId: paymentId, chargedAt: now, leaseUntil: null, updatedAt: now })
      .where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId), eq(chargeAttempts.status, 'charging')))
      .returning({ id: chargeAttempts.id });
    if (!done) return null;
    await tx.update(autopayMandates).set({ failingSince: null, updatedAt: now }).where(and(eq(autopayMandates.id, a.mandateId), eq(autopayMandates.firmId, a.firmId)));
    const r = await requestWritebacksIn(tx as unknown as Db, inputs, now, [
      { id: derivedId(a.id, 'charged'), firmId: a.firmId, organisationId: a.organisationId, actorType: 'debtor', kind: 'autopay.charged', invoiceId: a.invoiceId, summary: `Autopay charged ${money(amount)} for ${owed?.label.replace('your ', 'the ') ?? 'the customer'}`, details: { attemptId: a.id, attemptNo: a.attemptNo, providerPaymentId: paymentId }, createdAt: now },
    ]);
    return r;
  });
  if (!results) return false;
  for (const [i, r] of results.entries()) if (r.created && r.status === 'pending') await deps.enqueueExecute(r.id, 0, inputs[i]!.kind);
  return true;
}

/** The charge failed: the next attempt (or give up), the mandate failing, the debtor told once. */
async function failed(deps: AutopayDeps, org: OrgWithSettings, a: Attempt, r: { paymentId: string | null; code: string }, today: CalendarDate): Promise<boolean> {
  const now = deps.now();
  let firstFailedOn = today;
  if (a.attemptNo > 1) {
    const [first] = await queryRows<{ charged_at: Date | string | null }>(deps.db, sql`SELECT charged_at FROM charge_attempts WHERE firm_id = ${a.firmId}::uuid AND attempt_key = ${attemptKey(targetOf(a), 1)}`);
    if (first?.charged_at) firstFailedOn = todayIn(org.timezone, new Date(first.charged_at));
  }
  const next = afterFailure(a.attemptNo, firstFailedOn, deps.retryDays ?? (await getRetryDays(deps.db, a.firmId)), a.scheduledOn);
  const owed = await owedFor(deps.db, org, a);
  const label = owed?.label ?? 'your payment';
  const amountText = a.amount && a.currency ? formatMoney(toMinor(a.amount, 2, true), a.currency, org.countryCode) : null;
  const reason = failureWords(r.code);
  const ok = await deps.db.transaction(async (tx) => {
    const [done] = await tx
      .update(chargeAttempts)
      .set({ status: 'failed', providerPaymentId: r.paymentId, failureCode: r.code, chargedAt: now, leaseUntil: null, updatedAt: now })
      .where(and(eq(chargeAttempts.id, a.id), eq(chargeAttempts.firmId, a.firmId), eq(chargeAttempts.status, 'charging')))
      .returning({ id: chargeAttempts.id });
    if (!done) return false;
    await tx
      .update(autopayMandates)
      .set({ failingSince: sql`coalesce(${autopayMandates.failingSince}, ${now.toISOString()}::timestamptz)`, ...(next.kind === 'give_up' ? { status: 'paused', pausedReason: `The last ${a.attemptNo} charges failed: ${reason}.` } : {}), updatedAt: now })
      .where(and(eq(autopayMandates.id, a.mandateId), eq(autopayMandates.firmId, a.firmId), ne(autopayMandates.status, 'cancelled')));
    if (next.kind === 'retry') {
      await tx
        .insert(chargeAttempts)
        .values({ firmId: a.firmId, organisationId: a.organisationId, mandateId: a.mandateId, contactExternalId: a.contactExternalId, targetKind: a.targetKind, invoiceId: a.invoiceId, instalmentId: a.instalmentId, attemptKey: attemptKey(targetOf(a), next.attemptNo), attemptNo: next.attemptNo, scheduledOn: next.on, createdAt: now, updatedAt: now })
        .onConflictDoNothing();
    }
    await tx
      .insert(activities)
      .values({
        id: derivedId(a.id, 'failed'),
        firmId: a.firmId,
        organisationId: a.organisationId,
        actorType: 'system',
        kind: 'autopay.charge_failed',
        invoiceId: a.invoiceId,
        summary: `Autopay could not charge ${amountText ?? 'the customer'} for ${label.replace('your ', 'the ')}: ${reason}. ${next.kind === 'retry' ? `Trying again on ${longDate(next.on)}.` : 'No more tries: autopay is paused.'}`,
        details: { attemptId: a.id, attemptNo: a.attemptNo, code: r.code },
        createdAt: now,
      })
      .onConflictDoNothing();
    return true;
  });
  if (!ok) return false;
  if (next.kind === 'give_up') await collectorTask(deps, org, a, label, amountText);
  await notifyDebtor(deps, org, a, { label, what: owed?.what ?? null, code: r.code, next });
  return true;
}

/** Retries ran out: a task for the customer's collector (else the organisation's owner), once. */
async function collectorTask(deps: AutopayDeps, org: OrgWithSettings, a: Attempt, label: string, amountText: string | null): Promise<void> {
  const [who] = await queryRows<{ user_id: string }>(
    deps.db,
    sql`SELECT user_id::text FROM (
          SELECT user_id, 1 AS rank FROM customer_assignments WHERE firm_id = ${a.firmId}::uuid AND organisation_id = ${a.organisationId}::uuid AND contact_external_id = ${a.contactExternalId}
          UNION ALL SELECT user_id, 2 FROM organisation_owners WHERE firm_id = ${a.firmId}::uuid AND organisation_id = ${a.organisationId}::uuid) x ORDER BY rank LIMIT 1`,
  );
  const customer = await loadCustomerState(deps.db, org, a.contactExternalId);
  const now = deps.now();
  await deps.db
    .insert(collectorTasks)
    .values({
      id: derivedId(a.id, 'gave_up'),
      firmId: a.firmId,
      organisationId: a.organisationId,
      contactId: customer.contactId,
      contactExternalId: a.contactExternalId,
      invoiceId: a.invoiceId,
      kind: 'review',
      title: `Autopay stopped for ${customer.name}: ${a.attemptNo} charges${amountText ? ` of ${amountText}` : ''} for ${label.replace('your ', 'the ')} failed. Contact them about another way to pay.`.slice(0, 500),
      dueOn: todayIn(org.timezone, now),
      assignedUserId: who?.user_id ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing();
}

/** "Update your card" link: the customer's statement pay link with the card form open. */
async function updateCardUrl(deps: AutopayDeps, a: Attempt): Promise<string | null> {
  if (!deps.appUrl) return null;
  try {
    const link = await ensureStatementLink(deps.db, { firmId: a.firmId, organisationId: a.organisationId, contactExternalId: a.contactExternalId }, { linkKey: deps.linkKey, appUrl: deps.appUrl, enqueueExecute: (id) => deps.enqueueExecute(id) });
    return `${link.url}?card=update`;
  } catch (err) {
    deps.log?.warn({ err, attemptId: a.id }, 'autopay: no pay link for the card update');
    return null;
  }
}

async function notifyDebtor(deps: AutopayDeps, org: OrgWithSettings, a: Attempt, w: { label: string; what: ChargeWhat; code: string; next: ReturnType<typeof afterFailure> }): Promise<void> {
  const now = deps.now();
  const note = async (summary: string, sent: boolean) => {
    await deps.db
      .insert(activities)
      .values({ id: derivedId(a.id, 'notice'), firmId: a.firmId, organisationId: a.organisationId, actorType: 'system', kind: 'autopay.failure_notice', invoiceId: a.invoiceId, summary, details: { attemptId: a.id, sent }, createdAt: now })
      .onConflictDoNothing();
  };
  const told = await tellDebtorOnce(
    { db: deps.db, mail: deps.mail, now: () => now },
    {
      firmId: a.firmId,
      org,
      contactExternalId: a.contactExternalId,
      claim: debtorNotifiedClaim(deps.db, chargeAttempts, a),
      messageKey: `autopay.${a.id}`,
      giveBack: 'any',
      words: async ({ language, names, money, date }) => {
        const url = await updateCardUrl(deps, a);
        const [card] = a.savedMethodId ? await deps.db.select().from(savedPaymentMethods).where(and(eq(savedPaymentMethods.id, a.savedMethodId), eq(savedPaymentMethods.firmId, a.firmId))) : [];
        return failureNotice(language, {
          ...names,
          amountText: a.amount && a.currency ? money(toMinor(a.amount, 2, true), a.currency) : null,
          what: w.what,
          card: card ?? null,
          code: w.code,
          next: w.next.kind === 'retry' ? { kind: 'retry', onText: date(w.next.on) } : { kind: 'give_up' },
          updateUrl: url,
        });
      },
    },
  );
  if (told.kind === 'skipped') return note(`The customer was not told about the failed autopay charge: ${told.why}`, false);
  if (told.kind === 'not_sent') return void deps.log?.warn({ attemptId: a.id, kind: told.failure }, 'autopay failure notice not sent');
  if (told.kind === 'sent') return note(`Told ${maskList(told.to)} the autopay charge for ${w.label.replace('your ', 'the ')} failed`, true);
}

/**
 * A provider event about an off-session charge (payment_intent.succeeded / .payment_failed): an
 * attempt still `charging` (a crash after the call, or a bank that took its time) is finished by it.
 */
export async function settleFromEvent(deps: AutopayDeps, attemptId: string, result: { outcome: 'succeeded' | 'failed' | 'processing'; paymentId: string | null; code?: string }): Promise<'settled' | 'unchanged' | 'not_ours'> {
  const [a] = await deps.db.select().from(chargeAttempts).where(eq(chargeAttempts.id, attemptId));
  if (!a) return 'not_ours';
  if (a.status !== 'charging' || result.outcome === 'processing' || !a.amount) return 'unchanged';
  const org = await loadOrgWithSettings(deps.db, a.organisationId);
  if (!org) return 'not_ours';
  const ok = result.outcome === 'succeeded' ? await succeeded(deps, org, a, result.paymentId ?? a.providerPaymentId ?? a.id) : await failed(deps, org, a, { paymentId: result.paymentId, code: result.code ?? 'other' }, todayIn(org.timezone, deps.now()));
  return ok ? 'settled' : 'unchanged';
}

/** Whose attempt an event names (a system lookup: the webhook is signed; the attempt id came from us). */
export async function attemptFirm(db: Db, attemptId: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(attemptId)) return null;
  const [row] = await db.select({ firmId: chargeAttempts.firmId }).from(chargeAttempts).where(eq(chargeAttempts.id, attemptId)).limit(1);
  return row?.firmId ?? null;
}

/** Organisations with a live mandate (the tick's list; a system query). */
export async function organisationsOnAutopay(db: Db): Promise<{ id: string; firmId: string }[]> {
  return queryRows<{ id: string; firmId: string }>(db, sql`SELECT DISTINCT organisation_id::text AS id, firm_id::text AS "firmId" FROM autopay_mandates WHERE status = 'active'`);
}

