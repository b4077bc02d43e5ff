/**
 * An organisation's invoices as of a day, in each invoice's own currency: what has been paid
 * and credited by then, the balance, days past due and a status (open / overdue / paid).
 */
import { z } from 'zod';
import { type CalendarDate, diffDays, isCalendarDate } from '../../kernel/dates';
import { amountNumber } from '../domain/metrics';
import type { Minor } from '../../kernel/money';
import { invoiceLink, type LedgerLinkTarget } from './ledger-links';
import type { LedgerInvoice } from './ledger-invoices';

export const InvoiceListQuerySchema = z.object({
  status: z.enum(['all', 'open', 'overdue', 'paid']).default('all'),
  customer: z.string().min(1).max(200).optional(),
  q: z.string().max(200).optional(),
  asOf: z.string().refine(isCalendarDate, { message: 'Enter a date that exists on the calendar.' }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  /** The `nextCursor` of the previous page (opaque): the page after it, instead of `offset`. */
  cursor: z.string().min(1).max(2000).optional(),
});
export type InvoiceListQuery = z.infer<typeof InvoiceListQuerySchema>;

export interface InvoiceRow {
  id: string;
  externalId: string;
  number: string;
  reference: string;
  customerId: string | null;
  customerExternalId: string;
  customerName: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: Minor;
  paid: Minor;
  credited: Minor;
  balance: Minor;
  daysPastDue: number | null;
  status: 'open' | 'overdue' | 'paid';
  lastSettlementDate: CalendarDate | null;
  link: string;
}

export function invoiceRows(list: readonly LedgerInvoice[], names: Map<string, { id: string; name: string }>, asOf: CalendarDate, provider: LedgerLinkTarget): InvoiceRow[] {
  return list
    .filter((inv) => inv.issueDate <= asOf)
    .map((inv) => {
      let paid = 0;
      let credited = 0;
      let last: CalendarDate | null = null;
      for (const s of inv.settlements) {
        if (s.date > asOf) continue;
        if (s.kind === 'credit') credited += s.amount;
        else paid += s.amount;
        last = s.date;
      }
      const balance = Math.max(0, inv.total - paid - credited);
      const late = diffDays(inv.dueDate ?? inv.issueDate, asOf);
      const contact = names.get(inv.contactExternalId);
      return {
        id: inv.id,
        externalId: inv.externalId,
        number: inv.number,
        reference: inv.reference,
        customerId: contact?.id ?? inv.contactId,
        customerExternalId: inv.contactExternalId,
        customerName: contact?.name ?? inv.contactExternalId,
        issueDate: inv.issueDate,
        dueDate: inv.dueDate,
        currency: inv.currency,
        total: inv.total,
        paid,
        credited,
        balance,
        daysPastDue: balance > 0 && late > 0 ? late : null,
        status: balance <= 0 ? ('paid' as const) : late > 0 ? ('overdue' as const) : ('open' as const),
        lastSettlementDate: last,
        link: invoiceLink(provider, inv.externalId),
      };
    });
}

/**
 * Filter (open includes overdue) and order: most days past due first, then newest, then the
 * number and the ledger id in code-point order (a total order, the one invoice-list-sql.ts pages
 * through with a keyset cursor). The reference for the SQL path, in memory.
 */
export function filterInvoiceRows(rows: InvoiceRow[], q: Pick<InvoiceListQuery, 'status' | 'customer' | 'q'>): InvoiceRow[] {
  const needle = q.q?.trim().toLowerCase();
  return rows
    .filter((r) => q.status === 'all' || (q.status === 'paid' ? r.status === 'paid' : q.status === 'open' ? r.status !== 'paid' : r.status === 'overdue'))
    .filter((r) => !q.customer || r.customerExternalId === q.customer || r.customerId === q.customer)
    .filter((r) => !needle || `${r.number} ${r.reference} ${r.customerName}`.toLowerCase().includes(needle))
    .sort((a, b) => (b.daysPastDue ?? -1) - (a.daysPastDue ?? -1) || (a.issueDate < b.issueDate ? 1 : a.issueDate > b.issueDate ? -1 : 0) || codePoints(a.number, b.number) || codePoints(a.externalId, b.externalId));
}

function codePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function invoiceJson(r: InvoiceRow) {
  return { ...r, total: amountNumber(r.total), paid: amountNumber(r.paid), credited: amountNumber(r.credited), balance: amountNumber(r.balance) };
}

/** Totals per document currency (never summed across currencies). */
export function totalsByCurrency(rows: readonly InvoiceRow[]) {
  const out = new Map<string, { currency: string; invoices: number; total: Minor; balance: Minor }>();
  for (const r of rows) {
    const t = out.get(r.currency) ?? { currency: r.currency, invoices: 0, total: 0, balance: 0 };
    t.invoices += 1;
    t.total += r.total;
    t.balance += r.balance;
    out.set(r.currency, t);
  }
  return [...out.values()].sort((a, b) => a.currency.localeCompare(b.currency)).map((t) => ({ ...t, total: amountNumber(t.total), balance: amountNumber(t.balance) }));
}
