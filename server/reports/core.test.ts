import { describe, expect, it } from 'vitest';
import { invoice, m } from '../domain/metrics/test-invoice';
import { attribute, type Touch, touchFor } from './attribution';
import { computeBaseline } from './baseline';
import { cashReleased, monthlyGains } from './gains';
import type { WindowKpis } from './kpis';
import { promiseOutcomes } from './promises';
import { dueReportMonth, firstBusinessDay, weekday } from './schedule';

// Two invoices, hand-computed below:
//   A issued 2026-07-01, due 2026-07-31, 9,200.00, never paid
//   B issued 2026-09-01, due 2026-09-30, 4,600.00, paid in full 2026-09-11
const ledger = [invoice('2026-07-01', '2026-07-31', '9200.00'), invoice('2026-09-01', '2026-09-30', '4600.00', [['2026-09-11', '4600.00']])];

describe('the baseline', () => {
  it('is the 3 and 6 months before the start date, from the metrics engine', () => {
    const b = computeBaseline(ledger, '2026-10-01', 'USD');
    // 3 months: 1 July – 30 September 2026, D = 31 + 31 + 30 = 92 days
    expect(b.threeMonths).toMatchObject({ from: '2026-07-01', to: '2026-09-30', days: 92 });
    // S = 9,200 + 4,600 = 13,800; AR(30 Sep) = 9,200 (A; B is paid)
    expect(b.threeMonths.creditSales).toBe(m('13800.00'));
    expect(b.threeMonths.arEnd).toBe(m('9200.00'));
    // DSO = 9,200 / 13,800 × 92 = 61.333… → 61.33
    expect(b.threeMonths.dso).toBe(61.33);
    // A is due 31 July < 30 Sep: all A/R overdue → 100 %; it is 61 days past due → 61–90 bucket
    expect(b.threeMonths.overduePct).toBe(100);
    expect(b.threeMonths.aging.d61_90).toBe(m('9200.00'));
    // CEI = (AR(30 Jun) 0 + S 13,800 − AR 9,200) / (0 + 13,800 − CurrentAR 0) × 100 = 33.333… → 33.33
    expect(b.threeMonths.cei).toBe(33.33);
    // DBT: B settled 11 Sep, due 30 Sep → max(0, −19) = 0; days to pay: 11 Sep − 1 Sep = 10
    expect(b.threeMonths.dbt).toBe(0);
    expect(b.threeMonths.avgDaysToPay).toBe(10);
    // Countback at 30 Sep: A/R 9,200; September's sales 4,600 fit → 30 days, 4,600 left;
    // August (no sales) → 31 days; July's 9,200 do not fit → 4,600 / 9,200 × 31 = 15.5 → 76.5
    expect(b.threeMonths.dsoCountback).toBe(76.5);
    // 6 months: 1 April – 30 September, D = 30 + 31 + 30 + 31 + 31 + 30 = 183; DSO = 9,200 / 13,800 × 183 = 122
    expect(b.sixMonths).toMatchObject({ from: '2026-04-01', to: '2026-09-30', days: 183, dso: 122, cei: 33.33 });
  });

  it('clamps a start on the 31st to the shorter month', () => {
    const b = computeBaseline(ledger, '2026-05-31', 'USD');
    // 31 May − 3 months = 28 February (2026 is not a leap year); to 30 May
    expect(b.threeMonths).toMatchObject({ from: '2026-02-28', to: '2026-05-30' });
    // no invoices issued then: DSO undefined, never 0
    expect(b.threeMonths.dso).toBeNull();
  });
});

const now = (over: Partial<WindowKpis>): WindowKpis => ({
  from: '2026-09-01',
  to: '2026-11-30',
  days: 91,
  creditSales: 0,
  arEnd: 0,
  aging: { current: 0, d1_30: 0, d31_60: 0, d61_90: 0, d91_plus: 0 },
  dso: null,
  dsoCountback: null,
  cei: null,
  dbt: null,
  overduePct: null,
  avgDaysToPay: null,
  ...over,
});

