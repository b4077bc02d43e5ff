import { describe, expect, it } from 'vitest';
import { computeMetrics, toMetricsJson } from './compute-metrics';
import { countbackDays } from './countback';
import { invoice, m } from './test-invoice';
import { MetricsError } from './types';

describe('published worked examples', () => {
  it('DSO 36.5 days for AR 200,000 on sales 2,000,000 over 365 days', () => {
    const r = computeMetrics(
      [
        invoice('2023-01-15', '2023-02-14', '1800000.00', [['2023-02-10', '1800000.00']]),
        invoice('2023-12-15', '2024-01-14', '200000.00'), // open, not yet due at 2023-12-31
      ],
      { from: '2023-01-01', to: '2023-12-31' },
    );
    expect(r.days).toBe(365);
    expect(r.creditSales).toBe(m('2000000.00'));
    expect(r.arEnd).toBe(m('200000.00'));
    // 200,000 / 2,000,000 × 365 = 36.5
    expect(r.dso).toBe(36.5);
    expect(r.bestPossibleDso).toBe(36.5);
    expect(r.add).toBe(0);
  });

  it('countback DSO 73.71 days for AR 212,000 on monthly sales 100k, 80k, 70k (30-day segments)', () => {
    // 212,000 − 100,000 = 112,000 after 30 days; − 80,000 = 32,000 after 60 days;
    // 70,000 does not fit: 60 + 32,000 / 70,000 × 30 = 60 + 13.714… = 73.71
    expect(
      countbackDays(m('212000.00'), [
        { sales: m('100000.00'), days: 30 },
        { sales: m('80000.00'), days: 30 },
        { sales: m('70000.00'), days: 30 },
      ]),
    ).toBe(73.71);
  });

  it('countback DSO 73.71 at invoice level (segments of 29, 31 and 30 days)', () => {
    // No two calendar months in a row have 30 days, so the published example is rebuilt
    // with to = 2023-06-29: June 1–29 (29 days, sales 100k), May (31 days, 80k), April
    // (30 days, 70k of which 32k is still open). AR(to) = 100k + 80k + 32k = 212k.
    // 212k − 100k = 112k (29 days); − 80k = 32k (60 days); + 32/70 × 30 = 13.714 → 73.71.
    const invoices = [
      invoice('2023-04-05', '2023-05-05', '38000.00', [['2023-05-04', '38000.00']]),
      invoice('2023-04-20', '2023-05-20', '32000.00'),
      invoice('2023-05-10', '2023-06-09', '80000.00'),
      invoice('2023-06-10', '2023-07-10', '60000.00'),
      invoice('2023-06-29', '2023-07-29', '40000.00'),
    ];
    const r = computeMetrics(invoices, { from: '2023-06-01', to: '2023-06-29' });
    expect(r.arEnd).toBe(m('212000.00'));
    expect(r.dsoCountback).toBe(73.71);
    // Ending on June 30 the first segment has 30 days: 30 + 31 + 13.714 = 74.71.
    expect(computeMetrics(invoices, { from: '2023-06-01', to: '2023-06-30' }).dsoCountback).toBe(74.71);
  });

  it('CEI 98% for opening AR 100k, sales 1M, ending AR 120k of which 100k current', () => {
    const r = computeMetrics(
      [
        invoice('2022-12-01', '2022-12-31', '100000.00', [['2023-01-20', '100000.00']]),
        invoice('2023-03-01', '2023-03-31', '880000.00', [['2023-04-01', '880000.00']]),
        invoice('2023-10-01', '2023-10-31', '20000.00'), // overdue at 2023-12-31
        invoice('2023-12-20', '2024-01-19', '100000.00'), // current at 2023-12-31
      ],
      { from: '2023-01-01', to: '2023-12-31' },
    );
    expect([r.arOpen, r.creditSales, r.arEnd, r.currentArEnd]).toEqual([m('100000.00'), m('1000000.00'), m('120000.00'), m('100000.00')]);
    // (100k + 1M − 120k) / (100k + 1M − 100k) × 100 = 980 / 1000 × 100
    expect(r.cei).toBe(98);
  });
});

