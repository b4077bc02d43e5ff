import { toMinor } from '../money';
import type { MetricInvoice } from './types';

let next = 0;

/** Test helper: an invoice with amounts written as decimal strings ("1234.50"). */
export function invoice(
  issueDate: string,
  dueDate: string | null,
  total: string,
  settlements: [date: string, amount: string][] = [],
  currency = 'USD',
): MetricInvoice {
  next += 1;
  return {
    id: `inv-${next}`,
    customerId: 'cust-1',
    currency,
    issueDate,
    dueDate,
    total: toMinor(total),
    settlements: settlements.map(([date, amount]) => ({ date, amount: toMinor(amount) })),
  };
}

export const m = (decimal: string) => toMinor(decimal);
