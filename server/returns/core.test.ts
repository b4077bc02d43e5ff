import { describe, expect, it } from 'vitest';
import { DEFAULT_FEE_POLICY, disputeStatusOf, nextDisputeStatus, noticeLines, ReturnedFeePolicySchema, returnedPaymentFee, stripeReturnOf } from './core';

describe('returned-payment fee', () => {
  const on = ReturnedFeePolicySchema.parse({ enabled: true, amount: '25', percent: '2', cap: '30', countries: ['US', 'GB'] });
  it('is off by default', () => {
    expect(DEFAULT_FEE_POLICY.enabled).toBe(false);
    expect(returnedPaymentFee(DEFAULT_FEE_POLICY, { paymentMinor: 10_000, countryCode: 'GB', asked: true })).toEqual({ charge: false, why: 'Returned-payment fees are off.' });
  });
  it('flat plus a share of the payment, at most the cap, exact in minor units', () => {
    expect(returnedPaymentFee(on, { paymentMinor: 10_000, countryCode: 'GB', asked: true })).toEqual({ charge: true, minor: 2_700 });
    expect(returnedPaymentFee(on, { paymentMinor: 1_000_000, countryCode: 'us', asked: true })).toEqual({ charge: true, minor: 3_000 });
  });
  it('only where the country allows it, and only when asked', () => {
    expect(returnedPaymentFee(on, { paymentMinor: 10_000, countryCode: 'DE', asked: true })).toMatchObject({ charge: false, why: 'Returned-payment fees are not allowed in this organisation’s country.' });
    expect(returnedPaymentFee(on, { paymentMinor: 10_000, countryCode: null, asked: true }).charge).toBe(false);
    expect(returnedPaymentFee(on, { paymentMinor: 10_000, countryCode: 'GB', asked: false }).charge).toBe(false);
  });
  it('refuses a malformed policy in words', () => {
    const r = ReturnedFeePolicySchema.safeParse({ percent: '101', countries: ['gbr'] });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).sort()).toEqual(['Enter a percentage of 100 or less.', 'Enter countries as two-letter codes such as GB or US.']);
  });
});

describe('chargeback lifecycle', () => {
  it('maps Stripe statuses', () => {
    expect(disputeStatusOf('needs_response', true)).toBe('evidence_due');
    expect(disputeStatusOf('needs_response', false)).toBe('opened');
    expect(disputeStatusOf('under_review', true)).toBe('under_review');
    expect(disputeStatusOf('won', true)).toBe('won');
    expect(disputeStatusOf('warning_closed', false)).toBe('won');
    expect(disputeStatusOf('lost', true)).toBe('lost');
  });
  it('moves forward only; a decided chargeback never changes', () => {
    expect(nextDisputeStatus(null, 'evidence_due')).toBe('evidence_due');
    expect(nextDisputeStatus('evidence_due', 'under_review')).toBe('under_review');
    expect(nextDisputeStatus('under_review', 'evidence_due')).toBeNull();
    expect(nextDisputeStatus('won', 'lost')).toBeNull();
    expect(nextDisputeStatus('lost', 'won')).toBeNull();
    expect(nextDisputeStatus('evidence_due', 'evidence_due')).toBeNull();
  });
});

describe('Stripe events', () => {
  it('reads a dispute with its evidence deadline and a failed debit; ignores the rest', () => {
    const d = stripeReturnOf('charge.dispute.created', { id: 'dp_1', object: 'dispute', charge: 'ch_1', payment_intent: 'pi_1', reason: 'fraudulent', status: 'needs_response', evidence_details: { due_by: 1_797_000_000 } });
    expect(d).toEqual({ kind: 'dispute', disputeId: 'dp_1', chargeId: 'ch_1', paymentIntentId: 'pi_1', status: 'evidence_due', evidenceDueBy: new Date(1_797_000_000_000), reason: 'Chargeback: the card holder says they did not make the payment.' });
    expect(stripeReturnOf('charge.failed', { id: 'py_1', object: 'charge', payment_intent: 'pi_2', failure_message: 'Account closed.' })).toEqual({ kind: 'failed', chargeId: 'py_1', paymentIntentId: 'pi_2', reason: 'The bank debit failed: Account closed.' });
    expect(stripeReturnOf('charge.failed', { id: 'ch_2', object: 'charge', payment_intent: null })).toBeNull();
    expect(stripeReturnOf('checkout.session.completed', { id: 'cs_1', object: 'checkout.session' })).toBeNull();
  });
});

describe('the debtor’s notice', () => {
  it('in sentences, with the fee when there is one', () => {
    const lines = noticeLines({ greeting: 'Dear Sam,', amountText: '£200.00', paidOnText: '1 December 2026', invoiceNumber: 'INV-7', origin: 'collector', feeText: '£20.00', payUrl: null, signature: 'Acme Ltd' });
    expect(lines.join('\n')).toBe(
      'Dear Sam,\n\nYour payment of £200.00 made on 1 December 2026 for invoice INV-7 was returned unpaid by your bank, so the invoice is open again.\n\nA returned-payment fee of £20.00 has been added, as our terms allow.\n\nPlease arrange payment again, or reply to this email if you believe this is a mistake.\n\nAcme Ltd',
    );
  });
});
