import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discountExpiry, discountToApply, offerDiscount, paymentQualifies } from '../../server/domain/collections/discounts';

const rules = { ratePct: '2', withinDays: 10, minimumAmount: 10_000 };

describe('early-payment discount offers', () => {
  it('offers rate % of the amount due until issue date + withinDays', () => {
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 125_000 }, rules, '2026-11-05')).toEqual({ discount: 2500, rateBp: 200, expiresOn: '2026-11-11', payable: 122_500 });
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 125_000 }, rules, '2026-11-11')).toMatchObject({ expiresOn: '2026-11-11' });
    expect(discountExpiry('2026-01-25', 10)).toBe('2026-02-04');
  });

  it('none when expired, too small, or nothing due', () => {
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 125_000 }, rules, '2026-11-12')).toEqual({ none: 'expired' });
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 9_999 }, rules, '2026-11-02')).toEqual({ none: 'below_minimum' });
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 0 }, rules, '2026-11-02')).toEqual({ none: 'nothing_due' });
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 20 }, { ...rules, minimumAmount: 0 }, '2026-11-02')).toEqual({ none: 'zero_discount' });
  });

  it('rounds half-up to the cent', () => {
    expect(offerDiscount({ issueDate: '2026-11-01', amountDue: 12_345 }, { ...rules, ratePct: '2.5' }, '2026-11-02')).toMatchObject({ discount: 309, rateBp: 250 }); // 308.625
  });
});

describe('applying a discount', () => {
  const offer = { discount: 2500, expiresOn: '2026-11-11' };
  it('credits the rest when paid in time', () => {
    expect(discountToApply(offer, { amountDue: 2500, payments: [{ date: '2026-11-11', amount: 122_500 }] })).toBe(2500);
    expect(discountToApply(offer, { amountDue: 2000, payments: [{ date: '2026-11-03', amount: 100_000 }, { date: '2026-11-10', amount: 23_000 }] })).toBe(2000);
  });
  it('nothing when late, short, already settled or unpaid', () => {
    expect(discountToApply(offer, { amountDue: 2500, payments: [{ date: '2026-11-12', amount: 122_500 }] })).toBe(0);
    expect(discountToApply(offer, { amountDue: 2501, payments: [{ date: '2026-11-05', amount: 122_499 }] })).toBe(0);
    expect(discountToApply(offer, { amountDue: 0, payments: [{ date: '2026-11-05', amount: 125_000 }] })).toBe(0);
    expect(discountToApply(offer, { amountDue: 2500, payments: [] })).toBe(0);
  });
  it('one payment qualifies when it covers the discounted amount in time', () => {
    expect(paymentQualifies(offer, 125_000, { date: '2026-11-11', amount: 122_500 })).toBe(true);
    expect(paymentQualifies(offer, 125_000, { date: '2026-11-12', amount: 122_500 })).toBe(false);
    expect(paymentQualifies(offer, 125_000, { date: '2026-11-10', amount: 122_499 })).toBe(false);
    expect(paymentQualifies(offer, 125_000, { date: '2026-11-10', amount: 125_000 })).toBe(false);
  });
  it('paying the offered amount always leaves exactly the discount to credit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 1e10 }), fc.integer({ min: 1, max: 2000 }), (due, bp) => {
        const pct = `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
        const o = offerDiscount({ issueDate: '2026-11-01', amountDue: due }, { ...rules, ratePct: pct }, '2026-11-01');
        if ('none' in o) return;
        expect(o.payable + o.discount).toBe(due);
        expect(discountToApply(o, { amountDue: due - o.payable, payments: [{ date: o.expiresOn, amount: o.payable }] })).toBe(o.discount);
      }),
    );
  });
});
