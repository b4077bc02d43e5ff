/** Billing review's pure checks (server/billing-review/checks.ts): each check, its words and its evidence. */
import { describe, expect, it } from 'vitest';
import {
  agreedTermsFromXero,
  type BillingPolicy,
  checkAmount,
  checkCurrency,
  checkDueBeforeIssue,
  checkDuplicate,
  checkEmail,
  checkPurchaseOrder,
  checkTax,
  checkTerms,
  type CustomerFacts,
  DEFAULT_CHECK_OPTIONS,
  medianMinor,
  type PastInvoice,
  type ReviewInvoice,
  runChecks,
} from '../../server/billing-review/checks';

const inv = (over: Partial<ReviewInvoice> = {}): ReviewInvoice => ({ externalId: 'new', number: 'INV-0100', reference: 'PO 77', issueDate: '2026-03-10', dueDate: '2026-04-09', currency: 'GBP', total: 200_000, totalTax: 33_333, ...over });
const past = (n: number, over: Partial<PastInvoice> = {}): PastInvoice => ({ externalId: `p${n}`, number: `INV-00${n}`, issueDate: `2026-01-${String(n).padStart(2, '0')}`, currency: 'GBP', total: 200_000, ...over });
const customer = (over: Partial<CustomerFacts> = {}): CustomerFacts => ({ emails: ['ap@customer.example'], bounced: [], agreedTermsDays: null, customerType: null, history: [], ...over });
const policy = (over: Partial<BillingPolicy> = {}): BillingPolicy => ({ customerType: '', termsDays: 30, frequency: 'monthly', requiresPurchaseOrder: false, ...over });
const o = DEFAULT_CHECK_OPTIONS;

describe('email', () => {
  it('no address', () => expect(checkEmail(customer({ emails: [] }))?.text).toBe('The customer has no email address in the ledger, so the invoice cannot be emailed.'));
  it('every address bounced, with the latest bounce', () =>
    expect(checkEmail(customer({ bounced: [{ address: 'AP@customer.example', on: '2026-03-03' }] }))?.text).toBe('Every email address the customer has bounced (the latest on 3 March 2026), so the invoice would not arrive.'));
  it('one of two bounced', () => expect(checkEmail(customer({ emails: ['a@x.example', 'b@x.example'], bounced: [{ address: 'b@x.example', on: '2026-02-01' }] }))?.check).toBe('bounced_email'));
  it('a good address: nothing', () => expect(checkEmail(customer())).toBeNull());
});

describe('due date before the issue date', () => {
  it('flags it with both dates', () => expect(checkDueBeforeIssue(inv({ dueDate: '2026-03-03' }))?.text).toBe('Due 3 March 2026, before it was issued on 10 March 2026.'));
  it('same day or later, or no due date: nothing', () => {
    expect(checkDueBeforeIssue(inv({ dueDate: '2026-03-10' }))).toBeNull();
    expect(checkDueBeforeIssue(inv({ dueDate: null }))).toBeNull();
  });
});

describe('terms', () => {
  it('against the terms agreed with the customer first', () =>
    expect(checkTerms(inv({ dueDate: '2026-03-24' }), customer({ agreedTermsDays: 30 }), [policy({ termsDays: 14 })])?.text).toBe('Terms are 14 days (due 24 March 2026); the terms agreed with this customer are 30 days.'));
  it('else against the policy for its type', () =>
    expect(checkTerms(inv({ dueDate: '2026-04-24' }), customer({ customerType: 'Retail' }), [policy(), policy({ customerType: 'Retail', termsDays: 14 })])?.text).toBe('Terms are 45 days (due 24 April 2026); the firm’s policy for Retail customers is 14 days.'));
  it('a type without its own policy uses the one for customers without a type', () =>
    expect(checkTerms(inv({ dueDate: '2026-03-11' }), customer({ customerType: 'Trade' }), [policy()])?.text).toBe('Terms are 1 day (due 11 March 2026); the firm’s policy for customers without a type is 30 days.'));
  it('matching terms, no policy, or a due date before issue (its own finding): nothing', () => {
    expect(checkTerms(inv(), customer(), [policy()])).toBeNull();
    expect(checkTerms(inv({ dueDate: '2026-05-01' }), customer(), [])).toBeNull();
    expect(checkTerms(inv({ dueDate: '2026-03-01' }), customer(), [policy()])).toBeNull();
  });
});

