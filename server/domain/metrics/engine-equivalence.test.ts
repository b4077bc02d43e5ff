import { describe, expect, it } from 'vitest';
import { addDays, type CalendarDate, diffDays, startOfMonth } from '../../../kernel/dates';
import { mulberry32 } from '../random';
import { computeMetrics } from './compute-metrics';
import { convertInvoices } from './convert-invoices';
import { computePeriods } from './engine';
import { computePeriodsV1 } from './engine-v1';
import { metricLedger } from './ledger';
import { monthlySeries, monthPeriods } from './monthly-series';
import type { MetricInvoice, MetricsResult, Period } from './types';

/**
 * The engine (columns, per-day tables, one pass; docs/decisions/022-metrics-engine.md) — on a
 * list converted a block at a time, on a list converted three at a time without the per-day
 * tables, and on a MetricLedger converted once —
 * against (1) an independent, deliberately naive reading of the definitions in DESIGN.md —
 * string dates, BigInt sums, one exact rounding — and (2) the engine before issue #22
 * (engine-v1.ts), on random ledgers from a seeded PRNG: part payments, overpayments, reversed
 * settlements, credit allocations on other dates, settlements before the issue date, listed out
 * of order or on the same day, missing due dates, amounts past 2^31 and products past 2^53,
 * foreign-currency invoices converted to base amounts (convertInvoices), empty periods.
 */

type Rand = () => number;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

const ORIGIN = '2023-01-01';

function randomLedger(rand: Rand, size: number): MetricInvoice[] {
  const invoices: MetricInvoice[] = [];
  for (let i = 0; i < size; i++) {
    const issueDate = addDays(ORIGIN, int(rand, 0, 600));
    const big = rand() < 0.05;
    const total = rand() < 0.04 ? 0 : big ? int(rand, 2 ** 31, 2 ** 40) : int(rand, 1, 800_000);
    const settlements: { date: CalendarDate; amount: number }[] = [];
    const at = (days: number, amount: number) => settlements.push({ date: addDays(issueDate, days), amount });
    const r = rand();
    if (r < 0.3) at(int(rand, 0, 130), total);
    else if (r < 0.5) {
      const first = Math.floor(total * rand());
      const d = int(rand, 0, 60);
      at(d, first);
      if (rand() < 0.7) at(d + int(rand, 0, 90), total - first);
    } else if (r < 0.57) at(int(rand, 0, 40), total + int(rand, 1, 5000)); // overpaid
    else if (r < 0.66) {
      const d = int(rand, 0, 30);
      at(d, total);
      at(d + int(rand, 0, 10), -total); // reversed (same day possible)
      if (rand() < 0.6) at(d + int(rand, 10, 60), total);
    } else if (r < 0.7) at(-int(rand, 1, 5), total); // dated before the issue date
    if (rand() < 0.2) at(int(rand, -3, 80), Math.floor(total * rand() * 0.6)); // credit-note allocation
    if (rand() < 0.5) settlements.reverse(); // not in date order
    invoices.push({
      id: `i${i}`,
      customerId: `c${i % 4}`,
      currency: rand() < 0.3 ? pick(rand, ['EUR', 'JPY', 'CHF']) : 'USD',
      issueDate,
      dueDate: rand() < 0.1 ? null : addDays(issueDate, pick(rand, [0, 7, 14, 30, 45, 60])),
      total,
      settlements,
    });
  }
  // Foreign invoices to base amounts, as the analytics do (cumulative, half-even).
  return convertInvoices(invoices, { EUR: '1.0850', JPY: '0.0071234567', CHF: '1.2345678901' }, 'USD');
}

function randomPeriod(rand: Rand): Period {
  const from = addDays(ORIGIN, int(rand, -60, 800));
  return { from, to: addDays(from, pick(rand, [0, int(rand, 1, 31), int(rand, 28, 120), int(rand, 120, 400)])) };
}

/** num / den rounded half away from zero to 2 decimals, on integers; null when den is 0. */
function exactRound(num: bigint, den: bigint): number | null {
  if (den === 0n) return null;
  const negative = num < 0n !== den < 0n;
  const n = (num < 0n ? -num : num) * 100n;
  const d = den < 0n ? -den : den;
  const q = n / d + (2n * (n % d) >= d ? 1n : 0n);
  const cents = Number(q);
  return (negative && cents !== 0 ? -cents : cents) / 100;
}

