/**
 * The pure planner: from a policy per customer, the organisation's open invoices, customer and
 * invoice holds, promises / disputes / payment plans, unsubscribes, what was already claimed,
 * the organisation's zone and `now`, it says what is due to be sent and what is skipped (with a
 * reason). No I/O and no clock of its own: the run job, the preview, the CLI and the 30-day
 * simulation all call it with their `now`.
 *
 * Rules
 * - An invoice is a candidate while it is authorised, has a due date and an amount due > 0.
 * - Each policy step (and each repeat) is an occurrence dated due date + offset. Notices (on or
 *   before the due date) and the first overdue step go out on their day, the latest superseding
 *   the earlier ones (recorded as superseded); every later step is an escalation, due only once
 *   the step before it went out and its spacing has passed (policy.ts, dueOccurrence).
 * - At most `customerDailyLimit` reminders per customer per day (default 1), most advanced first.
 * - A claimed (subject, step) is never planned again; a skip for a reason that can lift
 *   (pause, exclusion, promise, dispute, plan, unsubscribe, no address) is revived while its
 *   step is still the current one.
 * - Grouped policies send at most one email per customer per local day (step key
 *   `day:<date>`), listing every overdue invoice; the invoices whose step triggered it get
 *   their own rows, so each (invoice, step) is still claimed exactly once.
 */
import type { CalendarDate } from '../../kernel/dates';
import { type ContactRules, contactsLeft, inContactHours } from './guardrails';
import { localClock } from './local-time';
import { dueOccurrence, indexPolicies, type Occurrence, occurrences, resolvePolicy, type StepHistory } from './policy';
import { chooseRecipients, type LedgerEmail, type RecipientChoice } from './recipients';
import { type Policy, REVIVABLE, type SendStatus, type SkipReason, type Step } from './types';

export interface PlanInvoice {
  id: string;
  externalId: string;
  contactExternalId: string;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: string;
  amountDue: string;
  amountCredited: string;
  amountPaid: string;
  /** Normalised ledger status: draft | submitted | authorised | paid | voided | deleted. */
  status: string;
  url: string | null;
}

export interface PlanCustomer {
  externalId: string;
  name: string;
  firstName: string | null;
  emails: LedgerEmail[];
  excluded: boolean;
  pausedUntil: CalendarDate | null;
  recipientsOverride: string[] | null;
  /** Lower-cased unsubscribed addresses. */
  unsubscribed: Set<string>;
  segment: string | null;
  /** On autopay with no charge failing (server/autopay/): reminders wait. Absent: not on autopay. */
  autopay?: boolean;
}

export interface InvoiceHold {
  excluded: boolean;
  pausedUntil: CalendarDate | null;
}

/** A promise to pay (until a date), an open dispute or an active payment plan (from activities, server/scoring/in-motion.ts). */
export interface ActivityHold {
  kind: 'promise' | 'dispute' | 'plan';
  invoiceExternalId: string | null;
  contactExternalId: string | null;
  /** Promises: the promised date (the hold lasts through it). Disputes and plans: null (until resolved). */
  until: CalendarDate | null;
}

export interface ExistingSend {
  status: SendStatus;
  skipReason: string | null;
  /** The local day it went out (sent, or its grouped email sent), or a person rejected it; null otherwise. */
  passedOn?: CalendarDate | null;
}

/** Went out, or a person decided it should not: the sequence may go on from it. */
export function stepHistory(ex: ExistingSend | undefined): StepHistory | undefined {
  if (!ex) return undefined;
  return { passed: ex.passedOn != null, on: ex.passedOn ?? null };
}

export const sendKey = (subjectType: 'invoice' | 'customer', subjectId: string, stepKey: string) => `${subjectType}\u0000${subjectId}\u0000${stepKey}`;

