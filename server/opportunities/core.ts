/**
 * Opportunities and benchmarks: pure, no I/O (docs/decisions/037-opportunities-and-benchmarks.md).
 *
 * - Peer groups: industry (when an organisation carries one) and a size band by trailing-12-month
 *   credit sales in the reporting currency. A group of fewer than MIN_GROUP clients is compared
 *   with all of the firm's clients instead, and says so.
 * - Benchmark of a group = the median (quartile 2 below) of each metric over its members with a value.
 * - Quartiles: linear interpolation between order statistics (Hyndman & Fan type 7, the default
 *   of R, NumPy and Excel's QUARTILE.INC): h = (n − 1) × p, Q = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋),
 *   computed exactly on hundredths and rounded half-even to 2 decimals.
 * - Cash released at the benchmark DSO = (DSO − benchmark DSO) × daily sales, daily sales = the
 *   period's credit sales ÷ its days, from the 2-decimal figures shown:
 *   round_half_even(ΔDSO in hundredths × sales ÷ (100 × days)) minor units; 0 when DSO is already
 *   at or below the benchmark; null when either DSO is undefined.
 * - Ranking: clients with at least one reason first, then by cash released (largest first), then by name.
 */
import { divRoundHalfEven, type Minor } from '../../kernel/money';

export const BENCHMARK_METRICS = ['dso', 'cei', 'dbt', 'overduePct'] as const;
export type BenchmarkMetric = (typeof BENCHMARK_METRICS)[number];

/** Whether a lower value is better. */
export const LOWER_IS_BETTER: Record<BenchmarkMetric, boolean> = { dso: true, cei: false, dbt: true, overduePct: true };

export const METRIC_WORDS: Record<BenchmarkMetric, { name: string; unit: 'days' | '%' }> = {
  dso: { name: 'Days sales outstanding (DSO)', unit: 'days' },
  cei: { name: 'Collection effectiveness (CEI)', unit: '%' },
  dbt: { name: 'Average days beyond terms (DBT)', unit: 'days' },
  overduePct: { name: 'Share of receivables overdue', unit: '%' },
};

/** A group smaller than this is compared with all clients instead. */
export const MIN_GROUP = 3;

export type Values = Record<BenchmarkMetric, number | null>;

export interface ClientFigures extends Values {
  organisationId: string;
  name: string;
  /** Industry when the organisation carries one (none do yet: the ledgers' connectors do not bring it). */
  industry: string | null;
  /** DSO of the comparison period (the 90 days before), for the trend. */
  dsoCompare: number | null;
  /** The period's credit sales and days, for daily sales. In `currency`. */
  creditSales: Minor;
  days: number;
  /** Credit sales of the 12 months to the period's end, in the reporting currency; null when the organisation has no rate to it. */
  trailingSales: Minor | null;
  openInvoices: number;
  /** The currency of the amounts: the reporting currency, or the organisation's own when there is no rate. */
  currency: string;
}

export interface SizeBand {
  name: string;
  /** Trailing-12-month sales below this (minor units of the reporting currency); null for the last band. */
  below: Minor | null;
}

export interface OpportunityLimits {
  /** Flag when DSO is above this many days. */
  dsoAbove: number;
  /** Flag when more than this percent of receivables is overdue. */
  overduePctAbove: number;
  /** Flag when DSO rose by more than this percent against the 90 days before (the firm's needs-help limit). */
  dsoIncreasePct: number;
  /** Flag when CEI is below this percent (the firm's needs-help limit). */
  ceiBelow: number;
}

export interface Tier {
  name: string;
  /** Up to this many open invoices; null for the last tier. */
  maxOpenInvoices: number | null;
  /** Fixed monthly fee, minor units of the reporting currency. */
  monthlyFee: Minor;
}

// ── quartiles ─────────────────────────────────────────────────────────────

/** A 2-decimal figure as an exact integer of hundredths. */
const hundredths = (v: number): bigint => BigInt(Math.round(v * 100));

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
  count: number;
}

/** Type-7 quantile at p = k/4 of sorted hundredths, exact, rounded half-even to hundredths. */
function quantile(sorted: readonly bigint[], k: 1 | 2 | 3): bigint {
  // h = (n − 1) k / 4; Q = x[lo] + (h − lo)(x[lo + 1] − x[lo]); times 4 to stay in integers.
  const h4 = (sorted.length - 1) * k;
  const lo = Math.floor(h4 / 4);
  const frac4 = BigInt(h4 - lo * 4);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return divRoundHalfEven(4n * a + frac4 * (b - a), 4n);
}

/** Quartiles of the non-null values (type 7), or null when there are none. */
export function quartiles(values: readonly (number | null)[]): Quartiles | null {
  const xs = values.filter((v): v is number => v !== null).map(hundredths).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (xs.length === 0) return null;
  const n = (h: bigint) => Number(h) / 100;
  return { q1: n(quantile(xs, 1)), median: n(quantile(xs, 2)), q3: n(quantile(xs, 3)), count: xs.length };
}