/** The definitions, read literally: every quantity recomputed from the invoice list for each day asked. */
function reference(invoices: MetricInvoice[], from: CalendarDate, to: CalendarDate) {
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  const balance = (inv: MetricInvoice, t: CalendarDate) => BigInt(inv.total) - sum(inv.settlements.filter((s) => s.date <= t).map((s) => BigInt(s.amount)));
  const open = (inv: MetricInvoice, t: CalendarDate) => (inv.issueDate <= t && balance(inv, t) > 0n ? balance(inv, t) : 0n);
  const due = (inv: MetricInvoice) => inv.dueDate ?? inv.issueDate;
  const arAt = (t: CalendarDate) => sum(invoices.map((i) => open(i, t)));
  const bucketAt = (t: CalendarDate, lo: number, hi: number) =>
    sum(invoices.filter((i) => diffDays(due(i), t) >= lo && diffDays(due(i), t) <= hi).map((i) => open(i, t)));
  const sales = (a: CalendarDate, b: CalendarDate) => sum(invoices.filter((i) => i.issueDate >= a && i.issueDate <= b).map((i) => BigInt(i.total)));
  const D = BigInt(diffDays(from, to) + 1);
  const S = sales(from, to);
  const A = arAt(addDays(from, -1));
  const B = arAt(to);
  const C = bucketAt(to, Number.NEGATIVE_INFINITY, 0);

  // Settled date: the first day from which the balance stays at or below zero, never before issue.
  const settledOn = (inv: MetricInvoice): CalendarDate | null => {
    if (inv.total <= 0 || inv.settlements.length === 0) return null;
    let at: CalendarDate | null = null;
    for (const d of [...new Set(inv.settlements.map((s) => s.date))].sort()) {
      if (balance(inv, d) <= 0n) at ??= d;
      else at = null;
    }
    return at === null ? null : at < inv.issueDate ? inv.issueDate : at;
  };
  let weight = 0n;
  let late = 0n;
  let pay = 0n;
  for (const inv of invoices) {
    const s = settledOn(inv);
    if (s === null || s < from || s > to) continue;
    weight += BigInt(inv.total);
    late += BigInt(inv.total) * BigInt(Math.max(0, diffDays(due(inv), s)));
    pay += BigInt(inv.total) * BigInt(diffDays(inv.issueDate, s));
  }

  // Countback: the part of to's month up to to, then whole earlier months back to the first sale.
  let countback: number | null = null;
  const first = invoices.map((i) => i.issueDate).sort()[0];
  if (B === 0n) countback = invoices.some((i) => i.issueDate <= to && i.total > 0) ? 0 : null;
  else if (first !== undefined) {
    let remaining = B;
    let days = 0n;
    let end = to;
    while (end >= startOfMonth(first)) {
      const start = startOfMonth(end);
      const s = sales(start, end);
      const n = BigInt(diffDays(start, end) + 1);
      if (s <= remaining) {
        remaining -= s;
        days += n;
        if (remaining === 0n) {
          countback = exactRound(days, 1n);
          break;
        }
      } else {
        countback = exactRound(days * s + remaining * n, s);
        break;
      }
      end = addDays(start, -1);
    }
  }
  const collected = sum(invoices.flatMap((i) => i.settlements).filter((s) => s.date >= from && s.date <= to).map((s) => BigInt(s.amount)));
  const n = Number;
  return {
    creditSales: n(S),
    arOpen: n(A),
    arEnd: n(B),
    currentArEnd: n(C),
    aging: { current: n(C), d1_30: n(bucketAt(to, 1, 30)), d31_60: n(bucketAt(to, 31, 60)), d61_90: n(bucketAt(to, 61, 90)), d91_plus: n(bucketAt(to, 91, Number.POSITIVE_INFINITY)) },
    collected: n(collected),
    dso: exactRound(B * D, S),
    bestPossibleDso: exactRound(C * D, S),
    add: exactRound((B - C) * D, S),
    dsoCountback: countback,
    cei: exactRound((A + S - B) * 100n, A + S - C),
    dbt: exactRound(late, weight),
    avgDaysToPay: exactRound(pay, weight),
  };
}

const RATIOS = ['dso', 'bestPossibleDso', 'add', 'dsoCountback', 'cei', 'dbt', 'avgDaysToPay'] as const;

function expectWellFormed(r: MetricsResult) {
  for (const key of RATIOS) {
    const v = r[key];
    if (v !== null) expect(Number.isFinite(v), key).toBe(true);
  }
  const a = r.aging;
  expect(a.current + a.d1_30 + a.d31_60 + a.d61_90 + a.d91_plus).toBe(r.arEnd);
}