export interface PlanInput {
  now: Date;
  organisationId: string;
  timezone: string;
  policies: readonly Policy[];
  invoices: readonly PlanInvoice[];
  customers: ReadonlyMap<string, PlanCustomer>;
  invoiceHolds: ReadonlyMap<string, InvoiceHold>;
  activityHolds: readonly ActivityHold[];
  /** Existing rows by sendKey(). */
  existing: ReadonlyMap<string, ExistingSend>;
  /** At most this many reminders per customer per local day (default 1). */
  customerDailyLimit?: number;
  /** Reminders each customer already has today (sent today, or claimed and waiting). */
  customerToday?: ReadonlyMap<string, number>;
  /** A jurisdiction's contact limits (guardrails.ts): caps per customer and contact hours; absent: none. */
  contactRules?: ContactRules | null;
  /** When each customer was contacted recently (for the caps). */
  contactHistory?: ReadonlyMap<string, readonly Date[]>;
}

export interface PlannedTrigger {
  invoiceExternalId: string;
  occurrence: Occurrence;
  /** The (invoice, step) row exists as a revivable skip. */
  revive: boolean;
}

export interface PlannedSend {
  subjectType: 'invoice' | 'customer';
  subjectId: string;
  stepKey: string;
  contactExternalId: string;
  customerName: string;
  policyId: string | null;
  /** The occurrence whose template and approval apply (the furthest along, for a grouped email). */
  occurrence: Occurrence;
  /** Invoices the email lists. */
  invoiceExternalIds: string[];
  /** The (invoice, step) rows this send covers (one for a per-invoice email). */
  triggers: PlannedTrigger[];
  recipients: string[];
  revive: boolean;
}

export interface PlannedSkip {
  subjectType: 'invoice';
  subjectId: string;
  stepKey: string;
  contactExternalId: string;
  customerName: string;
  policyId: string | null;
  occurrence: Occurrence;
  reason: SkipReason;
}

/** A letter due to a customer today (server/letters/ prints it; the email run leaves it alone). */
export interface PlannedLetter {
  contactExternalId: string;
  customerName: string;
  policyId: string | null;
  /** The furthest-along letter step due (its template). */
  occurrence: Occurrence;
  triggers: PlannedTrigger[];
}

export interface PlanResult {
  today: CalendarDate;
  sends: PlannedSend[];
  /** Letter steps due today, one per customer (docs/decisions/042). */
  letters: PlannedLetter[];
  skips: PlannedSkip[];
  /** Rows awaiting approval for an occurrence a later one replaced: to be marked skipped (superseded). */
  supersede: { subjectType: 'invoice'; subjectId: string; stepKey: string }[];
}

export function isOpen(inv: Pick<PlanInvoice, 'status' | 'amountDue'>): boolean {
  return inv.status === 'authorised' && Number(inv.amountDue) > 0;
}

/** Why a closed invoice stopped: paid, credited or voided. */
export function closedReason(inv: Pick<PlanInvoice, 'status' | 'amountDue' | 'amountCredited' | 'amountPaid'>): SkipReason {
  if (inv.status === 'voided' || inv.status === 'deleted') return 'voided';
  if (inv.status === 'paid' || Number(inv.amountDue) <= 0) return Number(inv.amountPaid) <= 0 && Number(inv.amountCredited) > 0 ? 'credited' : 'paid';
  return 'closed';
}

function activeHold(h: ActivityHold, today: CalendarDate): boolean {
  return h.kind !== 'promise' || (h.until !== null && h.until >= today);
}

const HOLD_REASON: Record<ActivityHold['kind'], SkipReason> = { promise: 'promise_to_pay', dispute: 'disputed', plan: 'payment_plan' };

export interface HoldLookup {
  byInvoice: Map<string, ActivityHold[]>;
  byCustomer: Map<string, ActivityHold[]>;
}

export function indexHolds(holds: readonly ActivityHold[], today: CalendarDate): HoldLookup {
  const byInvoice = new Map<string, ActivityHold[]>();
  const byCustomer = new Map<string, ActivityHold[]>();
  for (const h of holds) {
    if (!activeHold(h, today)) continue;
    if (h.invoiceExternalId) byInvoice.set(h.invoiceExternalId, [...(byInvoice.get(h.invoiceExternalId) ?? []), h]);
    else if (h.contactExternalId) byCustomer.set(h.contactExternalId, [...(byCustomer.get(h.contactExternalId) ?? []), h]);
  }
  return { byInvoice, byCustomer };
}

