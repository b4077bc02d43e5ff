/**
 * Per-customer figures for one organisation, each computed by the engine over that customer's
 * invoices (in the organisation's base currency).
 */
import type { CalendarDate } from '../../kernel/dates';
import { diffDays } from '../../kernel/dates';
import { type Aging, computeMetrics, type MetricInvoice, type Period } from '../domain/metrics';
import type { Minor } from '../../kernel/money';
import { type CustomerFigureKey, customerFigures } from './customer-figures';
import { overduePct } from './figures';
import { contactLink, type LedgerLinkTarget } from './ledger-links';
import type { ContactInfo } from './organisations';

export interface CustomerSummary {
  /** The contact's id in Arcus (null when the ledger contact has not been synced). */
  customerId: string | null;
  externalId: string;
  name: string;
  email: string | null;
  invoices: number;
  openInvoices: number;
  arEnd: Minor;
  overdue: Minor;
  overduePct: number | null;
  aging: Aging;
  oldestDaysPastDue: number | null;
  creditSales: Minor;
  collected: Minor;
  /** AR / S × D: kept for the CSV; not shown, as one customer's sales make it meaningless (customer-figures.ts). */
  dso: number | null;
  cei: number | null;
  dbt: number | null;
  avgDaysToPay: number | null;
  /** Days beyond terms of the invoices paid in the period (= dbt), under its plain name. */
  avgDaysLate: number | null;
  /** Countback ADD. */
  add: number | null;
  dsoCountback: number | null;
  /** Why each blank figure is blank. */
  why: Partial<Record<CustomerFigureKey, string>>;
  lastPaymentDate: CalendarDate | null;
  link: string;
}

/** ASCII letters folded to lower case, nothing else: what PostgreSQL's lower() does under the "C" collation. */
export function foldAscii(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function codePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The customers' name order, a total order PostgreSQL reproduces (customer-list-sql.ts, decision
 * 050): the name with ASCII letters folded, then the name, then the ledger id, in code-point order.
 */
export function compareNames(a: { name: string; externalId: string }, b: { name: string; externalId: string }): number {
  return codePoints(foldAscii(a.name), foldAscii(b.name)) || codePoints(a.name, b.name) || codePoints(a.externalId, b.externalId);
}

/** Balance after the settlements dated on or before `day`. */
export function metricBalanceAt(inv: MetricInvoice, day: CalendarDate): Minor {
  let b = inv.total;
  for (const s of inv.settlements) if (s.date <= day) b -= s.amount;
  return b;
}

export function groupByCustomer(list: readonly MetricInvoice[]): Map<string, MetricInvoice[]> {
  const out = new Map<string, MetricInvoice[]>();
  for (const inv of list) {
    const g = out.get(inv.customerId);
    if (g) g.push(inv);
    else out.set(inv.customerId, [inv]);
  }
  return out;
}

export function primaryEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  const list = emails.filter((e): e is { address: string; primary?: boolean } => typeof e?.address === 'string' && e.address.trim() !== '');
  return (list.find((e) => e.primary) ?? list[0])?.address ?? null;
}

/**
 * One row per customer: every customer contact (even without invoices) and every customer id
 * found on invoices (a contact the sync has not brought in yet is named by its id).
 */
export function summariseCustomers(base: readonly MetricInvoice[], contacts: readonly ContactInfo[], period: Period, provider: LedgerLinkTarget): CustomerSummary[] {
  const groups = groupByCustomer(base);
  const byExternal = new Map(contacts.map((c) => [c.externalId, c]));
  const ids = new Set<string>([...contacts.filter((c) => c.isCustomer).map((c) => c.externalId), ...groups.keys()]);
  const rows: CustomerSummary[] = [];
  for (const externalId of ids) {
    const list = groups.get(externalId) ?? [];
    const contact = byExternal.get(externalId);
    const m = computeMetrics(list, period);
    const f = customerFigures(list, m);
    let open = 0;
    let oldest: number | null = null;
    let lastPayment: CalendarDate | null = null;
    for (const inv of list) {
      if (inv.issueDate <= period.to && metricBalanceAt(inv, period.to) > 0) {
        open += 1;
        const late = diffDays(inv.dueDate ?? inv.issueDate, period.to);
        if (late > 0 && (oldest === null || late > oldest)) oldest = late;
      }
      for (const s of inv.settlements) if (s.amount > 0 && s.date <= period.to && (lastPayment === null || s.date > lastPayment)) lastPayment = s.date;
    }
    rows.push({
      customerId: contact?.id ?? null,
      externalId,
      name: contact?.name ?? `Unknown contact ${externalId}`,
      email: contact ? primaryEmail(contact.emails) : null,
      invoices: list.length,
      openInvoices: open,
      arEnd: m.arEnd,
      overdue: m.arEnd - m.currentArEnd,
      overduePct: overduePct(m.arEnd, m.currentArEnd),
      aging: m.aging,
      oldestDaysPastDue: oldest,
      creditSales: m.creditSales,
      collected: m.collected,
      dso: m.dso,
      cei: m.cei,
      dbt: m.dbt,
      avgDaysToPay: m.avgDaysToPay,
      avgDaysLate: f.avgDaysLate,
      add: f.add,
      dsoCountback: f.dsoCountback,
      why: f.why,
      lastPaymentDate: lastPayment,
      link: contactLink(provider, externalId),
    });
  }
  return rows.sort((x, y) => y.arEnd - x.arEnd || compareNames(x, y));
}