describe('monthly gains', () => {
  it('compares with the 3-month baseline and prices the DSO reduction', () => {
    const b = computeBaseline(ledger, '2026-10-01', 'USD');
    const g = monthlyGains(b, now({ dso: 45, cei: 50, creditSales: m('13800.00'), days: 92, overduePct: 20 }));
    // ΔDSO = 61.33 − 45.00 = 16.33 days
    expect(g.dsoReduction).toBe(16.33);
    // daily sales = 13,800.00 / 92 = 150.00
    expect(g.dailySales).toBe(m('150.00'));
    // cash released = 16.33 × 13,800.00 / 92 = 1633 × 1,380,000 / 9,200 cents = 244,950 cents = 2,449.50
    expect(g.cashReleased).toBe(m('2449.50'));
    const dso = g.kpis.find((k) => k.key === 'dso')!;
    expect(dso).toEqual({ key: 'dso', baseline: 61.33, current: 45, change: -16.33, better: true });
    // CEI rose 33.33 → 50: +16.67, better (higher is better)
    expect(g.kpis.find((k) => k.key === 'cei')).toMatchObject({ change: 16.67, better: true });
    // overdue 100 → 20: −80, better
    expect(g.kpis.find((k) => k.key === 'overduePct')).toMatchObject({ change: -80, better: true });
    // DBT has no current value: no change, neither better nor worse
    expect(g.kpis.find((k) => k.key === 'dbt')).toMatchObject({ change: null, better: null });
  });

  it('rounds cash released half-even in minor units, and is negative when DSO rose', () => {
    // 0.01 day × 100.00 / 3 days = 1 × 10,000 / 300 = 33.33… → 33 cents
    expect(cashReleased(0.01, m('100.00'), 3)).toBe(33);
    // 0.01 × 1.50 / 1 = 1 × 150 / 100 = 1.5 → 2 (even); 0.01 × 2.50 / 1 = 2.5 → 2 (even)
    expect(cashReleased(0.01, 150, 1)).toBe(2);
    expect(cashReleased(0.01, 250, 1)).toBe(2);
    // DSO up 2 days at 1,000.00 a day over 10 days: −2 × 10,000.00 / 10 = −2,000.00
    expect(cashReleased(-2, m('10000.00'), 10)).toBe(m('-2000.00'));
    expect(cashReleased(null, m('10000.00'), 10)).toBeNull();
  });
});

