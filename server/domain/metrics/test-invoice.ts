import { randomUUID } from 'node:crypto';
import { toMinor } from '../../../kernel/money';
import type { MetricInvoice } from './types';

/** Test helper: an invoice with amounts written as decimal strings ("1234.50"). */
export function invoice(
  issueDate: string,
  dueDate: string | null,
  total: string,
  settlements: [date: string, amount: string][] = [],
  currency = 'USD',
): MetricInvoice {
  return {
    id: `inv-${randomUUID()}`,
    customerId: 'cust-1',
    currency,
    issueDate,
    dueDate,
    total: toMinor(total),
    settlements: settlements.map(([date, amount]) => ({ date, amount: toMinor(amount) })),
  };
}

export const m = (decimal: string) => toMinor(decimal);