describe('invoice-level cases, checked by hand', () => {
  // 1,000.00 issued 2024-01-01, due 2024-01-31; paid 300 on Jan 20, 200 on Feb 10, 500 on
  // Mar 5 (listed out of order on purpose).
  const partPaid = invoice('2024-01-01', '2024-01-31', '1000.00', [
    ['2024-03-05', '500.00'],
    ['2024-01-20', '300.00'],
    ['2024-02-10', '200.00'],
  ]);

  it('part payments reduce the balance from their own dates', () => {
    const feb = computeMetrics([partPaid], { from: '2024-02-01', to: '2024-02-29' });
    expect(feb.arOpen).toBe(m('700.00')); // at Jan 31: 1000 − 300
    expect(feb.arEnd).toBe(m('500.00')); // at Feb 29: 1000 − 300 − 200
    expect(feb.aging).toEqual({ current: 0, d1_30: m('500.00'), d31_60: 0, d61_90: 0, d91_plus: 0 }); // 29 days past due
    expect(feb.collected).toBe(m('200.00'));
    expect(feb.dbt).toBeNull(); // not settled in February
    expect(feb.creditSales).toBe(0);
    expect(feb.dso).toBeNull(); // no sales: undefined
    // CEI = (700 + 0 − 500) / (700 + 0 − 0) = 28.571… → 28.57
    expect(feb.cei).toBe(28.57);

    const mar = computeMetrics([partPaid], { from: '2024-03-01', to: '2024-03-31' });
    expect(mar.arEnd).toBe(0);
    expect(mar.collected).toBe(m('500.00'));
    expect(mar.dbt).toBe(34); // settled Mar 5, due Jan 31: 29 + 5 days
    expect(mar.avgDaysToPay).toBe(64); // Jan 1 → Mar 5: 31 + 29 + 4
  });

  it('credit allocations and payments on different dates, settled date = the day the balance reached zero', () => {
    const inv = invoice('2024-03-01', '2024-03-31', '500.00', [
      ['2024-03-10', '100.00'], // credit note allocation
      ['2024-04-15', '400.00'], // payment
    ]);
    const mar = computeMetrics([inv], { from: '2024-03-01', to: '2024-03-31' });
    expect(mar.arEnd).toBe(m('400.00'));
    expect(mar.currentArEnd).toBe(m('400.00')); // due on t itself is not overdue
    expect(mar.collected).toBe(m('100.00'));
    const apr = computeMetrics([inv], { from: '2024-04-01', to: '2024-04-30' });
    expect(apr.arOpen).toBe(m('400.00'));
    expect(apr.dbt).toBe(15); // Apr 15 − Mar 31, weighted by the whole 500
    expect(apr.avgDaysToPay).toBe(45); // Apr 15 − Mar 1
    // weighted: a second invoice of 1,500 settled on its due date (0 days late, 10 to pay)
    const other = invoice('2024-04-05', '2024-04-15', '1500.00', [['2024-04-15', '1500.00']]);
    const both = computeMetrics([inv, other], { from: '2024-04-01', to: '2024-04-30' });
    expect(both.dbt).toBe(3.75); // (500 × 15 + 1500 × 0) / 2000
    expect(both.avgDaysToPay).toBe(18.75); // (500 × 45 + 1500 × 10) / 2000
  });

  it('an invoice without a due date is due on its issue date', () => {
    const open = invoice('2024-01-10', null, '1000.00');
    const at = (to: string) => computeMetrics([open], { from: '2024-01-01', to }).aging;
    expect(at('2024-01-10').current).toBe(m('1000.00')); // 0 days past due
    expect(at('2024-02-09').d1_30).toBe(m('1000.00')); // 30 days
    expect(at('2024-02-10').d31_60).toBe(m('1000.00')); // 31 days
    const paid = invoice('2024-01-10', null, '1000.00', [['2024-01-20', '1000.00']]);
    const r = computeMetrics([paid], { from: '2024-01-01', to: '2024-01-31' });
    expect(r.dbt).toBe(10);
    expect(r.avgDaysToPay).toBe(10);
    expect(r.bestPossibleDso).toBe(0);
  });

  it('aging bucket boundaries at exactly 0/1/30/31/60/61/90/91 days past due', () => {
    const t = '2024-06-30';
    // due dates t − n days; amounts 1, 2, 4, … so every bucket's sum names its members
    const cases: [string, string][] = [
      ['2024-06-30', '1.00'], // 0 → current
      ['2024-06-29', '2.00'], // 1 → 1–30
      ['2024-05-31', '4.00'], // 30 → 1–30
      ['2024-05-30', '8.00'], // 31 → 31–60
      ['2024-05-01', '16.00'], // 60 → 31–60
      ['2024-04-30', '32.00'], // 61 → 61–90
      ['2024-04-01', '64.00'], // 90 → 61–90
      ['2024-03-31', '128.00'], // 91 → 91+
    ];
    const r = computeMetrics(
      cases.map(([due, amount]) => invoice('2024-01-01', due, amount)),
      { from: '2024-06-01', to: t },
    );
    expect(r.aging).toEqual({ current: m('1.00'), d1_30: m('6.00'), d31_60: m('24.00'), d61_90: m('96.00'), d91_plus: m('128.00') });
    expect(r.arEnd).toBe(m('255.00'));
    expect(r.currentArEnd).toBe(m('1.00'));
  });

  it('an empty period gives null ratios, never 0 or NaN', () => {
    const none = computeMetrics([], { from: '2024-01-01', to: '2024-01-31' });
    expect(none).toMatchObject({ currency: null, creditSales: 0, arOpen: 0, arEnd: 0, collected: 0 });
    for (const key of ['dso', 'bestPossibleDso', 'add', 'dsoCountback', 'cei', 'dbt', 'avgDaysToPay'] as const) expect(none[key]).toBeNull();

    // History exists but nothing happens in the period and nothing is owed.
    const quiet = computeMetrics([invoice('2023-10-01', '2023-10-31', '250.00', [['2023-11-02', '250.00']])], { from: '2024-01-01', to: '2024-01-31' });
    expect(quiet.currency).toBe('USD');
    expect([quiet.dso, quiet.bestPossibleDso, quiet.add, quiet.cei, quiet.dbt, quiet.avgDaysToPay]).toEqual([null, null, null, null, null, null]);
    expect(quiet.dsoCountback).toBe(0); // nothing to count back, and there were sales
  });

  it('settled on the due date: DBT 0', () => {
    const r = computeMetrics([invoice('2024-05-01', '2024-05-31', '750.00', [['2024-05-31', '750.00']])], { from: '2024-05-01', to: '2024-05-31' });
    expect(r.dbt).toBe(0);
    expect(r.avgDaysToPay).toBe(30);
    expect(r.arEnd).toBe(0);
    expect(r.dso).toBe(0);
    expect(r.cei).toBe(100);
  });

  it('settled early: DBT counts 0, not negative days', () => {
    const r = computeMetrics([invoice('2024-05-01', '2024-05-31', '100.00', [['2024-05-11', '100.00']])], { from: '2024-05-01', to: '2024-05-31' });
    expect(r.dbt).toBe(0);
    expect(r.avgDaysToPay).toBe(10);
  });

  it('an overpaid invoice is not negative A/R', () => {
    const r = computeMetrics(
      [invoice('2024-05-01', '2024-05-31', '100.00', [['2024-05-10', '120.00']]), invoice('2024-05-02', '2024-06-01', '50.00')],
      { from: '2024-05-01', to: '2024-05-31' },
    );
    expect(r.arEnd).toBe(m('50.00'));
    expect(r.collected).toBe(m('120.00'));
  });

  it('a reversed payment reopens the invoice; it is settled when the balance reaches zero again', () => {
    const inv = invoice('2024-05-01', '2024-05-31', '100.00', [
      ['2024-05-10', '100.00'],
      ['2024-05-20', '-100.00'],
      ['2024-06-05', '100.00'],
    ]);
    expect(computeMetrics([inv], { from: '2024-05-01', to: '2024-05-15' }).arEnd).toBe(0);
    const may = computeMetrics([inv], { from: '2024-05-01', to: '2024-05-31' });
    expect(may.arEnd).toBe(m('100.00'));
    expect(may.dbt).toBeNull();
    expect(may.collected).toBe(0);
    const june = computeMetrics([inv], { from: '2024-06-01', to: '2024-06-30' });
    expect(june.dbt).toBe(5);
  });

  it('a sale on the last day counts in S and in A/R; one issued after `to` counts in neither', () => {
    const r = computeMetrics([invoice('2024-01-31', '2024-03-01', '300.00'), invoice('2024-02-01', '2024-03-02', '999.00')], { from: '2024-01-01', to: '2024-01-31' });
    expect(r.creditSales).toBe(m('300.00'));
    expect(r.arEnd).toBe(m('300.00'));
    expect(r.dso).toBe(31); // 300 / 300 × 31
  });

  it('sums stay exact in minor units (no float drift)', () => {
    const many = Array.from({ length: 1000 }, (_, i) => invoice('2024-01-01', '2024-02-01', '0.10', i % 2 ? [] : [['2024-01-15', '0.10']]));
    const r = computeMetrics(many, { from: '2024-01-01', to: '2024-01-31' });
    expect(r.creditSales).toBe(10000); // 100.00
    expect(r.arEnd).toBe(5000);
    expect(toMetricsJson(r).credit_sales).toBe(100);
    expect(toMetricsJson(r).ar_end).toBe(50);
    expect(r.dso).toBe(15.5); // 50 / 100 × 31
  });

  it('refuses mixed currencies', () => {
    expect(() => computeMetrics([invoice('2024-01-01', null, '1.00', [], 'USD'), invoice('2024-01-01', null, '1.00', [], 'EUR')], { from: '2024-01-01', to: '2024-01-31' })).toThrow(
      /more than one currency \(USD, EUR\)/,
    );
  });

  it('refuses a period that ends before it starts and a negative total', () => {
    expect(() => computeMetrics([], { from: '2024-02-01', to: '2024-01-31' })).toThrow(MetricsError);
    expect(() => computeMetrics([{ ...invoice('2024-01-01', null, '1.00'), total: -100 }], { from: '2024-01-01', to: '2024-01-31' })).toThrow(/non-negative/);
  });

  it('ratios are rounded once, half away from zero, to 2 decimals', () => {
    // AR 1, S 8, D 1 → 0.125 → 0.13 (exact tie rounds up)
    const r = computeMetrics([invoice('2024-01-01', '2024-01-01', '8.00', [['2024-01-01', '7.00']])], { from: '2024-01-01', to: '2024-01-01' });
    expect(r.dso).toBe(0.13);
  });
});

describe('toMetricsJson', () => {
  it('uses the CLI keys and 2-decimal amounts from exact minor units', () => {
    const r = computeMetrics([invoice('2024-01-05', '2024-02-04', '1234.56'), invoice('2023-12-01', '2023-12-31', '0.07', [['2024-01-02', '0.07']])], {
      from: '2024-01-01',
      to: '2024-01-31',
    });
    expect(toMetricsJson(r)).toEqual({
      credit_sales: 1234.56,
      ar_open: 0.07,
      ar_end: 1234.56,
      current_ar_end: 1234.56,
      dso: 31,
      best_possible_dso: 31,
      add: 0,
      dso_countback: 31, // January's sales (1234.56) exactly cover AR(to): the whole 31 days
      cei: 100, // (0.07 + 1234.56 − 1234.56) / (0.07 + 1234.56 − 1234.56)
      dbt: 2,
      avg_days_to_pay: 32,
      collected: 0.07,
      aging: { current: 1234.56, d1_30: 0, d31_60: 0, d61_90: 0, d91_plus: 0 },
    });
  });
});