describe('the engine against the definitions and against the engine before #22', () => {
  it('computeMetrics agrees field by field on 400 random ledgers and periods', () => {
    const rand = mulberry32(22);
    let nulls = 0;
    for (let run = 0; run < 400; run++) {
      const invoices = randomLedger(rand, pick(rand, [0, 1, 2, 5, 20, 60]));
      const period = randomPeriod(rand);
      const got = computeMetrics(invoices, period);
      const { from: _f, to: _t, days: _d, currency: _c, ...fields } = got;
      expect(fields, `run ${run}`).toEqual(reference(invoices, period.from, period.to));
      expect(got).toEqual(computePeriodsV1(invoices, [period])[0]);
      // the same pass without its per-day tables (periods spanning centuries take that path),
      // converting the list three invoices at a time, and over a ledger converted once
      expect(computePeriods(invoices, [period], { tableDaysLimit: 0, blockSize: 3 })[0]).toEqual(got);
      expect(computeMetrics(metricLedger(invoices), period)).toEqual(got);
      expectWellFormed(got);
      nulls += RATIOS.filter((k) => got[k] === null).length;
    }
    expect(nulls).toBeGreaterThan(0); // undefined ratios were exercised, and came back null
  });

  it('monthlySeries equals the engine before #22 and computeMetrics month by month', () => {
    const rand = mulberry32(2201);
    for (let run = 0; run < 60; run++) {
      const invoices = randomLedger(rand, pick(rand, [0, 3, 30, 80]));
      const end = addDays(ORIGIN, int(rand, 0, 800));
      const months = pick(rand, [1, 6, 24]);
      const series = monthlySeries(invoices, end, months);
      expect(series).toEqual(computePeriodsV1(invoices, monthPeriods(end, months)));
      expect(computePeriods(invoices, monthPeriods(end, months), { tableDaysLimit: 0, blockSize: 7 })).toEqual(series);
      expect(monthlySeries(metricLedger(invoices), end, months)).toEqual(series);
      const r = series[int(rand, 0, months - 1)]!;
      expect(r).toEqual(computeMetrics(invoices, { from: r.from, to: r.to }));
      for (const m of series) expectWellFormed(m);
    }
  });

  it('periods that span centuries and ledgers far from them', () => {
    const rand = mulberry32(2202);
    const old = (issueDate: string, settlements: { date: string; amount: number }[] = []): MetricInvoice => ({ id: issueDate, customerId: 'c', currency: 'USD', issueDate, dueDate: null, total: 12_345, settlements });
    // sales more than 360 years before a period's end are kept apart from the per-day array
    const invoices = [...randomLedger(rand, 40), old('1601-03-15'), old('1700-01-01', [{ date: '1700-02-01', amount: 12_345 }]), old('1805-06-01'), old('1999-12-31')];
    for (const period of [
      { from: '1800-01-01', to: '2199-12-31' },
      { from: '1900-02-28', to: '2023-03-15' },
      { from: '2030-01-01', to: '2030-01-31' },
      { from: '0001-01-01', to: '0001-01-31' },
      { from: '2100-01-01', to: '2100-03-31' },
      { from: '1650-01-01', to: '1999-12-31' },
    ]) {
      const got = computeMetrics(invoices, period);
      const { from: _f, to: _t, days: _d, currency: _c, ...fields } = got;
      expect(fields).toEqual(reference(invoices, period.from, period.to));
      expectWellFormed(got);
    }
  });

  it('a settlement amount or total outside the exact range, and a malformed date, are refused as before', () => {
    const base: MetricInvoice = { id: 'x', customerId: 'c', currency: 'USD', issueDate: '2024-01-01', dueDate: null, total: 100, settlements: [] };
    const period = { from: '2024-01-01', to: '2024-01-31' };
    expect(() => computeMetrics([{ ...base, total: 0.5 }], period)).toThrow(/non-negative whole number/);
    expect(() => computeMetrics([{ ...base, settlements: [{ date: '2024-01-02', amount: 1.5 }] }], period)).toThrow(/whole minor units/);
    const huge = Number.MAX_SAFE_INTEGER - 10;
    expect(() => computeMetrics([{ ...base, total: huge }, { ...base, total: huge }], period)).toThrow(/outside the exact range/);
    for (const date of ['2024-02-30', '2024-13-01', '2024-1-01', '2024-01-0x', ' 2024-01-01']) {
      expect(() => computeMetrics([{ ...base, issueDate: date }], period)).toThrow(/not a calendar date/);
      expect(() => computePeriodsV1([{ ...base, issueDate: date }], [period])).toThrow(/not a calendar date/);
    }
  });
});
