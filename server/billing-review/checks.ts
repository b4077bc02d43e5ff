/**
 * Billing review's checks (issue #21), pure: an invoice awaiting dispatch and what Arcus knows
 * about its customer and organisation in, findings in words out — each with its evidence, so the
 * reviewer sees why ("Due 3 March 2026, before it was issued on 10 March 2026"). Money in minor
 * units (kernel/money), dates as calendar days in the organisation's time zone.
 */
import { type CalendarDate, diffDays, longDate } from '../../kernel/dates';
import { formatMoneyIn, type Minor } from '../../kernel/money';

export const CHECKS = ['no_email', 'bounced_email', 'due_before_issue', 'terms', 'amount', 'duplicate', 'purchase_order', 'currency', 'tax'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Finding {
  check: CheckName;
  /** The finding in words, with its evidence. */
  text: string;
}

export const FREQUENCIES = ['per_job', 'weekly', 'monthly', 'quarterly', 'annually'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const FREQUENCY_WORDS: Record<Frequency, string> = { per_job: 'Per job', weekly: 'Weekly', monthly: 'Monthly', quarterly: 'Quarterly', annually: 'Annually' };

/** The firm's policy for a customer type ('' = customers without a type). */
export interface BillingPolicy {
  customerType: string;
  termsDays: number;
  frequency: Frequency;
  requiresPurchaseOrder: boolean;
}

export interface ReviewInvoice {
  externalId: string;
  number: string;
  reference: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: Minor;
  totalTax: Minor;
}

/** An earlier invoice to the same customer (not voided or deleted). */
export interface PastInvoice {
  externalId: string;
  number: string;
  issueDate: CalendarDate;
  currency: string;
  total: Minor;
}

export interface CustomerFacts {
  /** The addresses the ledger would email the invoice to. */
  emails: readonly string[];
  /** Of those, the ones a delivery report said bounced, with the day of the bounce. */
  bounced: readonly { address: string; on: CalendarDate }[];
  /** Terms agreed with this customer in the ledger (days after the invoice date); null when none. */
  agreedTermsDays: number | null;
  /** The customer's type in Arcus (its group); null when it has none. */
  customerType: string | null;
  /** Earlier invoices, any order. */
  history: readonly PastInvoice[];
}

export interface OrganisationFacts {
  /** Invoices of the last 12 months considered, and how many carried tax. */
  invoicesConsidered: number;
  invoicesWithTax: number;
}

export interface CheckOptions {
  /** Same customer, same total, issued within this many days: a probable duplicate. */
  duplicateWindowDays: number;
  /** Flag an amount at least this many times the usual, or at most its inverse. */
  amountFactor: number;
  /** The usual amount needs at least this many earlier invoices in the currency. */
  amountMinHistory: number;
  /** The usual amount is the median of at most this many latest invoices. */
  amountHistory: number;
  /** The organisation "charges tax" when at least this share of its invoices (of at least `taxMinInvoices`) carry it. */
  taxShare: number;
  taxMinInvoices: number;
  locale: string;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = { duplicateWindowDays: 14, amountFactor: 3, amountMinHistory: 3, amountHistory: 12, taxShare: 0.5, taxMinInvoices: 5, locale: 'en-GB' };

export interface CheckInput {
  invoice: ReviewInvoice;
  customer: CustomerFacts;
  organisation: OrganisationFacts;
  /** The firm's billing policies (the customer type's, else the '' one for customers without a type). */
  policies: readonly BillingPolicy[];
  options?: Partial<CheckOptions>;
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** No address to send the invoice to. */
export function checkEmail(c: CustomerFacts): Finding | null {
  if (c.emails.length === 0) return { check: 'no_email', text: 'The customer has no email address in the ledger, so the invoice cannot be emailed.' };
  const bounced = c.emails.filter((e) => c.bounced.some((b) => b.address.toLowerCase() === e.trim().toLowerCase()));
  if (bounced.length === 0) return null;
  const last = c.bounced.map((b) => b.on).sort().at(-1)!;
  const text =
    bounced.length === c.emails.length
      ? `Every email address the customer has bounced (the latest on ${longDate(last)}), so the invoice would not arrive.`
      : `${bounced.length} of the customer’s ${c.emails.length} email addresses bounced (the latest on ${longDate(last)}).`;
  return { check: 'bounced_email', text };
}

export function checkDueBeforeIssue(inv: ReviewInvoice): Finding | null {
  if (!inv.dueDate || inv.dueDate >= inv.issueDate) return null;
  return { check: 'due_before_issue', text: `Due ${longDate(inv.dueDate)}, before it was issued on ${longDate(inv.issueDate)}.` };
}

/** The policy for a customer type: its own, else the one for customers without a type. */
export function policyFor(policies: readonly BillingPolicy[], customerType: string | null): BillingPolicy | null {
  return policies.find((p) => customerType !== null && p.customerType === customerType) ?? policies.find((p) => p.customerType === '') ?? null;
}

const typeWords = (p: BillingPolicy) => (p.customerType === '' ? 'customers without a type' : `${p.customerType} customers`);

/** Terms that differ from what was agreed with the customer, or else from the firm's policy for its type. */
export function checkTerms(inv: ReviewInvoice, c: CustomerFacts, policies: readonly BillingPolicy[]): Finding | null {
  if (!inv.dueDate || inv.dueDate < inv.issueDate) return null;
  const terms = diffDays(inv.issueDate, inv.dueDate);
  const given = `Terms are ${days(terms)} (due ${longDate(inv.dueDate)})`;
  if (c.agreedTermsDays !== null) {
    return terms === c.agreedTermsDays ? null : { check: 'terms', text: `${given}; the terms agreed with this customer are ${days(c.agreedTermsDays)}.` };
  }
  const policy = policyFor(policies, c.customerType);
  if (!policy || terms === policy.termsDays) return null;
  return { check: 'terms', text: `${given}; the firm’s policy for ${typeWords(policy)} is ${days(policy.termsDays)}.` };
}

/** The median of minor amounts (the mean of the middle two, rounded half away from zero, for an even count). */
export function medianMinor(values: readonly Minor[]): Minor {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length % 2 === 1) return s[mid]!;
  const sum = s[mid - 1]! + s[mid]!;
  return sum % 2 === 0 ? sum / 2 : Math.sign(sum) * Math.ceil(Math.abs(sum) / 2);
}

const byLatest = (a: PastInvoice, b: PastInvoice) => (a.issueDate === b.issueDate ? b.externalId.localeCompare(a.externalId) : b.issueDate.localeCompare(a.issueDate));

/** An amount far from the customer's usual: the median of its latest invoices in the same currency. */
export function checkAmount(inv: ReviewInvoice, c: CustomerFacts, o: CheckOptions): Finding | null {
  const past = c.history.filter((h) => h.currency === inv.currency && h.externalId !== inv.externalId && h.total > 0).sort(byLatest).slice(0, o.amountHistory);
  if (past.length < o.amountMinHistory || inv.total <= 0) return null;
  const usual = medianMinor(past.map((p) => p.total));
  if (usual <= 0) return null;
  const ratio = inv.total / usual;
  if (ratio < o.amountFactor && ratio > 1 / o.amountFactor) return null;
  const money = (u: Minor) => formatMoneyIn(u, inv.currency, o.locale);
  const times = ratio >= 10 ? ratio.toFixed(0) : ratio >= 0.1 ? ratio.toFixed(1) : ratio.toFixed(2);
  return { check: 'amount', text: `Amount ${money(inv.total)} is ${times} × this customer’s usual ${money(usual)} (median of the last ${past.length} invoices).` };
}

/** Same customer, same total and currency, issued within the window: probably the same invoice twice. */
export function checkDuplicate(inv: ReviewInvoice, c: CustomerFacts, o: CheckOptions): Finding | null {
  const twin = c.history
    .filter((h) => h.externalId !== inv.externalId && h.currency === inv.currency && h.total === inv.total && Math.abs(diffDays(h.issueDate, inv.issueDate)) <= o.duplicateWindowDays)
    .sort((a, b) => Math.abs(diffDays(a.issueDate, inv.issueDate)) - Math.abs(diffDays(b.issueDate, inv.issueDate)) || a.externalId.localeCompare(b.externalId))[0];
  if (!twin) return null;
  const gap = diffDays(twin.issueDate, inv.issueDate);
  const when = gap === 0 ? 'the same day' : gap > 0 ? `${days(gap)} earlier` : `${days(-gap)} later`;
  const name = twin.number ? `invoice ${twin.number}` : 'an invoice without a number';
  return { check: 'duplicate', text: `Probably a duplicate of ${name} for ${formatMoneyIn(twin.total, twin.currency, o.locale)} issued ${longDate(twin.issueDate)} (${when}).` };
}

export function checkPurchaseOrder(inv: ReviewInvoice, c: CustomerFacts, policies: readonly BillingPolicy[]): Finding | null {
  const policy = policyFor(policies, c.customerType);
  if (!policy?.requiresPurchaseOrder || inv.reference.trim() !== '') return null;
  return { check: 'purchase_order', text: `The firm’s policy for ${typeWords(policy)} needs a purchase-order reference, and the invoice has none.` };
}

/** A currency unlike the customer's: the one most of its earlier invoices are in. */
export function checkCurrency(inv: ReviewInvoice, c: CustomerFacts): Finding | null {
  const counts = new Map<string, number>();
  for (const h of c.history) if (h.externalId !== inv.externalId) counts.set(h.currency, (counts.get(h.currency) ?? 0) + 1);
  if (counts.size === 0 || counts.has(inv.currency)) return null;
  const [usual, n] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
  return { check: 'currency', text: `Invoiced in ${inv.currency}; this customer’s ${n === 1 ? 'earlier invoice is' : `${n} earlier invoices are`} in ${usual}.` };
}

/** No tax on an invoice of an organisation that charges it on most of its invoices. */
export function checkTax(inv: ReviewInvoice, org: OrganisationFacts, o: CheckOptions): Finding | null {
  if (inv.totalTax !== 0 || inv.total <= 0 || org.invoicesConsidered < o.taxMinInvoices) return null;
  const share = org.invoicesWithTax / org.invoicesConsidered;
  if (share < o.taxShare) return null;
  return { check: 'tax', text: `No tax on this invoice, though ${Math.round(share * 100)}% of this organisation’s invoices of the last 12 months carry tax.` };
}

/** Every check, in the order a reviewer reads them. */
export function runChecks(input: CheckInput): Finding[] {
  const o = { ...DEFAULT_CHECK_OPTIONS, ...input.options };
  const { invoice: inv, customer: c } = input;
  return [
    checkEmail(c),
    checkDueBeforeIssue(inv),
    checkTerms(inv, c, input.policies),
    checkAmount(inv, c, o),
    checkDuplicate(inv, c, o),
    checkPurchaseOrder(inv, c, input.policies),
    checkCurrency(inv, c),
    checkTax(inv, input.organisation, o),
  ].filter((f): f is Finding => f !== null);
}

/** Xero contact PaymentTerms.Sales as days after the invoice date (other kinds of terms are not compared). */
export function agreedTermsFromXero(raw: unknown): number | null {
  const sales = (raw as { paymentTerms?: { sales?: { day?: unknown; type?: unknown } } } | null)?.paymentTerms?.sales;
  if (!sales || String(sales.type ?? '').toUpperCase() !== 'DAYSAFTERBILLDATE') return null;
  const day = Number(sales.day);
  return Number.isInteger(day) && day >= 0 && day <= 365 ? day : null;
}
