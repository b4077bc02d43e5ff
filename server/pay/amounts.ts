/**
 * Pure pay-page arithmetic in exact minor units: what each invoice asks for today (amount due,
 * less what is already on its way to the ledger, less an early-payment discount still in time),
 * and the allocations of one checkout across several invoices, oldest first.
 */
import type { CalendarDate } from '../../kernel/dates';
import { fromMinor, type Minor, toMinor } from '../../kernel/money';

export interface PayableInvoice {
  id: string;
  externalId: string;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: string;
  amountDue: string;
  /** normalised ledger status: authorised | paid | voided | … */
  status: string;
  /** Paid through a pay link (or credited as its discount), not yet seen in the ledger by a sync. */
  processing: string;
  offer: { id: string; rateBp: number; discount: string; currency: string; expiresOn: CalendarDate } | null;
}

export interface InvoiceDue {
  /** Still owed once what is processing lands. */
  due: Minor;
  /** The discount when paid today (0 when none applies). */
  discount: Minor;
  /** What the debtor pays today for this invoice. */
  pay: Minor;
}

export const m = (s: string): Minor => toMinor(s, 2, true);

export function offerApplies(inv: PayableInvoice, today: CalendarDate): boolean {
  return Boolean(inv.offer && inv.offer.expiresOn >= today && inv.offer.currency === inv.currency);
}

export function invoiceDue(inv: PayableInvoice, today: CalendarDate): InvoiceDue {
  if (inv.status !== 'authorised') return { due: 0, discount: 0, pay: 0 };
  const due = Math.max(0, m(inv.amountDue) - m(inv.processing));
  // A discount is for paying the whole balance: not once part of it is already on its way.
  const discount = due > 0 && m(inv.processing) === 0 && offerApplies(inv, today) ? Math.min(m(inv.offer!.discount), due - 1) : 0;
  return { due, discount: Math.max(0, discount), pay: due - Math.max(0, discount) };
}

export interface Allocation {
  invoiceId: string;
  invoiceExternalId: string;
  number: string;
  /** Cash paid to this invoice (decimal string). */
  amount: string;
  /** The early-payment discount credited to it, or null. */
  discount: string | null;
  offerId: string | null;
}

function oldestFirst(a: PayableInvoice, b: PayableInvoice): number {
  const ad = a.dueDate ?? a.issueDate;
  const bd = b.dueDate ?? b.issueDate;
  return ad < bd ? -1 : ad > bd ? 1 : a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : a.number.localeCompare(b.number);
}

export type AllocationResult = { ok: true; currency: string; total: string; allocations: Allocation[] } | { ok: false; field: string; message: string };

/** The invoices chosen (all payable ones when none are named), each paid in full today, oldest first. */
export function allocate(invoices: readonly PayableInvoice[], chosen: readonly string[] | null, today: CalendarDate): AllocationResult {
  const byId = new Map(invoices.map((i) => [i.id, i]));
  const picked = chosen ? chosen.map((id) => byId.get(id)) : invoices.filter((i) => invoiceDue(i, today).pay > 0);
  if (picked.some((i) => !i)) return { ok: false, field: 'invoiceIds', message: 'One of the invoices chosen is not on this page. Reload the page and choose again.' };
  const list = (picked as PayableInvoice[]).filter((i) => invoiceDue(i, today).pay > 0).sort(oldestFirst);
  if (list.length === 0) return { ok: false, field: 'invoiceIds', message: 'There is nothing left to pay on the invoices chosen.' };
  const currencies = new Set(list.map((i) => i.currency));
  if (currencies.size > 1) return { ok: false, field: 'invoiceIds', message: 'Invoices in different currencies are paid separately: choose invoices in one currency.' };
  let total = 0;
  const allocations = list.map((i) => {
    const d = invoiceDue(i, today);
    total += d.pay;
    return { invoiceId: i.id, invoiceExternalId: i.externalId, number: i.number, amount: fromMinor(d.pay), discount: d.discount > 0 ? fromMinor(d.discount) : null, offerId: d.discount > 0 ? i.offer!.id : null };
  });
  return { ok: true, currency: list[0]!.currency, total: fromMinor(total), allocations };
}