describe('amount', () => {
  const history = Array.from({ length: 14 }, (_, i) => past(i + 1, { total: [190_000, 200_000, 210_000][i % 3]! }));
  it('far above the usual: ratio, the usual and how many invoices', () =>
    expect(checkAmount(inv({ total: 1_240_000 }), customer({ history }), o)?.text).toBe('Amount £12,400.00 is 6.2 × this customer’s usual £2,000.00 (median of the last 12 invoices).'));
  it('far below', () => expect(checkAmount(inv({ total: 20_000 }), customer({ history }), o)?.text).toMatch(/^Amount £200\.00 is 0\.1 × /));
  it('near the usual, or too little history: nothing', () => {
    expect(checkAmount(inv({ total: 500_000 }), customer({ history }), o)).toBeNull();
    expect(checkAmount(inv({ total: 1_240_000 }), customer({ history: history.slice(0, 2) }), o)).toBeNull();
  });
  it('median of an even count rounds half away from zero', () => {
    expect(medianMinor([1, 2])).toBe(2);
    expect(medianMinor([3, 1, 2])).toBe(2);
    expect(medianMinor([10, 20, 30, 40])).toBe(25);
  });
});

describe('duplicate', () => {
  it('same customer, same total, within the window', () =>
    expect(checkDuplicate(inv({ total: 200_000 }), customer({ history: [past(1, { issueDate: '2026-03-01', number: 'INV-0042' })] }), o)?.text).toBe('Probably a duplicate of invoice INV-0042 for £2,000.00 issued 1 March 2026 (9 days earlier).'));
  it('outside the window, another total or currency: nothing', () => {
    expect(checkDuplicate(inv(), customer({ history: [past(1, { issueDate: '2026-02-01' })] }), o)).toBeNull();
    expect(checkDuplicate(inv(), customer({ history: [past(1, { issueDate: '2026-03-09', total: 200_001 })] }), o)).toBeNull();
    expect(checkDuplicate(inv(), customer({ history: [past(1, { issueDate: '2026-03-09', currency: 'EUR' })] }), o)).toBeNull();
  });
});

describe('purchase order', () => {
  it('required by the type’s policy and missing', () =>
    expect(checkPurchaseOrder(inv({ reference: ' ' }), customer({ customerType: 'Public sector' }), [policy({ customerType: 'Public sector', requiresPurchaseOrder: true })])?.text).toBe(
      'The firm’s policy for Public sector customers needs a purchase-order reference, and the invoice has none.',
    ));
  it('present, or not required: nothing', () => {
    expect(checkPurchaseOrder(inv(), customer(), [policy({ requiresPurchaseOrder: true })])).toBeNull();
    expect(checkPurchaseOrder(inv({ reference: '' }), customer(), [policy()])).toBeNull();
  });
});

describe('currency', () => {
  it('unlike the customer’s earlier invoices', () => expect(checkCurrency(inv({ currency: 'USD' }), customer({ history: [past(1), past(2)] }))?.text).toBe('Invoiced in USD; this customer’s 2 earlier invoices are in GBP.'));
  it('the same, or no history: nothing', () => {
    expect(checkCurrency(inv(), customer({ history: [past(1)] }))).toBeNull();
    expect(checkCurrency(inv({ currency: 'USD' }), customer())).toBeNull();
  });
});

describe('tax', () => {
  it('missing where the organisation charges it', () => expect(checkTax(inv({ totalTax: 0 }), { invoicesConsidered: 50, invoicesWithTax: 46 }, o)?.text).toBe('No tax on this invoice, though 92% of this organisation’s invoices of the last 12 months carry tax.'));
  it('an organisation that mostly charges none, too few invoices, or tax present: nothing', () => {
    expect(checkTax(inv({ totalTax: 0 }), { invoicesConsidered: 50, invoicesWithTax: 10 }, o)).toBeNull();
    expect(checkTax(inv({ totalTax: 0 }), { invoicesConsidered: 4, invoicesWithTax: 4 }, o)).toBeNull();
    expect(checkTax(inv(), { invoicesConsidered: 50, invoicesWithTax: 50 }, o)).toBeNull();
  });
});

describe('all checks', () => {
  it('a draft with a wrong due date and no email: both findings, in order', () => {
    const f = runChecks({ invoice: inv({ dueDate: '2026-03-03' }), customer: customer({ emails: [] }), organisation: { invoicesConsidered: 0, invoicesWithTax: 0 }, policies: [policy()] });
    expect(f.map((x) => x.check)).toEqual(['no_email', 'due_before_issue']);
  });
  it('a clean invoice has no findings', () => {
    expect(runChecks({ invoice: inv(), customer: customer({ history: [past(1), past(2), past(3)] }), organisation: { invoicesConsidered: 10, invoicesWithTax: 10 }, policies: [policy()] })).toEqual([]);
  });
});

describe('terms agreed in Xero', () => {
  it('days after the bill date only', () => {
    expect(agreedTermsFromXero({ paymentTerms: { sales: { day: 14, type: 'DAYSAFTERBILLDATE' } } })).toBe(14);
    expect(agreedTermsFromXero({ paymentTerms: { sales: { day: 20, type: 'OFFOLLOWINGMONTH' } } })).toBeNull();
    expect(agreedTermsFromXero(null)).toBeNull();
  });
});
