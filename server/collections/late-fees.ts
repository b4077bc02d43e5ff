/**
 * Late fees and interest by policy: for an organisation's open overdue invoices (not disputed,
 * not on a plan, not invoices Arcus created), the fees due now (server/domain/collections/
 * lateFees.ts) are requested as `late_fee` write-backs with source key
 * `late_fee:<invoiceId>:<periodKey>` — the write-back engine's (firm, source_key) dedupe makes
 * a period impossible to charge twice, even when assessments overlap. Posted as a new invoice
 * to the customer (due 14 days later) or as a line on the overdue invoice, with a note on the
 * original invoice. Forgiving a fee is a `fee_reversal` credit note allocated to the fee
 * invoice (or, for a line, to the original invoice).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { invoices, writebacks } from '../db/schema';
import { assessLateFees, type ChargedFee, type FeeAssessment, type FeeDue, type FeeSkip } from '../domain/collections/lateFees';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { conflict, notFound } from '../../kernel/errors';
import { requestWriteback } from '../writebacks/request';
import type { WritebackStatus } from '../writebacks/types';
import { arcusCreatedInvoices, type CollectionsDeps, heldInvoices, loadInvoice, loadOpenInvoices, loadOrg, type OpenInvoice, type OrgRow, orgToday } from './common';
import { effectiveCollectionsPolicy } from '../settings/store';
import type { CollectionsPolicy } from './policy';
import { decimal, feeSourceKey, forgiveSourceKey, invoiceName, minor, money, rulesOf } from './rules';
import type { LateFeeRules } from '../domain/collections/lateFees';
import { compensation, type Jurisdiction, type RateRow, STATUTORY, statutoryRate } from './statutory';
import { loadRateTable } from './statutory-rates';

const JURISDICTION_OF = { uk_statutory: 'uk', eu_directive: 'eu' } as const;

/**
 * The rules for one invoice: the policy's, with the statutory terms of this invoice when the policy
 * is a statutory preset (the rate by its due date — EU: by each month's half-year — and the
 * compensation by its amount); an invoice in another currency than the law's is not charged.
 */
export function invoiceRules(p: LateFeePolicy, inv: Pick<OpenInvoice, 'currency' | 'amountDue' | 'dueDate'>, table: readonly RateRow[]): LateFeeRules {
  const base = rulesOf(p);
  if (p.kind !== 'uk_statutory' && p.kind !== 'eu_directive') return base;
  const j: Jurisdiction = JURISDICTION_OF[p.kind];
  if (inv.currency !== STATUTORY[j].currency || !inv.dueDate) return { ...base, statutory: null, statutorySkip: 'other_currency' };
  const due = inv.dueDate;
  return { ...base, statutory: { ratePctFor: (from) => statutoryRate(table, j, due, from)?.ratePct ?? null, compensation: compensation(j, inv.amountDue) } };
}

const isStatutory = (p: LateFeePolicy) => p.kind === 'uk_statutory' || p.kind === 'eu_directive';

type LateFeePolicy = CollectionsPolicy['lateFees'];

/** Days a late-fee invoice gives the customer. */
export const FEE_INVOICE_TERMS_DAYS = 14;

/** Write-back states that put no fee in the ledger (the period stays used: never charged again). */
const NOT_CHARGED: readonly WritebackStatus[] = ['rejected', 'cancelled', 'failed'];


export interface ChargedFeeView {
  writebackId: string;
  periodKey: string;
  amount: string;
  status: string;
  mode: 'invoice' | 'line';
  externalId: string | null;
  forgiven: boolean;
  forgivenBy: string | null;
}