/**
 * Which quarter of the firm a value falls in, 1 = the best quarter, 4 = the weakest. For a
 * lower-is-better metric: ≤ Q1 → 1, ≤ median → 2, ≤ Q3 → 3, else 4; for CEI the mirror image
 * (≥ Q3 → 1 …). A value on a boundary goes to the better quarter.
 */
export function quarterOf(value: number | null, q: Quartiles | null, lowerIsBetter: boolean): 1 | 2 | 3 | 4 | null {
  if (value === null || q === null) return null;
  if (lowerIsBetter) return value <= q.q1 ? 1 : value <= q.median ? 2 : value <= q.q3 ? 3 : 4;
  return value >= q.q3 ? 1 : value >= q.median ? 2 : value >= q.q1 ? 3 : 4;
}

export const QUARTER_WORDS = { 1: 'Best quarter', 2: 'Second quarter', 3: 'Third quarter', 4: 'Weakest quarter' } as const;

// ── peer groups and benchmarks ────────────────────────────────────────────

/** The size band of trailing sales, or null when they are unknown (no rate to the reporting currency). */
export function sizeBandOf(trailingSales: Minor | null, bands: readonly SizeBand[]): SizeBand | null {
  if (trailingSales === null) return null;
  return bands.find((b) => b.below === null || trailingSales < b.below) ?? bands[bands.length - 1] ?? null;
}

export interface Benchmark {
  /** The group's name in words, e.g. "Small clients" or "Construction, small clients". */
  groupName: string;
  /** Whether the group was big enough, or all clients were used instead. */
  basis: 'group' | 'all';
  /** Clients the medians are taken over. */
  members: number;
  /** Why and against whom, in a sentence. */
  sentence: string;
  values: Values;
}

function groupKey(c: ClientFigures, bands: readonly SizeBand[]): string | null {
  const band = sizeBandOf(c.trailingSales, bands);
  if (!band) return null;
  return `${c.industry ?? ''}\u0000${band.name}`;
}

function groupName(c: ClientFigures, bands: readonly SizeBand[]): string {
  const band = sizeBandOf(c.trailingSales, bands);
  const size = band ? `${band.name.toLowerCase()} clients` : 'clients of unknown size';
  return c.industry ? `${c.industry}, ${size}` : size.charAt(0).toUpperCase() + size.slice(1);
}

function medians(members: readonly ClientFigures[]): Values {
  const out = {} as Values;
  for (const m of BENCHMARK_METRICS) out[m] = quartiles(members.map((c) => c[m]))?.median ?? null;
  return out;
}

