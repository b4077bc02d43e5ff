import type { HistoryInvoice } from '../ar-history-csv';
import { type CalendarDate, diffDays } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';

/**
 * One invoice as the scoring code sees it, whatever its source (the IBM-layout history
 * file, or invoices synced from Xero/QuickBooks into the database). An invoice is settled
 * in full on `settledDate` (null = still open).
 *
 * Late = settled after the due date (the IBM file's DaysLate > 0, equivalently).
 * Days to settle = settledDate − issueDate.
 */
export interface ScoringInvoice {
  id: string;
  customerId: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  amount: Minor;
  settledDate: CalendarDate | null;
  /** Whether the invoice is (or was) disputed — an own field of the invoice. */
  disputed: boolean;
  /** Billed electronically (true) or on paper (false); unknown when absent. */
  paperless?: boolean;
  /** A grouping known at issue (the customer's country); used as a group-level prior. */
  countryCode?: string;
}

/** Adapter from a parsed IBM-layout history row. */
export function fromHistoryInvoice(h: HistoryInvoice): ScoringInvoice {
  return {
    id: h.invoiceNumber || `line-${h.line}`,
    customerId: h.customerId,
    issueDate: h.invoiceDate,
    dueDate: h.dueDate,
    amount: h.amount,
    settledDate: h.settledDate,
    disputed: h.disputed,
    paperless: h.paperless,
    ...(h.countryCode ? { countryCode: h.countryCode } : {}),
  };
}

/** Settled after its due date; null while open (not yet known). */
export function isLate(inv: ScoringInvoice): boolean | null {
  return inv.settledDate === null ? null : inv.settledDate > inv.dueDate;
}

/** settledDate − issueDate in days; null while open. */
export function daysToSettle(inv: ScoringInvoice): number | null {
  return inv.settledDate === null ? null : diffDays(inv.issueDate, inv.settledDate);
}

/** max(0, settledDate − dueDate) in days; null while open. */
export function daysLate(inv: ScoringInvoice): number | null {
  return inv.settledDate === null ? null : Math.max(0, diffDays(inv.dueDate, inv.settledDate));
}