/** The fees already requested, per invoice id, with what each counts toward the cap. */
async function chargedByInvoice(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>, invoiceIds: readonly string[]): Promise<Map<string, { views: ChargedFeeView[]; charged: ChargedFee[] }>> {
  const out = new Map<string, { views: ChargedFeeView[]; charged: ChargedFee[] }>();
  if (invoiceIds.length === 0) return out;
  const fees = await db
    .select({ id: writebacks.id, sourceKey: writebacks.sourceKey, invoiceId: writebacks.invoiceId, amount: writebacks.amount, status: writebacks.status, request: writebacks.request, externalId: writebacks.externalId })
    .from(writebacks)
    .where(and(eq(writebacks.firmId, org.firmId), eq(writebacks.organisationId, org.id), eq(writebacks.kind, 'late_fee'), inArray(writebacks.invoiceId, [...invoiceIds])));
  const reversals = fees.length
    ? await db
        .select({ id: writebacks.id, reversesId: writebacks.reversesId, status: writebacks.status })
        .from(writebacks)
        .where(and(eq(writebacks.firmId, org.firmId), eq(writebacks.purpose, 'fee_reversal'), inArray(writebacks.reversesId, fees.map((f) => f.id))))
    : [];
  const forgivenBy = new Map<string, string>();
  for (const r of reversals) if (r.reversesId && !NOT_CHARGED.includes(r.status as WritebackStatus)) forgivenBy.set(r.reversesId, r.id);
  for (const f of fees) {
    const prefix = `late_fee:${f.invoiceId}:`;
    if (!f.invoiceId || !f.sourceKey?.startsWith(prefix)) continue;
    const periodKey = f.sourceKey.slice(prefix.length);
    const forgiven = forgivenBy.has(f.id);
    const counts = !forgiven && !NOT_CHARGED.includes(f.status as WritebackStatus);
    const entry = out.get(f.invoiceId) ?? { views: [], charged: [] };
    entry.charged.push({ periodKey, amount: counts && f.amount ? minor(f.amount) : 0 });
    entry.views.push({ writebackId: f.id, periodKey, amount: decimal(minor(f.amount ?? '0')), status: f.status, mode: (f.request as { mode?: 'invoice' | 'line' }).mode ?? 'invoice', externalId: f.externalId, forgiven, forgivenBy: forgivenBy.get(f.id) ?? null });
    out.set(f.invoiceId, entry);
  }
  return out;
}

function feeWords(fee: FeeDue, inv: OpenInvoice, p: LateFeePolicy): { description: string; reference: string; what: string } {
  const statutory = isStatutory(p);
  const what = fee.purpose === 'interest' ? (statutory ? 'Statutory interest' : 'Interest') : statutory ? 'Compensation' : 'Late fee';
  const basis = money(fee.basis, inv.currency);
  const law = p.kind === 'uk_statutory' ? 'Late Payment of Commercial Debts (Interest) Act 1998' : 'Late Payment Directive 2011/7/EU';
  const description = statutory
    ? fee.purpose === 'interest'
      ? `Statutory interest at ${fee.ratePct}% a year (${law}) on ${basis} overdue on ${invoiceName(inv)}, ${fee.days} days (${fee.label})`
      : `Fixed compensation for late payment (${law}) on ${invoiceName(inv)}`
    : fee.purpose === 'interest'
      ? `Interest at ${p.annualRatePct}% a year on ${basis} overdue on ${invoiceName(inv)}, ${fee.days} days (${fee.label})`
      : p.kind === 'percentage'
        ? `Late fee: ${p.percent}% of ${basis} overdue on ${invoiceName(inv)} (${fee.label})`
        : `Late fee on ${invoiceName(inv)} (${fee.label})`;
  return { description: description.slice(0, 400), reference: `${what} on ${invoiceName(inv)} (${fee.label})`, what };
}

export interface RequestedFee {
  periodKey: string;
  amount: string;
  writebackId: string;
  status: WritebackStatus;
  created: boolean;
}