/** Each client's benchmark: its peer group's medians, or all clients' when the group has fewer than MIN_GROUP members. */
export function benchmarksFor(clients: readonly ClientFigures[], bands: readonly SizeBand[]): Map<string, Benchmark> {
  const groups = new Map<string, ClientFigures[]>();
  for (const c of clients) {
    const k = groupKey(c, bands);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const all = medians(clients);
  const out = new Map<string, Benchmark>();
  for (const c of clients) {
    const k = groupKey(c, bands);
    const members = k === null ? [] : (groups.get(k) ?? []);
    const name = groupName(c, bands);
    if (members.length >= MIN_GROUP) {
      out.set(c.organisationId, { groupName: name, basis: 'group', members: members.length, sentence: `Compared with the ${members.length} ${name.toLowerCase()} of the firm (sales in the last 12 months${c.industry ? ', same industry' : ''}).`, values: medians(members) });
    } else {
      const why = k === null ? 'Its size is unknown (no exchange rate to the reporting currency)' : `There ${members.length === 1 ? 'is only 1 client' : `are only ${members.length} clients`} in its group (${name.toLowerCase()})`;
      out.set(c.organisationId, { groupName: 'All clients', basis: 'all', members: clients.length, sentence: `${why}, so it is compared with all ${clients.length} of the firm's clients.`, values: all });
    }
  }
  return out;
}

// ── cash released, flags, ranking ─────────────────────────────────────────

/** (DSO − benchmark DSO) × sales ÷ days, from the 2-decimal figures, half-even; 0 when already at or below the benchmark. */
export function cashAtBenchmark(dso: number | null, benchmarkDso: number | null, creditSales: Minor, days: number): Minor | null {
  if (dso === null || benchmarkDso === null || days <= 0) return null;
  const gap = hundredths(dso) - hundredths(benchmarkDso);
  if (gap <= 0n || creditSales <= 0) return 0;
  return Number(divRoundHalfEven(gap * BigInt(creditSales), 100n * BigInt(days)));
}

const fmt = (v: number, unit: 'days' | '%') => (unit === '%' ? `${v.toFixed(2)}%` : `${v.toFixed(2)} days`);

/** Why a client is an opportunity, in sentences (empty: none). */
export function reasonsFor(c: ClientFigures, bench: Benchmark, limits: OpportunityLimits): string[] {
  const out: string[] = [];
  if (c.dso !== null && c.dso > limits.dsoAbove) out.push(`DSO of ${fmt(c.dso, 'days')} is above the firm's limit of ${limits.dsoAbove} days.`);
  if (c.overduePct !== null && c.overduePct > limits.overduePctAbove) out.push(`${fmt(c.overduePct, '%')} of receivables are overdue, above the firm's limit of ${limits.overduePctAbove}%.`);
  if (c.dso !== null && c.dsoCompare !== null && c.dsoCompare > 0) {
    const rise = ((c.dso - c.dsoCompare) / c.dsoCompare) * 100;
    if (rise > limits.dsoIncreasePct) out.push(`DSO rose ${Math.round(rise)}% against the 90 days before (${fmt(c.dsoCompare, 'days')} to ${fmt(c.dso, 'days')}).`);
  }
  if (c.cei !== null && c.cei < limits.ceiBelow) out.push(`Collection effectiveness of ${fmt(c.cei, '%')} is below the firm's limit of ${limits.ceiBelow}%.`);
  const b = bench.values;
  if (c.dso !== null && b.dso !== null && c.dso > b.dso) out.push(`DSO lags the benchmark of ${fmt(b.dso, 'days')}.`);
  if (c.overduePct !== null && b.overduePct !== null && c.overduePct > b.overduePct) out.push(`Overdue share lags the benchmark of ${fmt(b.overduePct, '%')}.`);
  return out;
}

/** The first tier whose limit fits the open invoices. */
export function proposeTier(openInvoices: number, tiers: readonly Tier[]): Tier | null {
  return tiers.find((t) => t.maxOpenInvoices === null || openInvoices <= t.maxOpenInvoices) ?? tiers[tiers.length - 1] ?? null;
}

export interface Opportunity {
  client: ClientFigures;
  benchmark: Benchmark;
  /** Daily sales of the period, half-even, in the client's currency. */
  dailySales: Minor | null;
  cashReleased: Minor | null;
  reasons: string[];
  tier: Tier | null;
}

/** Every client with its benchmark, cash released, reasons and proposed tier, ranked (see the file's head). */
export function rankOpportunities(clients: readonly ClientFigures[], p: { bands: readonly SizeBand[]; limits: OpportunityLimits; tiers: readonly Tier[]; reportingCurrency: string }): Opportunity[] {
  const benches = benchmarksFor(clients, p.bands);
  const rows = clients.map((c): Opportunity => {
    const benchmark = benches.get(c.organisationId)!;
    return {
      client: c,
      benchmark,
      dailySales: c.days > 0 ? Number(divRoundHalfEven(BigInt(c.creditSales), BigInt(c.days))) : null,
      cashReleased: cashAtBenchmark(c.dso, benchmark.values.dso, c.creditSales, c.days),
      reasons: reasonsFor(c, benchmark, p.limits),
      tier: proposeTier(c.openInvoices, p.tiers),
    };
  });
  // Amounts in another currency than the reporting one cannot be compared: they go after, by name.
  const key = (o: Opportunity) => (o.client.currency === p.reportingCurrency ? (o.cashReleased ?? -1) : -2);
  return rows.sort((a, b) => Number(b.reasons.length > 0) - Number(a.reasons.length > 0) || key(b) - key(a) || a.client.name.localeCompare(b.client.name) || a.client.organisationId.localeCompare(b.client.organisationId));
}

// ── the firm's performance over time ──────────────────────────────────────

export interface ClientMonthGain {
  month: string;
  /** Baseline DSO − DSO now (days; positive = better). */
  dsoReduction: number | null;
  /** CEI now − baseline (points; positive = better). */
  ceiGain: number | null;
  /** Overdue share baseline − now (points; positive = better). */
  overdueReduction: number | null;
}

export interface FirmMonth {
  month: string;
  clients: number;
  dsoReduction: number | null;
  ceiGain: number | null;
  overdueReduction: number | null;
}

/** Mean of 2-decimal figures, exact on hundredths, rounded half-even to 2 decimals. */
export function meanOf(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return null;
  const sum = xs.reduce((s, v) => s + hundredths(v), 0n);
  return Number(divRoundHalfEven(sum, BigInt(xs.length))) / 100;
}

/** The average gain across managed clients, month by month (months in order). */
export function firmPerformance(gains: readonly ClientMonthGain[]): FirmMonth[] {
  const byMonth = new Map<string, ClientMonthGain[]>();
  for (const g of gains) byMonth.set(g.month, [...(byMonth.get(g.month) ?? []), g]);
  return [...byMonth.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, gs]) => ({
      month,
      clients: gs.length,
      dsoReduction: meanOf(gs.map((g) => g.dsoReduction)),
      ceiGain: meanOf(gs.map((g) => g.ceiGain)),
      overdueReduction: meanOf(gs.map((g) => g.overdueReduction)),
    }));
}