/** What stops reminders for the whole customer today, if anything. */
export function customerBlock(customer: PlanCustomer, holds: HoldLookup, today: CalendarDate): SkipReason | null {
  if (customer.excluded) return 'customer_excluded';
  if (customer.pausedUntil && customer.pausedUntil >= today) return 'customer_paused';
  const h = holds.byCustomer.get(customer.externalId)?.[0];
  if (h) return HOLD_REASON[h.kind];
  return customer.autopay ? 'autopay' : null;
}

/** What stops reminders for one invoice today (its own holds only). */
export function invoiceBlock(invoiceExternalId: string, invoiceHolds: ReadonlyMap<string, InvoiceHold>, holds: HoldLookup, today: CalendarDate): SkipReason | null {
  const own = invoiceHolds.get(invoiceExternalId);
  if (own?.excluded) return 'invoice_excluded';
  if (own?.pausedUntil && own.pausedUntil >= today) return 'invoice_paused';
  const h = holds.byInvoice.get(invoiceExternalId)?.[0];
  return h ? HOLD_REASON[h.kind] : null;
}

export function recipientBlock(choice: RecipientChoice): SkipReason | null {
  if (choice.to.length > 0) return null;
  return choice.allUnsubscribed ? 'unsubscribed' : 'no_recipients';
}

/**
 * What stops a step of this channel before it is claimed: email needs a usable address; a text or
 * a call step is claimed and checks its number when it is sent (server/reminders/phone-steps.ts:
 * no number, an invalid one, or STOP → skipped with that reason); other channels are not built yet.
 */
export function channelBlock(channel: Step['channel'], recipients: RecipientChoice): SkipReason | null {
  if (channel === 'email') return recipientBlock(recipients);
  if (channel === 'sms' || channel === 'call') return null;
  return 'channel_unavailable';
}

export function recipientsOf(customer: PlanCustomer): RecipientChoice {
  return chooseRecipients({ emails: customer.emails, override: customer.recipientsOverride, unsubscribed: customer.unsubscribed });
}

export function unknownCustomer(externalId: string): PlanCustomer {
  return { externalId, name: 'Unknown customer', firstName: null, emails: [], excluded: false, pausedUntil: null, recipientsOverride: null, unsubscribed: new Set(), segment: null };
}

