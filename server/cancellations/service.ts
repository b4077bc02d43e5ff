/**
 * Cancellations (issue #19; docs/decisions/048): a customer cancels part or all of a service.
 * `cancellableInvoices` lists what can be cancelled, `previewCancellation` says what it would do
 * (no writes), `confirmCancellation` does it once per request id:
 *
 * 1. the `cancellations` row, holding the working confirmed (a repeat re-runs from it, never
 *    recomputing the amounts);
 * 2. in one transaction: per invoice one `credit_note` write-back (purpose `cancellation`, source key
 *    `cancel:<id>:<invoice>`) with a line per cancelled line, allocated to what the invoice still
 *    owes — the part already paid stays on the note as the customer's unallocated credit, which the
 *    Exceptions queue lists to refund, apply or keep; the discount offers on those invoices withdrawn;
 *    a plan whose invoices then owe nothing cancelled with its unpaid instalments; reminders on the
 *    invoices the credit settles excluded, on the ones still owing paused for a day (until the
 *    credit is in Arcus's copy), each with the reason in words; one timeline entry per step, its id
 *    derived from the row;
 * 3. the write-backs queued (a crash before this leaves them pending: the sweep queues them);
 * 4. the debtor told once (claimed `debtor_notified_at`, Message-ID from the row id).
 *
 * Runs in the caller's firm scope.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { addDays, addMonths, type CalendarDate, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound, unprocessable } from '../../kernel/errors';
import { formatAmount, type Minor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { activities, cancellations, contacts, discountOffers, firms, invoiceLines, invoices, paymentPlanInstalments, paymentPlans, reminderInvoiceHolds } from '../db/schema';
import type { Logger } from '../logger';
import { debtorNotifiedClaim, tellDebtorOnce } from '../reminders/debtor-once';
import { loadOrgWithSettings, type OrgWithSettings } from '../reminders/load';
import type { OneOffMail } from '../reminders/one-off';
import { maskList } from '../reminders/recipients';
import { formatMoney, minorOf } from '../reminders/render';
import { derivedId } from '../returns/service';
import { type RequestInput, requestWritebacksIn } from '../writebacks/request';
import type { WritebackKind } from '../writebacks/types';
import { CANCEL_METHODS, CancelError, type CancelInvoice, type CancellationResult, checkSchedule, DEFAULT_SCHEDULE, linesOf, type OfferFact, type PlanFact, periodFromText, planCancellation, type ScheduleRow } from './core';
import { cancellationNotice } from './words';

export interface CancelDeps {
  db: Db;
  enqueueExecute(writebackId: string, attempt?: number, kind?: WritebackKind): Promise<void>;
  now(): Date;
  /** null: no email on this server (the debtor is not told; said on the timeline). */
  mail: OneOffMail | null;
  log?: Logger;
}

const Day = z.string({ message: 'Enter a date.' }).refine(isCalendarDate, { message: 'Enter a date.' });

export const CancelInputSchema = z
  .object({
    organisationId: z.uuid({ message: 'Choose the client again: this one does not exist.' }),
    customerId: z.uuid({ message: 'Choose the customer again: this one does not exist.' }),
    invoices: z
      .array(
        z
          .object({
            invoiceId: z.uuid({ message: 'Choose the invoice again: this one does not exist.' }),
            lines: z.union([z.literal('all'), z.array(z.number().int().min(0).max(10_000)).min(1, { message: 'Choose at least one line.' }).max(200)]),
          })
          .strict(),
      )
      .min(1, { message: 'Choose at least one invoice.' })
      .max(50, { message: 'Cancel at most 50 invoices at once.' }),
    serviceStart: Day,
    serviceEnd: Day,
    effectiveDate: Day,
    method: z.enum(CANCEL_METHODS, { message: 'Choose how to work out the credit.' }),
    reason: z.string({ message: 'Say why the service is cancelled.' }).trim().min(1, { message: 'Say why the service is cancelled.' }).max(500, { message: 'Keep the reason under 500 characters.' }),
  })
  .strict();
export type CancelInput = z.infer<typeof CancelInputSchema>;
export const ConfirmCancelSchema = CancelInputSchema.extend({ requestId: z.uuid({ message: 'Reload the page and try again.' }) }).strict();

