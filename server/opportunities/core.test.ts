import { describe, expect, it } from 'vitest';
import { benchmarksFor, cashAtBenchmark, type ClientFigures, firmPerformance, meanOf, proposeTier, quartiles, quarterOf, rankOpportunities, reasonsFor, type SizeBand, type Tier } from './core';

// Bands in cents: small below 1,000,000.00, large from it.
const BANDS: SizeBand[] = [
  { name: 'Small', below: 100_000_000 },
  { name: 'Large', below: null },
];
const LIMITS = { dsoAbove: 45, overduePctAbove: 30, dsoIncreasePct: 15, ceiBelow: 80 };
const TIERS: Tier[] = [
  { name: 'Essentials', maxOpenInvoices: 50, monthlyFee: 25_000 },
  { name: 'Standard', maxOpenInvoices: 200, monthlyFee: 60_000 },
  { name: 'Complete', maxOpenInvoices: null, monthlyFee: 120_000 },
];

function client(name: string, o: Partial<ClientFigures>): ClientFigures {
  return { organisationId: `id-${name}`, name, industry: null, dso: null, cei: null, dbt: null, overduePct: null, dsoCompare: null, creditSales: 0, days: 90, trailingSales: 10_000_000, openInvoices: 10, currency: 'USD', ...o };
}

describe('quartiles (type 7, linear interpolation)', () => {
  it('interpolates between order statistics', () => {
    // n = 4: Q1 at h = 0.75 → 10 + 0.75 × 10 = 17.5; median h = 1.5 → 25; Q3 h = 2.25 → 30 + 0.25 × 10 = 32.5
    expect(quartiles([40, 10, 30, 20])).toEqual({ q1: 17.5, median: 25, q3: 32.5, count: 4 });
  });
  it('skips undefined values', () => {
    // 10, 30, 50: Q1 h = 0.5 → 20; median 30; Q3 h = 1.5 → 40
    expect(quartiles([30, null, 10, 50])).toEqual({ q1: 20, median: 30, q3: 40, count: 3 });
    expect(quartiles([null])).toBeNull();
    expect(quartiles([7.25])).toEqual({ q1: 7.25, median: 7.25, q3: 7.25, count: 1 });
  });
  it('rounds half-even to hundredths', () => {
    // 1.01, 1.02: Q1 = 1.0125 → 1.01; median = 1.015 → 1.02 (101.5 hundredths, to even 102); Q3 = 1.0175 → 1.02
    expect(quartiles([1.02, 1.01])).toEqual({ q1: 1.01, median: 1.02, q3: 1.02, count: 2 });
    // 1.00, 1.01: median 1.005 → 100.5 hundredths → to even 100 → 1.00
    expect(quartiles([1, 1.01])?.median).toBe(1);
  });
  it('places a value in its quarter, boundaries to the better one', () => {
    const q = { q1: 17.5, median: 25, q3: 32.5, count: 4 };
    expect([17.5, 20, 25, 30, 40].map((v) => quarterOf(v, q, true))).toEqual([1, 2, 2, 3, 4]);
    // CEI: higher is better
    expect([40, 32.5, 30, 20, 10].map((v) => quarterOf(v, q, false))).toEqual([1, 1, 2, 3, 4]);
    expect(quarterOf(null, q, true)).toBeNull();
  });
});

describe('benchmarks by peer group', () => {
  const a = client('A', { dso: 30, overduePct: 10 });
  const b = client('B', { dso: 40, overduePct: 20 });
  const c = client('C', { dso: 50, overduePct: 30 });
  const d = client('D', { dso: 80, overduePct: 60, trailingSales: 500_000_000, creditSales: 900_000, days: 90 });
  const e = client('E', { dso: 90, trailingSales: null, currency: 'ZAR' });

  it('takes the median of a group of 3 or more, and all clients for a smaller group', () => {
    const m = benchmarksFor([a, b, c, d], BANDS);
    expect(m.get(a.organisationId)).toMatchObject({ basis: 'group', groupName: 'Small clients', members: 3, values: { dso: 40, overduePct: 20 } });
    // D is alone in the large band: all four clients, median of 30, 40, 50, 80 = 45
    const dBench = m.get(d.organisationId)!;
    expect(dBench).toMatchObject({ basis: 'all', groupName: 'All clients', members: 4, values: { dso: 45, overduePct: 25 } });
    expect(dBench.sentence).toBe("There is only 1 client in its group (large clients), so it is compared with all 4 of the firm's clients.");
  });

  it('compares a client of unknown size with all clients', () => {
    const m = benchmarksFor([a, b, c, e], BANDS);
    expect(m.get(e.organisationId)).toMatchObject({ basis: 'all', members: 4 });
    expect(m.get(e.organisationId)!.sentence).toMatch(/^Its size is unknown/);
    expect(m.get(a.organisationId)).toMatchObject({ basis: 'group', members: 3 });
  });

  it('groups by industry when known', () => {
    const x = [a, b, c].map((k) => ({ ...k, industry: 'Construction' }));
    const m = benchmarksFor([...x, client('F', { dso: 10, industry: 'Retail' })], BANDS);
    expect(m.get(x[0]!.organisationId)).toMatchObject({ basis: 'group', groupName: 'Construction, small clients', values: { dso: 40 } });
    expect(m.get('id-F')).toMatchObject({ basis: 'all' });
  });
});