async function requestFees(deps: CollectionsDeps, org: OrgRow, inv: OpenInvoice, p: LateFeePolicy, today: CalendarDate, fees: readonly FeeDue[], by: { requestedBy: 'system' | 'user'; userId?: string | null }): Promise<RequestedFee[]> {
  const out: RequestedFee[] = [];
  for (const fee of fees) {
    const words = feeWords(fee, inv, p);
    const amount = decimal(fee.amount);
    const line = { description: words.description, amount, accountCode: p.accountCode };
    const request =
      p.post === 'line'
        ? { mode: 'line' as const, invoiceExternalId: inv.externalId, lines: [line] }
        : { mode: 'invoice' as const, contactExternalId: inv.contactExternalId, date: today, dueDate: addDays(today, FEE_INVOICE_TERMS_DAYS), reference: words.reference, currency: inv.currency, lines: [line] };
    const shown = money(fee.amount, inv.currency);
    const r = await requestWriteback(deps, {
      firmId: org.firmId,
      organisationId: org.id,
      kind: 'late_fee',
      purpose: fee.purpose,
      sourceKey: feeSourceKey(inv.id, fee.periodKey),
      invoiceId: inv.id,
      invoiceExternalId: inv.externalId,
      contactId: inv.contactId,
      contactExternalId: inv.contactExternalId,
      amount,
      currency: inv.currency,
      request,
      noteText: p.post === 'line' ? `${words.what} of ${shown} added to this invoice (${fee.label}) by Arcus` : `${words.what} of ${shown} charged on a separate invoice (${fee.label}) by Arcus`,
      requestedBy: by.requestedBy,
      userId: by.userId ?? null,
      summary: `${words.what} of ${shown} on ${invoiceName(inv)} (${fee.label})`,
    });
    out.push({ periodKey: fee.periodKey, amount, writebackId: r.id, status: r.status, created: r.created });
  }
  return out;
}

export interface FeePreview {
  invoice: { id: string; number: string; currency: string; dueDate: string | null; amountDue: string; status: string };
  policy: LateFeePolicy;
  today: CalendarDate;
  /** Why no fee can be charged on this invoice at all (null: the assessment decides). */
  blocked: 'closed' | 'no_due_date' | 'disputed' | 'on_plan' | 'arcus_invoice' | null;
  overdueDays: number | null;
  fees: { periodKey: string; purpose: string; label: string; amount: string; uncapped: string | null }[];
  skipped: FeeAssessment['skipped'];
  charged: ChargedFeeView[];
  capRemaining: string | null;
}

async function assessOne(db: Db, org: OrgRow, inv: OpenInvoice, p: LateFeePolicy, now: Date): Promise<{ preview: FeePreview; due: FeeDue[] }> {
  const today = orgToday(org, now);
  const charged = (await chargedByInvoice(db, org, [inv.id])).get(inv.id) ?? { views: [], charged: [] };
  const held = (await heldInvoices(db, org, [inv], now, today)).get(inv.id);
  const arcus = (await arcusCreatedInvoices(db, org)).has(inv.externalId);
  const blocked: FeePreview['blocked'] = inv.status !== 'authorised' || inv.amountDue <= 0 ? 'closed' : !inv.dueDate ? 'no_due_date' : arcus ? 'arcus_invoice' : held === 'disputed' ? 'disputed' : held === 'on_plan' ? 'on_plan' : null;
  const table = isStatutory(p) ? await loadRateTable(db, org.firmId) : [];
  const a = inv.dueDate && !blocked ? assessLateFees({ amountDue: inv.amountDue, dueDate: inv.dueDate }, invoiceRules(p, inv, table), today, charged.charged) : null;
  const due = a?.fees ?? [];
  return {
    due,
    preview: {
      invoice: { id: inv.id, number: inv.number, currency: inv.currency, dueDate: inv.dueDate, amountDue: decimal(inv.amountDue), status: inv.status },
      policy: p,
      today,
      blocked,
      overdueDays: a?.overdueDays ?? null,
      fees: due.map((f) => ({ periodKey: f.periodKey, purpose: f.purpose, label: f.label, amount: decimal(f.amount), uncapped: f.uncapped === undefined ? null : decimal(f.uncapped) })),
      skipped: a?.skipped ?? null,
      charged: charged.views,
      capRemaining: a?.capRemaining == null ? null : decimal(a.capRemaining),
    },
  };
}

/** What applying fees to one invoice would charge now (the policy's rules, enabled or not). */
export async function previewLateFees(db: Db, firmId: string, organisationId: string, invoiceId: string, now: Date = new Date()): Promise<FeePreview> {
  const org = await loadOrg(db, firmId, organisationId);
  const inv = await loadInvoice(db, firmId, organisationId, invoiceId);
  const policy = await effectiveCollectionsPolicy(db, firmId, organisationId);
  return (await assessOne(db, org, inv, policy.lateFees, now)).preview;
}