export const ScheduleSchema = z
  .array(z.object({ throughMonth: z.number().int().min(1).max(120), percent: z.string().regex(/^\d{1,3}(\.\d{1,2})?$/, { message: 'Enter a percentage such as 50 or 37.5.' }) }).strict())
  .max(24, { message: 'Keep the schedule to 24 rows.' });

const METHOD_WORDS = { by_days: 'By unused days', fixed_schedule: 'Fixed schedule' } as const;

// ---- the firm's fixed schedule ------------------------------------------------------------------

export async function getSchedule(db: Db, firmId: string): Promise<ScheduleRow[]> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!row) throw notFound('No such firm.');
  const parsed = ScheduleSchema.safeParse((row.settings as { cancellations?: { schedule?: unknown } } | null)?.cancellations?.schedule);
  return parsed.success ? parsed.data : [...DEFAULT_SCHEDULE];
}

export async function setSchedule(db: Db, firmId: string, schedule: ScheduleRow[]): Promise<ScheduleRow[]> {
  try {
    checkSchedule(schedule);
  } catch (err) {
    if (err instanceof CancelError) throw invalidField('schedule', err.message, 'invalid_schedule');
    throw err;
  }
  await db
    .update(firms)
    .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('cancellations', jsonb_build_object('schedule', ${JSON.stringify(schedule)}::jsonb))` })
    .where(eq(firms.id, firmId));
  return schedule;
}

/** The schedule in words: "75% in the first month; 50% up to month 3; 25% up to month 6; nothing after". */
export function scheduleWords(rows: readonly ScheduleRow[]): string {
  if (rows.length === 0) return 'Nothing is credited once the service has started.';
  const parts = rows.map((r, i) => `${r.percent}% ${r.throughMonth === 1 ? 'in the first month' : i === 0 ? `in the first ${r.throughMonth} months` : `up to month ${r.throughMonth}`}`);
  return `${parts.join('; ')}; nothing after.`.replace(/^./, (c) => c.toUpperCase());
}

// ---- loading --------------------------------------------------------------------------------------

interface Customer {
  org: OrgWithSettings;
  contactId: string;
  contactExternalId: string;
  name: string;
}

async function loadCustomer(db: Db, firmId: string, organisationId: string, customerId: string): Promise<Customer> {
  const org = await loadOrgWithSettings(db, organisationId);
  if (!org || org.firmId !== firmId) throw notFound('No such client.');
  const [c] = await db
    .select({ id: contacts.id, externalId: contacts.externalId, name: contacts.name })
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), eq(contacts.organisationId, organisationId), eq(contacts.id, customerId)));
  if (!c) throw notFound('No such customer for this client.');
  return { org, contactId: c.id, contactExternalId: c.externalId, name: c.name };
}

type InvoiceRow = typeof invoices.$inferSelect;

const money = (m: Minor, currency: string, org: { countryCode: string | null }) => formatMoney(m, currency, org.countryCode);

async function linesByInvoice(db: Db, firmId: string, rows: readonly InvoiceRow[]): Promise<Map<string, ReturnType<typeof linesOf>>> {
  const ids = rows.map((r) => r.id);
  const all = ids.length ? await db.select().from(invoiceLines).where(and(eq(invoiceLines.firmId, firmId), inArray(invoiceLines.invoiceId, ids))) : [];
  const out = new Map<string, ReturnType<typeof linesOf>>();
  for (const inv of rows) {
    const raw = (inv.raw ?? {}) as { LineAmountTypes?: string };
    const inclusive = String(raw.LineAmountTypes ?? '').toLowerCase() === 'inclusive';
    const own = all
      .filter((l) => l.invoiceId === inv.id)
      .sort((a, b) => a.lineNo - b.lineNo)
      .map((l) => {
        const amount = minorOf(l.lineAmount, inv.currency);
        const tax = minorOf(l.taxAmount, inv.currency);
        // Xero "tax inclusive" lines carry their tax inside the line amount.
        return { lineNo: l.lineNo, description: l.description || 'Line', net: inclusive ? amount - tax : amount, tax, taxCode: l.taxCode };
      });
    out.set(inv.id, linesOf({ number: inv.number, total: minorOf(inv.total, inv.currency), totalTax: minorOf(inv.totalTax, inv.currency) }, own));
  }
  return out;
}

const openOf = (inv: InvoiceRow) => (inv.status === 'authorised' ? Math.max(0, minorOf(inv.amountDue, inv.currency)) : 0);

export interface CancellableInvoice {
  id: string;
  number: string;
  issueDateText: string;
  totalText: string;
  openText: string;
  statusText: string;
  lines: { lineNo: number; description: string; totalText: string }[];
  /** The service period read from the lines' descriptions (or a year from the issue date), as calendar dates for the form. */
  period: { start: CalendarDate; end: CalendarDate; fromText: boolean };
}

/** The customer's invoices that can be cancelled (open or paid, with something on them), newest first, in words. */
export async function cancellableInvoices(db: Db, firmId: string, organisationId: string, customerId: string): Promise<{ customerName: string; invoices: CancellableInvoice[]; schedule: ScheduleRow[]; scheduleText: string }> {
  const cust = await loadCustomer(db, firmId, organisationId, customerId);
  const rows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, organisationId), eq(invoices.contactExternalId, cust.contactExternalId), inArray(invoices.status, ['authorised', 'paid']), sql`${invoices.total} > 0`))
    .orderBy(sql`${invoices.issueDate} DESC`, invoices.number)
    .limit(100);
  const lines = await linesByInvoice(db, firmId, rows);
  const schedule = await getSchedule(db, firmId);
  return {
    customerName: cust.name,
    schedule,
    scheduleText: scheduleWords(schedule),
    invoices: rows.map((inv) => {
      const ls = lines.get(inv.id) ?? [];
      const found = periodFromText(ls.map((l) => l.description).join(' '));
      const open = openOf(inv);
      return {
        id: inv.id,
        number: inv.number || 'Without a number',
        issueDateText: longDate(inv.issueDate),
        totalText: money(minorOf(inv.total, inv.currency), inv.currency, cust.org),
        openText: money(open, inv.currency, cust.org),
        statusText: inv.status === 'paid' ? 'Paid' : open < minorOf(inv.total, inv.currency) ? 'Part paid' : 'Open',
        lines: ls.map((l) => ({ lineNo: l.lineNo, description: l.description, totalText: money(l.net + l.tax, inv.currency, cust.org) })),
        period: found ? { ...found, fromText: true } : { start: inv.issueDate, end: addMonths(inv.issueDate, 12), fromText: false },
      };
    }),
  };
}

interface Working {
  cust: Customer;
  rows: InvoiceRow[];
  result: CancellationResult;
  today: CalendarDate;
  schedule: ScheduleRow[] | null;
}

async function work(db: Db, firmId: string, input: CancelInput, now: Date): Promise<Working> {
  const cust = await loadCustomer(db, firmId, input.organisationId, input.customerId);
  const ids = [...new Set(input.invoices.map((i) => i.invoiceId))];
  if (ids.length !== input.invoices.length) throw invalidField('invoices', 'Choose each invoice once.', 'invalid_input');
  const rows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, input.organisationId), inArray(invoices.id, ids)));
  if (rows.length !== ids.length || rows.some((r) => r.contactExternalId !== cust.contactExternalId)) throw notFound('One of the invoices is not this customer’s. Reload the page.');
  for (const r of rows) if (r.status !== 'authorised' && r.status !== 'paid') throw unprocessable(`Invoice ${r.number || 'without a number'} is ${r.status === 'voided' ? 'voided' : r.status === 'deleted' ? 'deleted' : 'not approved yet'}; only open or paid invoices can be cancelled.`, 'invoice_not_cancellable');
  const lines = await linesByInvoice(db, firmId, rows);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const cancelInvoices: CancelInvoice[] = input.invoices.map((choice) => {
    const inv = byId.get(choice.invoiceId)!;
    return { invoiceId: inv.id, number: inv.number, currency: inv.currency, open: openOf(inv), lines: lines.get(inv.id) ?? [], chosen: choice.lines };
  });
  const [plans, offers] = await Promise.all([plansOver(db, firmId, input.organisationId, ids), offersOn(db, firmId, input.organisationId, ids)]);
  const schedule = input.method === 'fixed_schedule' ? await getSchedule(db, firmId) : null;
  let result: CancellationResult;
  try {
    result = planCancellation({ invoices: cancelInvoices, terms: { start: input.serviceStart, end: input.serviceEnd, effective: input.effectiveDate, method: input.method, schedule: schedule ?? undefined }, plans, offers });
  } catch (err) {
    if (err instanceof CancelError) throw invalidField(err.problem.field === 'end' ? 'serviceEnd' : err.problem.field, err.message, 'invalid_input');
    throw err;
  }
  return { cust, rows, result, today: todayIn(cust.org.timezone, now), schedule };
}

async function plansOver(db: Db, firmId: string, organisationId: string, invoiceIds: string[]): Promise<PlanFact[]> {
  const plans = await db
    .select()
    .from(paymentPlans)
    .where(and(eq(paymentPlans.firmId, firmId), eq(paymentPlans.organisationId, organisationId), eq(paymentPlans.status, 'active'), sql`${paymentPlans.invoiceIds} && ARRAY[${sql.join(invoiceIds.map((i) => sql`${i}::uuid`), sql`, `)}]`));
  const out: PlanFact[] = [];
  for (const p of plans) {
    const covered = p.invoiceIds.length ? await db.select().from(invoices).where(and(eq(invoices.firmId, firmId), inArray(invoices.id, p.invoiceIds))) : [];
    const inst = await db.select().from(paymentPlanInstalments).where(eq(paymentPlanInstalments.planId, p.id));
    out.push({
      planId: p.id,
      invoiceIds: p.invoiceIds,
      postsInvoices: p.postInvoices,
      owed: covered.reduce((s, c) => s + openOf(c), 0),
      instalments: inst
        .filter((s) => s.status !== 'cancelled')
        .sort((a, b) => a.seq - b.seq)
        .map((s) => ({ seq: s.seq, amount: minorOf(s.amount, p.currency), paid: s.status === 'paid' ? minorOf(s.amount, p.currency) : 0, status: s.status as 'paid' | 'due' | 'missed', dueDate: s.dueDate })),
    });
  }
  return out;
}

async function offersOn(db: Db, firmId: string, organisationId: string, invoiceIds: string[]): Promise<OfferFact[]> {
  const rows = await db
    .select()
    .from(discountOffers)
    .where(and(eq(discountOffers.firmId, firmId), eq(discountOffers.organisationId, organisationId), inArray(discountOffers.invoiceId, invoiceIds), eq(discountOffers.status, 'offered')));
  return rows.map((o) => ({ offerId: o.id, invoiceId: o.invoiceId, discount: minorOf(o.discount, o.currency), currency: o.currency, expiresOn: o.expiresOn }));
}

// ---- preview ----------------------------------------------------------------------------------------

export interface CancelPreview {
  currency: string;
  methodText: string;
  periodText: string;
  /** One row per cancelled line. */
  lines: { key: string; invoiceNumber: string; description: string; lineTotalText: string; creditText: string }[];
  invoices: { invoiceNumber: string; openText: string; creditText: string; allocatedText: string; leftAsCreditText: string }[];
  creditText: string;
  allocatedText: string;
  leftAsCreditText: string;
  /** "£X will be left as credit for the customer — apply it to another invoice or keep it as credit from Exceptions"; null when nothing is. */
  leftAsCreditSentence: string | null;
  /** What stops, in sentences: plans and instalments, discount offers, reminders. */
  stops: string[];
  nothingToCredit: boolean;
}

function previewOf(w: Working, input: CancelInput): CancelPreview {
  const { result, cust } = w;
  const currency = w.rows[0]!.currency;
  const m = (x: Minor) => money(x, currency, cust.org);
  const byId = new Map(w.rows.map((r) => [r.id, r]));
  const num = (id: string) => byId.get(id)?.number || 'without a number';
  const stops: string[] = [];
  for (const p of result.plans) {
    if (p.kind === 'ends') stops.push(`The payment plan ends now: ${p.cancels.length === 0 ? 'it has no unpaid instalments' : `${p.cancels.length} unpaid instalment${p.cancels.length === 1 ? '' : 's'} (${m(p.cancels.reduce((s, c) => s + c.amount, 0))}) will not be asked for`}.`);
    else if (p.kind === 'shrinks') stops.push(`The payment plan asks for ${m(p.by)} less once the credit is in the ledger: ${p.changes.map((c) => (c.to === 0 ? `instalment ${c.seq} is cancelled` : `instalment ${c.seq} becomes ${m(c.to)}`)).join(', ')}.`);
    else stops.push(`The payment plan’s instalments are invoices in the ledger already: Arcus leaves them as they are — credit or void the ones no longer owed, or cancel the plan.`);
  }
  for (const o of result.offers) stops.push(`The early-payment discount of ${m(o.discount)} offered on invoice ${num(o.invoiceId)} is withdrawn.`);
  for (const i of result.invoices) {
    if (i.credit === 0 || i.open === 0) continue;
    stops.push(i.settles ? `Reminders stop for invoice ${num(i.invoiceId)}: nothing more is owed on it.` : `Reminders for invoice ${num(i.invoiceId)} wait a day, then ask only for the ${m(i.open - i.allocated)} still owed.`);
  }
  return {
    currency,
    methodText: input.method === 'by_days' ? METHOD_WORDS.by_days : `${METHOD_WORDS.fixed_schedule}: ${scheduleWords(w.schedule ?? [])}`,
    periodText: `Service from ${longDate(input.serviceStart)} until ${longDate(input.serviceEnd)}, cancelled from ${longDate(input.effectiveDate)}`,
    lines: result.invoices.flatMap((i) => i.lines.map((l) => ({ key: `${i.invoiceId}:${l.lineNo}`, invoiceNumber: num(i.invoiceId), description: l.description, lineTotalText: m(l.lineTotal), creditText: m(l.credit) }))),
    invoices: result.invoices.map((i) => ({ invoiceNumber: num(i.invoiceId), openText: m(i.open), creditText: m(i.credit), allocatedText: m(i.allocated), leftAsCreditText: m(i.leftAsCredit) })),
    creditText: m(result.credit),
    allocatedText: m(result.allocated),
    leftAsCreditText: m(result.leftAsCredit),
    leftAsCreditSentence: result.leftAsCredit > 0 ? `${m(result.leftAsCredit)} will be left as credit for the customer — apply it to another invoice or keep it as credit from Exceptions.` : null,
    stops,
    nothingToCredit: result.credit === 0,
  };
}

/** What the cancellation would do. Writes nothing. */
export async function previewCancellation(db: Db, firmId: string, input: CancelInput, now: Date): Promise<CancelPreview> {
  return previewOf(await work(db, firmId, input, now), input);
}

// ---- confirm ---------------------------------------------------------------------------------------

/** What is stored on the row: the working confirmed, so a repeat uses the same amounts. */
interface Stored {
  preview: CancelPreview;
  result: CancellationResult;
  invoices: { invoiceId: string; externalId: string; number: string }[];
  today: CalendarDate;
  customerName: string;
  contactId: string;
}

type Row = typeof cancellations.$inferSelect;

export interface ConfirmResult {
  cancellationId: string;
  created: boolean;
  preview: CancelPreview;
  /** The write-backs asked for (one credit note per invoice credited). */
  writebackIds: string[];
  debtorTold: boolean;
}

export async function confirmCancellation(deps: CancelDeps, auth: { firmId: string; userId: string }, input: z.infer<typeof ConfirmCancelSchema>): Promise<ConfirmResult> {
  const [existing] = await deps.db.select().from(cancellations).where(and(eq(cancellations.firmId, auth.firmId), eq(cancellations.requestId, input.requestId)));
  let row = existing;
  let created = false;
  if (!row) {
    const now = deps.now();
    const w = await work(deps.db, auth.firmId, input, now);
    if (w.result.credit === 0) throw unprocessable('Cancelling from that date credits nothing: the service period has ended by then.', 'nothing_to_credit');
    const stored: Stored = {
      preview: previewOf(w, input),
      result: w.result,
      invoices: w.rows.map((r) => ({ invoiceId: r.id, externalId: r.externalId, number: r.number })),
      today: w.today,
      customerName: w.cust.name,
      contactId: w.cust.contactId,
    };
    const currency = w.rows[0]!.currency;
    const [inserted] = await deps.db
      .insert(cancellations)
      .values({
        firmId: auth.firmId,
        organisationId: input.organisationId,
        requestId: input.requestId,
        contactExternalId: w.cust.contactExternalId,
        method: input.method,
        serviceStart: input.serviceStart,
        serviceEnd: input.serviceEnd,
        effectiveDate: input.effectiveDate,
        reason: input.reason,
        currency,
        credit: formatAmount(w.result.credit, currency),
        allocated: formatAmount(w.result.allocated, currency),
        leftAsCredit: formatAmount(w.result.leftAsCredit, currency),
        result: stored,
        createdByUserId: auth.userId,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted) {
      row = inserted;
      created = true;
    } else {
      [row] = await deps.db.select().from(cancellations).where(and(eq(cancellations.firmId, auth.firmId), eq(cancellations.requestId, input.requestId)));
      if (!row) throw new Error('cancellation conflict without a row');
    }
  }
  const writebackIds = await proceed(deps, row, auth.userId);
  const debtorTold = await notifyDebtor(deps, row);
  return { cancellationId: row.id, created, preview: (row.result as Stored).preview, writebackIds, debtorTold };
}

/** The steps after the row exists, each once (source keys, derived ids, guarded updates), in one transaction; then the queue. */
/**
 * A credit note line for a line's credit (decision 061): with the line's tax code, its net and tax
 * as the core prorated them (net + tax = the credit, to the cent); without one (or a credit with no
 * net), the whole credit, untaxed as before.
 */
export function creditLine(description: string, l: { credit: Minor; net: Minor; tax: Minor; taxCode?: string | null }, currency: string): { description: string; amount: string; taxCode?: string; tax?: string } {
  if (!l.taxCode || l.net <= 0) return { description, amount: formatAmount(l.credit, currency) };
  return { description, amount: formatAmount(l.net, currency), taxCode: l.taxCode, tax: formatAmount(l.tax, currency) };
}

async function proceed(deps: CancelDeps, row: Row, userId: string): Promise<string[]> {
  const s = row.result as Stored;
  const org = await loadOrgWithSettings(deps.db, row.organisationId);
  if (!org) throw notFound('No such client.');
  const now = deps.now();
  const m = (x: Minor) => money(x, row.currency, org);
  const effective = longDate(row.effectiveDate);
  const ext = new Map(s.invoices.map((i) => [i.invoiceId, i]));
  const inputs: RequestInput[] = [];
  for (const i of s.result.invoices) {
    if (i.credit === 0) continue;
    const inv = ext.get(i.invoiceId)!;
    const number = inv.number || 'without a number';
    inputs.push({
      firmId: row.firmId,
      organisationId: row.organisationId,
      kind: 'credit_note',
      purpose: 'cancellation',
      sourceKey: `cancel:${row.id}:${i.invoiceId}`,
      invoiceId: i.invoiceId,
      invoiceExternalId: inv.externalId,
      contactId: s.contactId,
      contactExternalId: row.contactExternalId,
      amount: formatAmount(i.credit, row.currency),
      currency: row.currency,
      request: {
        contactExternalId: row.contactExternalId,
        date: s.today,
        reference: `Cancellation of ${number} from ${row.effectiveDate}`.slice(0, 255),
        currency: row.currency,
        lines: i.lines.filter((l) => l.credit > 0).map((l) => creditLine(`Cancelled from ${effective}: ${l.description}`.slice(0, 400), l, row.currency)),
        allocateTo: i.allocated > 0 ? { invoiceExternalId: inv.externalId, amount: formatAmount(i.allocated, row.currency) } : null,
      },
      noteText: `Arcus: service cancelled from ${effective}; credit of ${m(i.credit)}${i.leftAsCredit > 0 ? `, ${m(i.leftAsCredit)} left as credit` : ''} (${row.reason})`.slice(0, 240),
      requestedBy: 'user',
      userId,
      summary: `Cancellation credit of ${m(i.credit)} on ${number}${i.leftAsCredit > 0 ? ` (${m(i.leftAsCredit)} left as the customer’s credit)` : ''}`,
    });
  }
  const entry = (step: string, summary: string, invoiceId: string | null, details: Record<string, unknown> = {}) => ({
    id: derivedId(row.id, step),
    firmId: row.firmId,
    organisationId: row.organisationId,
    actorType: 'user',
    actorUserId: userId,
    kind: `cancellation.${step.split(':')[0]}`,
    invoiceId,
    contactId: s.contactId,
    summary,
    details: { cancellationId: row.id, ...details },
    createdAt: now,
  });
  const results = await deps.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const r = inputs.length ? await requestWritebacksIn(tx, inputs, now) : [];
    await tx.insert(activities).values(entry('confirmed', `Service cancelled from ${effective} for ${s.customerName}: credit of ${m(s.result.credit)}${s.result.leftAsCredit > 0 ? `, of which ${m(s.result.leftAsCredit)} is left as credit` : ''} — ${row.reason}`, s.result.invoices.length === 1 ? s.result.invoices[0]!.invoiceId : null)).onConflictDoNothing();
    // Discount offers on the credited invoices: withdrawn (guarded: only what is still offered).
    const offerIds = s.result.offers.map((o) => o.offerId);
    if (offerIds.length) {
      const gone = await tx
        .update(discountOffers)
        .set({ status: 'withdrawn', updatedAt: now })
        .where(and(eq(discountOffers.firmId, row.firmId), inArray(discountOffers.id, offerIds), eq(discountOffers.status, 'offered')))
        .returning({ id: discountOffers.id });
      if (gone.length) await tx.insert(activities).values(entry('offers_withdrawn', `Early-payment discount${gone.length === 1 ? '' : 's'} withdrawn: the service was cancelled from ${effective}`, null, { offerIds: gone.map((g) => g.id) })).onConflictDoNothing();
    }
    // Plans whose invoices then owe nothing: cancelled, unpaid instalments with them.
    for (const p of s.result.plans) {
      if (p.kind !== 'ends') continue;
      const ended = await tx
        .update(paymentPlans)
        .set({ status: 'cancelled', updatedAt: now })
        .where(and(eq(paymentPlans.firmId, row.firmId), eq(paymentPlans.id, p.planId), eq(paymentPlans.status, 'active')))
        .returning({ id: paymentPlans.id });
      if (ended.length === 0) continue;
      await tx
        .update(paymentPlanInstalments)
        .set({ status: 'cancelled' })
        .where(and(eq(paymentPlanInstalments.firmId, row.firmId), eq(paymentPlanInstalments.planId, p.planId), inArray(paymentPlanInstalments.status, ['due', 'missed'])));
      await tx.insert(activities).values(entry(`plan_ended:${p.planId}`, `Payment plan ended: the service was cancelled from ${effective}; ${p.cancels.length} unpaid instalment${p.cancels.length === 1 ? '' : 's'} (${m(p.cancels.reduce((x, c) => x + c.amount, 0))}) will not be asked for`, null, { planId: p.planId })).onConflictDoNothing();
    }
    // Reminders: stopped on the invoices the credit settles, paused a day on the ones still owing.
    const stopped: string[] = [];
    for (const i of s.result.invoices) {
      if (i.credit === 0 || i.open === 0) continue;
      const inv = ext.get(i.invoiceId)!;
      const reason = i.settles ? `Service cancelled from ${effective}: nothing more is owed` : `Service partly cancelled from ${effective}: waiting for the credit to reach the ledger`;
      const set = i.settles ? { excluded: true, reason, updatedAt: now } : { pausedUntil: sql`greatest(${reminderInvoiceHolds.pausedUntil}, excluded.paused_until)`, reason, updatedAt: now };
      await tx
        .insert(reminderInvoiceHolds)
        .values({ firmId: row.firmId, organisationId: row.organisationId, invoiceExternalId: inv.externalId, excluded: i.settles, pausedUntil: i.settles ? null : addDays(s.today, 1), reason, updatedAt: now })
        .onConflictDoUpdate({ target: [reminderInvoiceHolds.organisationId, reminderInvoiceHolds.invoiceExternalId], set, setWhere: sql`${reminderInvoiceHolds.firmId} = ${row.firmId}` });
      stopped.push(`${i.settles ? 'stopped for' : 'paused a day for'} ${inv.number || 'an invoice without a number'}`);
    }
    if (stopped.length) await tx.insert(activities).values(entry('reminders', `Reminders ${stopped.join(', ')}: the service was cancelled from ${effective}`, null)).onConflictDoNothing();
    return r;
  });
  for (const [i, r] of results.entries()) if (r.created && r.status === 'pending') await deps.enqueueExecute(r.id, 0, inputs[i]!.kind);
  return results.map((r) => r.id);
}

/** The debtor's email, once: claimed before the send, the claim given back when nothing went out. */
async function notifyDebtor(deps: CancelDeps, row: Row): Promise<boolean> {
  const s = row.result as Stored;
  const note = async (summary: string, sent: boolean, createdAt: Date) => {
    await deps.db
      .insert(activities)
      .values({ id: derivedId(row.id, 'notice'), firmId: row.firmId, organisationId: row.organisationId, actorType: 'system', kind: 'cancellation.notice', contactId: s.contactId, summary, details: { cancellationId: row.id, sent }, createdAt })
      .onConflictDoNothing();
  };
  if (row.debtorNotifiedAt) return true;
  const told = await tellDebtorOnce(deps, {
    firmId: row.firmId,
    org: row.organisationId,
    contactExternalId: row.contactExternalId,
    claim: debtorNotifiedClaim(deps.db, cancellations, row),
    messageKey: `cancellation.${row.id}`,
    giveBack: 'any',
    words: ({ language, names, money, date }) => {
      const m = (x: Minor) => money(x, row.currency);
      const numbers = new Map(s.invoices.map((i) => [i.invoiceId, i.number || null]));
      return cancellationNotice(language, {
        ...names,
        effectiveText: date(row.effectiveDate),
        invoices: s.result.invoices.filter((i) => i.credit > 0).map((i) => ({ number: numbers.get(i.invoiceId) ?? null, creditText: m(i.credit), allocatedText: i.allocated > 0 ? m(i.allocated) : null, leftText: i.leftAsCredit > 0 ? m(i.leftAsCredit) : null, stillOwedText: i.open - i.allocated > 0 ? m(i.open - i.allocated) : null })),
        totalText: m(s.result.credit),
        leftText: s.result.leftAsCredit > 0 ? m(s.result.leftAsCredit) : null,
        planEnded: s.result.plans.some((p) => p.kind === 'ends'),
      });
    },
  });
  switch (told.kind) {
    case 'skipped':
      await note(`The customer was not told about the cancellation: ${told.why}`, false, deps.now());
      return false;
    case 'no_organisation':
      return false;
    case 'claimed_elsewhere':
      return true;
    case 'sent':
      await note(`Told ${maskList(told.to)} what the cancellation credited`, true, told.at);
      return true;
    case 'not_sent':
      deps.log?.warn({ cancellationId: row.id, kind: told.failure }, 'cancellation notice not sent');
      return false;
  }
}

/** A customer's cancellations, newest first, in words. */
export async function listCancellations(db: Db, firmId: string, organisationId: string, customerId: string): Promise<{ id: string; createdText: string; periodText: string; creditText: string; leftAsCreditText: string; reason: string; statusText: string }[]> {
  const cust = await loadCustomer(db, firmId, organisationId, customerId);
  const rows = await db
    .select()
    .from(cancellations)
    .where(and(eq(cancellations.firmId, firmId), eq(cancellations.organisationId, organisationId), eq(cancellations.contactExternalId, cust.contactExternalId)))
    .orderBy(sql`${cancellations.createdAt} DESC`)
    .limit(50);
  const out = [];
  for (const r of rows) {
    const states = await queryRows<{ status: string }>(db, sql`SELECT status FROM writebacks WHERE firm_id = ${firmId}::uuid AND source_key LIKE ${`cancel:${r.id}:%`}`);
    const done = states.length > 0 && states.every((x) => x.status === 'confirmed');
    const waiting = states.some((x) => x.status === 'awaiting_approval' || x.status === 'awaiting_client');
    const failed = states.some((x) => x.status === 'failed' || x.status === 'rejected');
    out.push({
      id: r.id,
      createdText: longDate(todayIn(cust.org.timezone, r.createdAt)),
      periodText: `Cancelled from ${longDate(r.effectiveDate)}`,
      creditText: money(minorOf(r.credit, r.currency), r.currency, cust.org),
      leftAsCreditText: money(minorOf(r.leftAsCredit, r.currency), r.currency, cust.org),
      reason: r.reason,
      statusText: failed ? 'A credit note could not be written: see Write-backs' : waiting ? 'Waiting for approval' : done ? 'Credited in the ledger' : 'Being written to the ledger',
    });
  }
  return out;
}
