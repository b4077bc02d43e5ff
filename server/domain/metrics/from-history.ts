import type { HistoryInvoice } from '../ar-history-csv';
import type { MetricInvoice } from './types';

/**
 * IBM-layout history rows → metric invoices: each invoice is settled in full on its
 * SettledDate (none when empty), customer from customerID, currency USD.
 */
export function historyToMetricInvoices(rows: readonly HistoryInvoice[]): MetricInvoice[] {
  return rows.map((row) => ({
    id: row.invoiceNumber || `line-${row.line}`,
    customerId: row.customerId,
    currency: 'USD',
    issueDate: row.invoiceDate,
    dueDate: row.dueDate,
    total: row.amount,
    settlements: row.settledDate ? [{ date: row.settledDate, amount: row.amount }] : [],
  }));
}
