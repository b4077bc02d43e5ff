/** An invoice named for a person: its number, or its issue date and amount — never the ledger's id. */
import { describe, expect, it } from 'vitest';
import { invoiceChoiceLabel, invoiceName } from '../../client/src/components/analytics/format';

describe('invoiceName', () => {
  const base = { issueDate: '2026-11-07', total: 480, currency: 'GBP' };

  it('is the invoice number when the ledger gave one', () => {
    expect(invoiceName({ ...base, number: 'INV-101' })).toBe('INV-101');
    expect(invoiceChoiceLabel({ ...base, number: 'INV-101' })).toBe('Invoice INV-101');
  });

  it('is the issue date and amount in words when it has no number', () => {
    expect(invoiceName({ ...base, number: '' })).toBe('Invoice of 7 November 2026, £480.00');
    expect(invoiceName({ ...base, number: null })).toBe('Invoice of 7 November 2026, £480.00');
    expect(invoiceChoiceLabel({ ...base, number: '' })).toBe('Invoice of 7 November 2026, £480.00');
    expect(invoiceName({ number: '', issueDate: '2026-01-31', total: 1234.5, currency: 'JPY' })).toBe('Invoice of 31 January 2026, ¥1,235');
    expect(invoiceName({ number: '', issueDate: null, total: 99.5, currency: 'USD' })).toBe('Invoice of $99.50');
  });
});