export function plan(input: PlanInput): PlanResult {
  const today = localClock(input.timezone, input.now).date;
  const index = indexPolicies(input.policies);
  const holds = indexHolds(input.activityHolds, today);
  const result: PlanResult = { today, sends: [], letters: [], skips: [], supersede: [] };

  const byCustomer = new Map<string, PlanInvoice[]>();
  for (const inv of input.invoices) {
    if (!isOpen(inv) || !inv.dueDate) continue;
    const list = byCustomer.get(inv.contactExternalId);
    if (list) list.push(inv);
    else byCustomer.set(inv.contactExternalId, [inv]);
  }

  const customerIds = [...byCustomer.keys()].sort();
  for (const contactExternalId of customerIds) {
    const invs = byCustomer.get(contactExternalId)!.sort((a, b) => (a.dueDate! < b.dueDate! ? -1 : a.dueDate! > b.dueDate! ? 1 : a.number.localeCompare(b.number)));
    const customer = input.customers.get(contactExternalId) ?? unknownCustomer(contactExternalId);
    const policy = resolvePolicy(index, { organisationId: input.organisationId, contactExternalId, segment: customer.segment });
    const policyId = policy.id === 'default' ? null : policy.id;
    const custBlock = customerBlock(customer, holds, today);
    const recipients = recipientsOf(customer);
    const triggers: PlannedTrigger[] = [];
    const letterTriggers: PlannedTrigger[] = [];
    const blocked = new Set<string>();

    for (const inv of invs) {
      const own = invoiceBlock(inv.externalId, input.invoiceHolds, holds, today);
      if (own) blocked.add(inv.externalId);
      const { current, earlier } = dueOccurrence(occurrences(policy.steps, inv.dueDate!), today, (o) => stepHistory(input.existing.get(sendKey('invoice', inv.externalId, o.key))));
      if (!current) continue;
      for (const e of earlier) {
        const ex = input.existing.get(sendKey('invoice', inv.externalId, e.key));
        if (!ex) result.skips.push({ subjectType: 'invoice', subjectId: inv.externalId, stepKey: e.key, contactExternalId, customerName: customer.name, policyId, occurrence: e, reason: 'superseded' });
        else if (ex.status === 'pending_approval') result.supersede.push({ subjectType: 'invoice', subjectId: inv.externalId, stepKey: e.key });
      }
      const ex = input.existing.get(sendKey('invoice', inv.externalId, current.key));
      const revive = ex?.status === 'skipped' && REVIVABLE.has(ex.skipReason as SkipReason);
      if (ex && !revive) continue;
      // A letter needs a postal address, checked when the letter is collected for printing (server/letters/).
      const reason = own ?? custBlock ?? (current.step.channel === 'letter' ? null : channelBlock(current.step.channel, recipients));
      if (reason) {
        if (!ex || ex.skipReason !== reason) result.skips.push({ subjectType: 'invoice', subjectId: inv.externalId, stepKey: current.key, contactExternalId, customerName: customer.name, policyId, occurrence: current, reason });
        continue;
      }
      if (current.step.channel === 'letter') letterTriggers.push({ invoiceExternalId: inv.externalId, occurrence: current, revive });
      else triggers.push({ invoiceExternalId: inv.externalId, occurrence: current, revive });
    }
    // Contact guardrails: what the jurisdiction still allows this customer (letters first), and its hours for the rest.
    let capLeft = input.contactRules ? contactsLeft(input.contactRules, input.contactHistory?.get(contactExternalId) ?? [], input.now) : Number.POSITIVE_INFINITY;
    if (letterTriggers.length && capLeft > 0) {
      capLeft -= 1;
      const lead = letterTriggers.reduce((a, b) => (b.occurrence.number > a.occurrence.number ? b : a));
      result.letters.push({ contactExternalId, customerName: customer.name, policyId, occurrence: lead.occurrence, triggers: letterTriggers });
    }
    if (triggers.length === 0) continue;
    if (input.contactRules && !inContactHours(input.contactRules, input.timezone, input.now)) continue;
    // At most `customerDailyLimit` a day for the customer (and what the guardrails leave), the most advanced steps first; the rest wait.
    const room = Math.min((input.customerDailyLimit ?? 1) - (input.customerToday?.get(contactExternalId) ?? 0), capLeft);
    if (room <= 0) continue;

    if (policy.grouping === 'invoice') {
      const ranked = [...triggers].sort((a, b) => b.occurrence.number - a.occurrence.number || b.occurrence.offsetDays - a.occurrence.offsetDays);
      for (const t of ranked.slice(0, room)) {
        result.sends.push({
          subjectType: 'invoice',
          subjectId: t.invoiceExternalId,
          stepKey: t.occurrence.key,
          contactExternalId,
          customerName: customer.name,
          policyId,
          occurrence: t.occurrence,
          invoiceExternalIds: [t.invoiceExternalId],
          triggers: [t],
          recipients: recipients.to,
          revive: t.revive,
        });
      }
      continue;
    }

    const groupKey = `day:${today}`;
    // One grouped email per customer per day: later triggers wait for tomorrow's.
    if (input.existing.has(sendKey('customer', contactExternalId, groupKey))) continue;
    const triggered = new Set(triggers.map((t) => t.invoiceExternalId));
    const listed = invs.filter((i) => triggered.has(i.externalId) || (i.dueDate! < today && !blocked.has(i.externalId))).map((i) => i.externalId);
    const lead = triggers.reduce((a, b) => (b.occurrence.number > a.occurrence.number ? b : a));
    result.sends.push({
      subjectType: 'customer',
      subjectId: contactExternalId,
      stepKey: groupKey,
      contactExternalId,
      customerName: customer.name,
      policyId,
      occurrence: lead.occurrence,
      invoiceExternalIds: listed,
      triggers,
      recipients: recipients.to,
      revive: false,
    });
  }
  return result;
}