/** A collector applies the fees due now to one invoice (by the policy's rules, even when automatic fees are off). */
export async function applyLateFees(deps: CollectionsDeps, params: { firmId: string; organisationId: string; invoiceId: string; userId: string }): Promise<{ requested: RequestedFee[]; preview: FeePreview }> {
  const now = deps.now?.() ?? new Date();
  const org = await loadOrg(deps.db, params.firmId, params.organisationId);
  const inv = await loadInvoice(deps.db, params.firmId, params.organisationId, params.invoiceId);
  const policy = await effectiveCollectionsPolicy(deps.db, params.firmId, params.organisationId);
  const { preview, due } = await assessOne(deps.db, org, inv, policy.lateFees, now);
  if (preview.blocked) throw conflict(blockedMessage(preview.blocked), `fee_${preview.blocked}`);
  if (due.length === 0) throw conflict(`No fee is due on this invoice now${skippedWords(preview.skipped)}.`, 'no_fee_due');
  const requested = await requestFees(deps, org, inv, policy.lateFees, preview.today, due, { requestedBy: 'user', userId: params.userId });
  return { requested, preview };
}

/** Why no fee is due, as the end of a sentence. */
export const FEE_SKIP_WORDS: Record<FeeSkip, string> = {
  not_overdue: 'it is not overdue',
  in_grace: 'it is still within the grace period',
  below_minimum_due: 'the amount due is below the minimum for fees',
  cap_reached: 'the fees charged have reached the cap',
  nothing_due: 'nothing more is due',
  no_reference_rate: 'the rate table has no reference rate for its due date (add it under Settings › Collections)',
  other_currency: 'statutory interest applies to invoices in the law’s own currency (pounds for the UK Act, euros for the EU directive)',
};

function skippedWords(skipped: FeeSkip | null | undefined): string {
  return skipped ? `: ${FEE_SKIP_WORDS[skipped]}` : '';
}

function blockedMessage(b: NonNullable<FeePreview['blocked']>): string {
  switch (b) {
    case 'closed':
      return 'The invoice is not open.';
    case 'no_due_date':
      return 'The invoice has no due date.';
    case 'disputed':
      return 'The invoice is disputed: resolve the dispute first.';
    case 'on_plan':
      return 'The invoice is on a payment plan.';
    case 'arcus_invoice':
      return 'This invoice was created by Arcus (a fee or an instalment) and is not charged fees.';
  }
}

export interface AssessResult {
  considered: number;
  held: number;
  requested: RequestedFee[];
}

/** The daily assessment for one organisation (a no-op when automatic fees are off). */
export async function assessLateFeesForOrganisation(deps: CollectionsDeps, firmId: string, organisationId: string): Promise<AssessResult> {
  const now = deps.now?.() ?? new Date();
  const policy = await effectiveCollectionsPolicy(deps.db, firmId, organisationId);
  const result: AssessResult = { considered: 0, held: 0, requested: [] };
  if (!policy.lateFees.enabled) return result;
  const org = await loadOrg(deps.db, firmId, organisationId);
  if (org.status !== 'active') return result;
  const today = orgToday(org, now);
  const arcus = await arcusCreatedInvoices(deps.db, org);
  const overdue = (await loadOpenInvoices(deps.db, org, { overdueBefore: addDays(today, -policy.lateFees.graceDays) })).filter((i) => !arcus.has(i.externalId));
  const held = await heldInvoices(deps.db, org, overdue, now, today);
  const charged = await chargedByInvoice(deps.db, org, overdue.map((i) => i.id));
  const table = isStatutory(policy.lateFees) ? await loadRateTable(deps.db, firmId) : [];
  for (const inv of overdue) {
    result.considered += 1;
    if (held.has(inv.id)) {
      result.held += 1;
      continue;
    }
    const a = assessLateFees({ amountDue: inv.amountDue, dueDate: inv.dueDate! }, invoiceRules(policy.lateFees, inv, table), today, charged.get(inv.id)?.charged ?? []);
    if (a.fees.length) result.requested.push(...(await requestFees(deps, org, inv, policy.lateFees, today, a.fees, { requestedBy: 'system' })));
  }
  return result;
}

