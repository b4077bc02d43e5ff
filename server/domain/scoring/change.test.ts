import { describe, expect, it } from 'vitest';
import { addDays } from '../../../kernel/dates';
import { type ChangeInvoice, detectChanges, permutationPValue, STATED_FALSE_ALARM_RATE, TREND_ALPHA } from './change';
import { evaluateChangeDetection, syntheticPayer } from './change-synthetic';

const AS_OF = '2026-06-30';

/** A customer on 30-day terms: one invoice every 14 days, paid `late[k]` days after its due date. */
function payer(late: readonly (number | null)[], lastDue = '2026-06-01'): ChangeInvoice[] {
  return late.map((d, k) => {
    const dueDate = addDays(lastDue, -(late.length - 1 - k) * 14);
    const settled = d === null ? null : addDays(dueDate, d);
    return {
      id: `I${k}`,
      number: `INV-${100 + k}`,
      issueDate: addDays(dueDate, -30),
      dueDate,
      total: 50_000,
      settledDate: settled,
      settlementDays: settled ? [settled] : [],
      settlementCum: settled ? [50_000] : [],
      disputedOn: null,
    };
  });
}

describe('changing risk: the days-late trend test', () => {
  it('fires on a customer whose last invoices are paid much later, and explains it in words', () => {
    const alerts = detectChanges({ invoices: payer([2, 4, 3, 1, 5, 2, 3, 4, 2, 3, 20, 17, 19, 16]) }, AS_OF);
    expect(alerts.map((a) => a.kind)).toEqual(['paying_later']);
    expect(alerts[0]!.explanation).toMatch(/^Paid the last 4 invoices 18 days late on average, against 3 days late before \(median of the previous 10\)/);
    expect(alerts[0]!.pValue).toBeLessThanOrEqual(TREND_ALPHA);
  });

  it('does not fire on the same customer paying as usual, nor on a small shift, nor on too little history', () => {
    expect(detectChanges({ invoices: payer([2, 4, 3, 1, 5, 2, 3, 4, 2, 3, 4, 2, 3, 5]) }, AS_OF)).toEqual([]);
    expect(detectChanges({ invoices: payer([2, 4, 3, 1, 5, 2, 3, 4, 2, 3, 7, 6, 8, 7]) }, AS_OF)).toEqual([]);
    expect(detectChanges({ invoices: payer([2, 3, 4, 20, 18, 22]) }, AS_OF)).toEqual([]);
  });

  it('counts an open invoice already later than any before it as at least that late', () => {
    // Four recent invoices only mildly late, but one open and 29 days overdue on 30 June.
    const alerts = detectChanges({ invoices: payer([2, 4, 3, 1, 5, 2, 3, 4, 2, 3, 9, 11, 10, 12, null]) }, AS_OF);
    expect(alerts[0]?.kind).toBe('paying_later');
    expect(alerts[0]!.explanation).toContain('INV-114 is already 29 days overdue');
  });

  it('computes the exact permutation p-value', () => {
    // 4 of 8: only one of the 70 choices reaches the top four.
    expect(permutationPValue([1, 2, 3, 4, 10, 11, 12, 13], 4, 46)).toBeCloseTo(1 / 70, 10);
    expect(permutationPValue([5, 5, 5, 5], 2, 10)).toBe(1);
  });

  it(`fires on at most ${STATED_FALSE_ALARM_RATE * 100}% of 1,000 stable synthetic customers, and on most shifted ones`, () => {
    const r = evaluateChangeDetection({ count: 1000, seed: 1, shift: 15, shiftedInvoices: 5 });
    console.log(
      `change detection on synthetic payers: false alarms ${r.falseAlarms}/${r.stable} = ${(r.falseAlarmRate * 100).toFixed(1)}% (stated ≤ ${(STATED_FALSE_ALARM_RATE * 100).toFixed(0)}%); ` +
        `detected ${r.detected}/${r.shifted} = ${(r.detectionRate * 100).toFixed(1)}% of payers whose last ${r.shiftedInvoices} invoices are ${r.shiftDays} days later`,
    );
    expect(r.falseAlarmRate).toBeLessThanOrEqual(STATED_FALSE_ALARM_RATE);
    expect(r.detectionRate).toBeGreaterThanOrEqual(0.7);
  });

  it('a shifted synthetic payer fires and the same payer unshifted does not', () => {
    const seed = 42;
    expect(detectChanges({ invoices: syntheticPayer(seed, { shift: 30 }) }, AS_OF).some((a) => a.kind === 'paying_later')).toBe(true);
    expect(detectChanges({ invoices: syntheticPayer(seed) }, AS_OF).some((a) => a.kind === 'paying_later')).toBe(false);
  });
});