describe('the attribution rule (last Arcus touch within N days)', () => {
  const t = (kind: Touch['kind'], date: string, customerKey: string, invoiceKeys: string[] | null, at = `${date}T09:00:00Z`): Touch => ({ kind, date, at, customerKey, invoiceKeys });
  const touches = [
    t('reminder', '2026-11-01', 'C1', ['I1']), // 19 days before P1: outside 14
    t('pay_link', '2026-11-10', 'C1', null), // whole customer, 10 days before P1
    t('call', '2026-11-18', 'C1', ['I2']), // on I2 only
    t('plan', '2026-11-16', 'C2', null), // exactly 14 days before P3: inside
    t('reminder', '2026-12-01', 'C2', ['I4']), // after P4: never counts
    t('call', '2026-11-15', 'C2', ['I4']), // 15 days before P4: outside
  ];
  const payments = [
    { invoiceKey: 'I1', customerKey: 'C1', date: '2026-11-20', amount: m('100.00') }, // → pay link
    { invoiceKey: 'I2', customerKey: 'C1', date: '2026-11-20', amount: m('200.00') }, // → call (2 days)
    { invoiceKey: 'I3', customerKey: 'C2', date: '2026-11-30', amount: m('50.00') }, // → plan (14 days)
    { invoiceKey: 'I4', customerKey: 'C2', date: '2026-11-30', amount: m('25.00') }, // → plan too (customer-wide)
    { invoiceKey: 'I9', customerKey: 'C3', date: '2026-11-30', amount: m('10.01') }, // no touch
  ];

  it('credits each payment to the most recent touch in range', () => {
    const a = attribute(payments, touches, 14);
    // total = 100 + 200 + 50 + 25 + 10.01 = 385.01
    expect(a.total).toBe(m('385.01'));
    expect(a.byKind).toEqual({ pay_link: m('100.00'), call: m('200.00'), plan: m('75.00'), reminder: 0 });
    expect(a.unattributed).toBe(m('10.01'));
    expect(a.countByKind).toEqual({ pay_link: 1, call: 1, plan: 2, reminder: 0 });
  });

  it('takes N from the organisation: with 20 days the 1 November reminder is in range but the pay link is later', () => {
    // P1: reminder (19 days) and pay link (10 days) both in range → the later, the pay link
    expect(touchFor(payments[0]!, touches, 20)!.kind).toBe('pay_link');
    // with N = 9 the pay link (10 days) is out too → nothing
    expect(touchFor(payments[0]!, touches, 9)).toBeNull();
    // with N = 0 only same-day touches count
    expect(attribute(payments, [t('call', '2026-11-20', 'C1', ['I1'])], 0).byKind.call).toBe(m('100.00'));
  });

  it('breaks a same-day tie by the later instant, then the invoice over the customer', () => {
    const p = payments[0]!;
    expect(touchFor(p, [t('reminder', '2026-11-19', 'C1', ['I1'], '2026-11-19T10:00:00Z'), t('call', '2026-11-19', 'C1', ['I1'], '2026-11-19T16:00:00Z')], 14)!.kind).toBe('call');
    expect(touchFor(p, [t('pay_link', '2026-11-19', 'C1', null, 'x'), t('reminder', '2026-11-19', 'C1', ['I1'], 'x')], 14)!.kind).toBe('reminder');
  });
});

describe('promises kept and broken', () => {
  it('counts promises due in the month by whether a payment came by the promised day', () => {
    const pays = [{ invoiceKey: 'I1', customerKey: 'C1', date: '2026-11-10', amount: 100 }];
    const r = promiseOutcomes(
      [
        { madeOn: '2026-11-01', promisedDate: '2026-11-12', customerKey: 'C1', invoiceKeys: ['I1'] }, // paid 10 Nov ≤ 12 Nov: kept
        { madeOn: '2026-11-01', promisedDate: '2026-11-05', customerKey: 'C1', invoiceKeys: ['I1'] }, // paid after 5 Nov: broken
        { madeOn: '2026-11-01', promisedDate: '2026-11-20', customerKey: 'C1', invoiceKeys: ['I2'] }, // other invoice: broken
        { madeOn: '2026-11-01', promisedDate: '2026-11-20', customerKey: 'C1', invoiceKeys: null }, // any invoice of C1: kept
        { madeOn: '2026-11-25', promisedDate: '2026-12-03', customerKey: 'C1', invoiceKeys: null }, // due next month: not counted
      ],
      pays,
      '2026-11-01',
      '2026-11-30',
    );
    expect(r).toEqual({ kept: 2, broken: 2 });
  });
});

describe('the send day', () => {
  it('is the first weekday of the month', () => {
    // 1 August 2026 is a Saturday (1 January 2026 is a Thursday; 212 days later, 212 mod 7 = 2)
    expect(weekday('2026-08-01')).toBe(6);
    expect(firstBusinessDay('2026-08-17')).toBe('2026-08-03');
    // 1 December 2026 is a Tuesday
    expect(firstBusinessDay('2026-12-01')).toBe('2026-12-01');
  });

  it('makes the previous month due from 08:00 on that day, and stays due later in the month', () => {
    expect(dueReportMonth('2026-08-01', 12)).toBeNull();
    expect(dueReportMonth('2026-08-02', 12)).toBeNull();
    expect(dueReportMonth('2026-08-03', 7)).toBeNull();
    expect(dueReportMonth('2026-08-03', 8)).toBe('2026-07');
    expect(dueReportMonth('2026-08-20', 0)).toBe('2026-07');
    expect(dueReportMonth('2027-01-01', 9)).toBe('2026-12');
  });
});
