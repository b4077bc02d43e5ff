/** The autopay core (pure): the retry schedule, attempt keys, splitting a charge, the words. */
import { describe, expect, it } from 'vitest';
import { afterFailure, attemptKey, attemptText, cardExpired, cardText, chargeAmount, DEFAULT_RETRY_DAYS, onAutopay, onResume, PAUSED_BY_COLLECTOR, PAUSED_BY_CUSTOMER, pausedBy, RetryScheduleSchema, retryScheduleWords, splitCharge, validRetryDays } from '../../server/autopay/core';

describe('autopay core', () => {
  it('retries 1, 3 and 7 days after the first failure, then gives up', () => {
    expect(DEFAULT_RETRY_DAYS).toEqual([1, 3, 7]);
    expect(afterFailure(1, '2026-12-30')).toEqual({ kind: 'retry', attemptNo: 2, on: '2026-12-31' });
    expect(afterFailure(2, '2026-12-30')).toEqual({ kind: 'retry', attemptNo: 3, on: '2027-01-02' });
    expect(afterFailure(3, '2026-12-30')).toEqual({ kind: 'retry', attemptNo: 4, on: '2027-01-06' });
    expect(afterFailure(4, '2026-12-30')).toEqual({ kind: 'give_up' });
    // Across the end of February in a leap year, and a configured schedule.
    expect(afterFailure(1, '2028-02-28', [2, 5])).toEqual({ kind: 'retry', attemptNo: 2, on: '2028-03-01' });
    expect(afterFailure(3, '2028-02-28', [2, 5])).toEqual({ kind: 'give_up' });
    expect(() => afterFailure(1, '2026-12-30', [3, 3])).toThrow(RangeError);
    expect(validRetryDays([1, 3, 7])).toBe(true);
    expect(validRetryDays([])).toBe(false);
    expect(validRetryDays([0, 2])).toBe(false);
  });

  it('attempt keys are stable per target and attempt', () => {
    expect(attemptKey({ kind: 'invoice', id: 'a' }, 1)).toBe('invoice:a:1');
    expect(attemptKey({ kind: 'instalment', id: 'b' }, 3)).toBe('instalment:b:3');
  });

  it('never charges a settled target, and never more than is owed', () => {
    expect(chargeAmount(25_000, 0)).toBe(0);
    expect(chargeAmount(25_000, 10_000)).toBe(10_000);
    expect(chargeAmount(25_000, 40_000)).toBe(25_000);
  });

  it('splits a charge across invoices oldest first, exactly', () => {
    const invs = [
      { id: 'b', externalId: 'B', number: 'INV-2', dueDate: '2026-12-20', owed: 10_000 },
      { id: 'a', externalId: 'A', number: 'INV-1', dueDate: '2026-12-01', owed: 7_501 },
      { id: 'c', externalId: 'C', number: 'INV-3', dueDate: '2026-12-25', owed: 0 },
    ];
    expect(splitCharge(12_000, invs).map((p) => [p.invoice.id, p.amount])).toEqual([
      ['a', 7_501],
      ['b', 4_499],
    ]);
  });

  it('reminders skip a customer on autopay until a charge fails', () => {
    expect(onAutopay([{ status: 'active', failingSince: null }])).toBe(true);
    expect(onAutopay([{ status: 'active', failingSince: new Date() }])).toBe(false);
    expect(onAutopay([{ status: 'paused', failingSince: new Date() }])).toBe(false);
    expect(onAutopay([])).toBe(false);
  });

  it('speaks in words', () => {
    expect(cardText({ brand: 'mastercard', last4: '4444', expMonth: 3, expYear: 2029 })).toBe('Mastercard •••• 4444, expires 03/2029');
    expect(cardExpired({ expMonth: 11, expYear: 2026 }, '2026-12-07')).toBe(true);
    expect(cardExpired({ expMonth: 12, expYear: 2026 }, '2026-12-07')).toBe(false);
    expect(attemptText({ attemptNo: 2, scheduledOn: '2026-12-08', status: 'failed', failureCode: 'card_declined', amountText: '£200.00' })).toBe('Retry 1 on 8 December 2026 for £200.00: failed — the card was declined');
    expect(attemptText({ attemptNo: 1, scheduledOn: '2026-12-07', status: 'succeeded', failureCode: null, amountText: null })).toBe('Charge on 7 December 2026: paid');
  });
});

describe('retries after a pause (decision 056)', () => {
  it('on time, the schedule counts from the first failure as before; a retry moved later keeps its spacing from the day it ran', () => {
    expect(afterFailure(2, '2026-12-01', [1, 3, 7], '2026-12-02')).toEqual({ kind: 'retry', attemptNo: 3, on: '2026-12-04' });
    expect(afterFailure(2, '2026-12-01', [1, 3, 7], '2026-12-10')).toEqual({ kind: 'retry', attemptNo: 3, on: '2026-12-12' });
    expect(afterFailure(3, '2026-12-01', [1, 3, 7], '2026-12-12')).toEqual({ kind: 'retry', attemptNo: 4, on: '2026-12-16' });
  });
  it('never beyond 30 days after the first failure: give up', () => {
    expect(afterFailure(2, '2026-12-01', [1, 3, 7], '2026-12-30')).toEqual({ kind: 'give_up' });
  });
  it('on resume: a retry ahead keeps its day, one passed is made today, a first failure over 30 days behind gives up', () => {
    expect(onResume({ scheduledOn: '2026-12-20', firstFailedOn: '2026-12-01' }, '2026-12-10')).toEqual({ kind: 'keep' });
    expect(onResume({ scheduledOn: '2026-12-02', firstFailedOn: '2026-12-01' }, '2026-12-10')).toEqual({ kind: 'move', on: '2026-12-10' });
    expect(onResume({ scheduledOn: '2026-12-02', firstFailedOn: '2026-12-01' }, '2027-01-01')).toEqual({ kind: 'give_up' });
  });
  it('the firm’s schedule: 1 to 5 increasing days within 30, in words', () => {
    expect(RetryScheduleSchema.safeParse([1, 3, 7]).success).toBe(true);
    expect(RetryScheduleSchema.safeParse([1, 2, 3, 4, 5, 6]).success).toBe(false);
    expect(RetryScheduleSchema.safeParse([5, 5]).success).toBe(false);
    expect(RetryScheduleSchema.safeParse([31]).success).toBe(false);
    expect(retryScheduleWords([1, 3, 7])).toBe('1, 3 and 7 days after the first failure');
    expect(retryScheduleWords([1])).toBe('1 day after the first failure');
  });

  it('says who paused a mandate: the customer, a collector, or failed payments (the reason charge.ts writes)', () => {
    expect(pausedBy({ status: 'paused', pausedReason: PAUSED_BY_CUSTOMER })).toBe('customer');
    expect(pausedBy({ status: 'paused', pausedReason: PAUSED_BY_COLLECTOR })).toBe('collector');
    expect(pausedBy({ status: 'paused', pausedReason: 'The last 4 charges failed: the card was declined.' })).toBe('failures');
    expect(pausedBy({ status: 'paused', pausedReason: null })).toBe('failures');
    expect(pausedBy({ status: 'active', pausedReason: null })).toBeNull();
    expect(pausedBy({ status: 'cancelled', pausedReason: PAUSED_BY_CUSTOMER })).toBeNull();
  });
});