describe('changing risk: events', () => {
  const steady = () => payer([2, 4, 3, 1, 5, 2, 3, 4, 2, 3, 4, 2, 3, null]);

  it('a first missed promise fires, and a later one after an earlier miss does not', () => {
    const inv = steady();
    const first = detectChanges({ invoices: inv, promises: [{ recordedOn: '2026-06-10', promisedDate: '2026-06-20', invoiceId: 'I13' }] }, AS_OF);
    expect(first.map((a) => a.kind)).toEqual(['missed_promise']);
    expect(first[0]!.explanation).toBe('Promised to pay INV-113 by 20 June 2026 and has not: the first missed promise on record.');
    const june = { recordedOn: '2026-06-10', promisedDate: '2026-06-20', invoiceId: 'I13' };
    // INV-109 (due 6 April) was paid on 8 April: that promise was kept.
    const again = detectChanges({ invoices: inv, promises: [{ recordedOn: '2026-04-01', promisedDate: '2026-04-10', invoiceId: 'I9' }, june] }, AS_OF);
    expect(again.map((a) => a.kind)).toEqual(['missed_promise']);
    expect(again[0]!.explanation).toContain('(1 earlier promise was kept)');
    // INV-110 (due 20 April) was paid on 23 April, after the promised 15 April: June's is not the first miss.
    expect(detectChanges({ invoices: inv, promises: [{ recordedOn: '2026-04-01', promisedDate: '2026-04-15', invoiceId: 'I10' }, june] }, AS_OF)).toEqual([]);
    // Kept within the grace days: no alert.
    const kept = inv.map((x) => (x.id === 'I13' ? { ...x, settledDate: '2026-06-21', settlementDays: ['2026-06-21'], settlementCum: [50_000] } : x));
    expect(detectChanges({ invoices: kept, promises: [{ recordedOn: '2026-06-10', promisedDate: '2026-06-20', invoiceId: 'I13' }] }, AS_OF)).toEqual([]);
    // Not yet past the grace days.
    expect(detectChanges({ invoices: inv, promises: [{ recordedOn: '2026-06-10', promisedDate: '2026-06-28', invoiceId: 'I13' }] }, AS_OF)).toEqual([]);
  });

  it('paying in parts fires when it starts, not for a customer who always did', () => {
    const inv = steady().map((x) => (x.id === 'I13' ? { ...x, settlementDays: ['2026-06-15'], settlementCum: [20_000] } : x));
    const alerts = detectChanges({ invoices: inv }, AS_OF);
    expect(alerts.map((a) => a.kind)).toEqual(['partial_payments']);
    expect(alerts[0]!.explanation).toBe('Started paying in parts: INV-113 was part-paid on 15 June 2026 (40% paid so far); none of the previous 12 invoices was paid in parts.');
    const always = inv.map((x) => (x.id === 'I5' ? { ...x, settlementDays: [addDays(x.settledDate!, -5), x.settledDate!], settlementCum: [10_000, 50_000] } : x));
    expect(detectChanges({ invoices: always }, AS_OF)).toEqual([]);
  });

  it('a dispute in the last 30 days and a bounced reminder fire; older ones do not', () => {
    const inv = steady().map((x) => (x.id === 'I13' ? { ...x, disputedOn: '2026-06-25' } : x.id === 'I2' ? { ...x, disputedOn: '2025-12-01' } : x));
    const alerts = detectChanges({ invoices: inv, bouncedOn: ['2026-06-29', '2026-03-01'] }, AS_OF);
    expect(alerts.map((a) => a.title)).toEqual(['New dispute', 'Email bounced']);
    expect(alerts[0]!.explanation).toBe('Disputed INV-113 on 25 June 2026 (1 other dispute in the 12 months before).');
    expect(alerts[1]!.explanation).toContain('bounced on 29 June 2026');
    expect(detectChanges({ invoices: inv, bouncedOn: ['2026-03-01'] }, '2026-08-30')).toEqual([]);
  });
});