/**
 * Forgive a fee: a credit note (purpose fee_reversal, source key `fee_reversal:<fee id>`)
 * allocated to the fee invoice — or, for a fee added as a line, to the original invoice — for
 * the fee, or what is left owing on it when less. The fee must be in the ledger.
 */
export async function forgiveFee(deps: CollectionsDeps, params: { firmId: string; writebackId: string; userId: string }): Promise<{ writebackId: string; status: WritebackStatus; created: boolean; amount: string }> {
  const now = deps.now?.() ?? new Date();
  const [fee] = await deps.db
    .select()
    .from(writebacks)
    .where(and(eq(writebacks.firmId, params.firmId), eq(writebacks.id, params.writebackId), eq(writebacks.kind, 'late_fee')));
  if (!fee) throw notFound('No such late fee.');
  if (fee.status === 'awaiting_approval') throw conflict('The fee is waiting for approval: reject it instead of forgiving it.', 'fee_not_in_ledger');
  if (fee.status !== 'confirmed' && fee.status !== 'sent') throw conflict('The fee is not in the ledger; only a fee written to the ledger can be forgiven.', 'fee_not_in_ledger');
  const org = await loadOrg(deps.db, params.firmId, fee.organisationId);
  const policy = await effectiveCollectionsPolicy(deps.db, params.firmId, fee.organisationId);
  const mode = (fee.request as { mode?: string }).mode === 'line' ? 'line' : 'invoice';
  const target = mode === 'line' ? fee.invoiceExternalId : fee.externalId;
  if (!target || !fee.contactExternalId || !fee.amount || !fee.currency) throw conflict('The fee has no ledger document to credit yet.', 'fee_not_in_ledger');
  const amount = minor(fee.amount);
  // Allocate no more than the target still owes (when synced); a fully paid target gets an unallocated credit.
  const [owing] = await loadOpenInvoicesByExternal(deps.db, org, target);
  const allocate = owing === undefined ? amount : Math.min(amount, owing);
  const today = orgToday(org, now);
  const original = fee.invoiceId ? await loadInvoice(deps.db, params.firmId, org.id, fee.invoiceId).catch(() => null) : null;
  const name = original ? invoiceName(original) : (fee.invoiceExternalId ?? 'the invoice');
  const shown = money(amount, fee.currency);
  const r = await requestWriteback(deps, {
    firmId: params.firmId,
    organisationId: org.id,
    kind: 'credit_note',
    purpose: 'fee_reversal',
    sourceKey: forgiveSourceKey(fee.id),
    invoiceId: fee.invoiceId,
    invoiceExternalId: fee.invoiceExternalId,
    contactId: fee.contactId,
    contactExternalId: fee.contactExternalId,
    amount: decimal(amount),
    currency: fee.currency,
    request: {
      contactExternalId: fee.contactExternalId,
      date: today,
      reference: `${fee.purpose === 'interest' ? 'Interest' : 'Late fee'} forgiven on ${name}`.slice(0, 255),
      currency: fee.currency,
      lines: [{ description: `${fee.purpose === 'interest' ? 'Interest' : 'Late fee'} on ${name} forgiven`, amount: decimal(amount), accountCode: policy.lateFees.accountCode }],
      allocateTo: allocate > 0 ? { invoiceExternalId: target, amount: decimal(allocate) } : null,
    },
    noteText: `${fee.purpose === 'interest' ? 'Interest' : 'Late fee'} of ${shown} forgiven by Arcus`,
    requestedBy: 'user',
    userId: params.userId,
    reversesId: fee.id,
    summary: `Forgive ${fee.purpose === 'interest' ? 'interest' : 'late fee'} of ${shown} on ${name}`,
  });
  return { writebackId: r.id, status: r.status, created: r.created, amount: decimal(amount) };
}

/** What an invoice (by external id) still owes, when synced: [] when unknown. */
async function loadOpenInvoicesByExternal(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>, externalId: string): Promise<number[]> {
  const rows = await db
    .select({ amountDue: invoices.amountDue })
    .from(invoices)
    .where(and(eq(invoices.firmId, org.firmId), eq(invoices.organisationId, org.id), eq(invoices.externalId, externalId)));
  return rows.map((r) => minor(r.amountDue));
}