describe('cash released at the benchmark DSO', () => {
  it('is the DSO gap × daily sales, exact', () => {
    // (61.33 − 45.00) × 13,800.00 / 92 = 1,633 hundredths × 1,380,000 cents / 9,200 = 244,950 cents
    expect(cashAtBenchmark(61.33, 45, 1_380_000, 92)).toBe(244_950);
  });
  it('rounds half-even', () => {
    // 0.01 × 50 cents / 1 day = 0.5 cent → 0; 0.01 × 150 / 1 = 1.5 → 2
    expect(cashAtBenchmark(10.01, 10, 50, 1)).toBe(0);
    expect(cashAtBenchmark(10.01, 10, 150, 1)).toBe(2);
  });
  it('is zero when already at or better than the benchmark, null when undefined', () => {
    expect(cashAtBenchmark(30, 45, 1_000_000, 90)).toBe(0);
    expect(cashAtBenchmark(45, 45, 1_000_000, 90)).toBe(0);
    expect(cashAtBenchmark(null, 45, 1_000_000, 90)).toBeNull();
    expect(cashAtBenchmark(50, null, 1_000_000, 90)).toBeNull();
  });
});

describe('reasons, proposal and ranking', () => {
  it('says why in sentences', () => {
    const c = client('A', { dso: 60, dsoCompare: 50, overduePct: 35, cei: 70 });
    const bench = { groupName: 'All clients', basis: 'all' as const, members: 4, sentence: '', values: { dso: 40, cei: 85, dbt: 5, overduePct: 20 } };
    expect(reasonsFor(c, bench, LIMITS)).toEqual([
      "DSO of 60.00 days is above the firm's limit of 45 days.",
      "35.00% of receivables are overdue, above the firm's limit of 30%.",
      'DSO rose 20% against the 90 days before (50.00 days to 60.00 days).',
      "Collection effectiveness of 70.00% is below the firm's limit of 80%.",
      'DSO lags the benchmark of 40.00 days.',
      'Overdue share lags the benchmark of 20.00%.',
    ]);
    // a 15% rise is not more than 15%
    expect(reasonsFor(client('B', { dso: 46, dsoCompare: 40 }), { ...bench, values: { dso: 50, cei: null, dbt: null, overduePct: null } }, LIMITS)).toEqual(["DSO of 46.00 days is above the firm's limit of 45 days."]);
  });

  it('proposes the first tier that fits the open invoices', () => {
    expect(proposeTier(50, TIERS)?.name).toBe('Essentials');
    expect(proposeTier(51, TIERS)?.name).toBe('Standard');
    expect(proposeTier(5000, TIERS)?.name).toBe('Complete');
  });

  it('ranks flagged clients by cash released, then the rest', () => {
    // All four compared with all (groups of 1–2): median DSO of 20, 30, 60, 90 = 45
    const rows = rankOpportunities(
      [
        client('Low', { dso: 20, creditSales: 900_000 }),
        client('Mid', { dso: 30, creditSales: 900_000 }),
        client('High', { dso: 60, creditSales: 900_000, trailingSales: 500_000_000 }),
        client('Higher', { dso: 90, creditSales: 90_000, trailingSales: 500_000_000, openInvoices: 300 }),
      ],
      { bands: BANDS, limits: { ...LIMITS, dsoAbove: 100 }, tiers: TIERS, reportingCurrency: 'USD' },
    );
    // High: 15 days × 9,000.00 / 90 = 1,500.00; Higher: 45 × 900.00 / 90 = 450.00; Low, Mid: 0 and not flagged
    expect(rows.map((r) => [r.client.name, r.cashReleased])).toEqual([
      ['High', 150_000],
      ['Higher', 45_000],
      ['Low', 0],
      ['Mid', 0],
    ]);
    expect(rows[0]!.dailySales).toBe(10_000);
    expect(rows[1]!.tier?.name).toBe('Complete');
    expect(rows[2]!.reasons).toEqual([]);
  });
});

describe("the firm's performance over time", () => {
  it('averages gains per month, exact and half-even, skipping undefined figures', () => {
    // July: DSO (10.00 + 5.01) / 2 = 7.505 → 750.5 hundredths → to even 750 → 7.50
    const months = firmPerformance([
      { month: '2026-08', dsoReduction: 2, ceiGain: null, overdueReduction: -1 },
      { month: '2026-07', dsoReduction: 10, ceiGain: 3, overdueReduction: 4 },
      { month: '2026-07', dsoReduction: 5.01, ceiGain: null, overdueReduction: 2 },
    ]);
    expect(months).toEqual([
      { month: '2026-07', clients: 2, dsoReduction: 7.5, ceiGain: 3, overdueReduction: 3 },
      { month: '2026-08', clients: 1, dsoReduction: 2, ceiGain: null, overdueReduction: -1 },
    ]);
    expect(meanOf([0.01, 0.02])).toBe(0.02); // 1.5 hundredths → 2
  });
});
