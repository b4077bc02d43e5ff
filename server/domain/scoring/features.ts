import { type CalendarDate, toDayNumber } from '../../../kernel/dates';
import type { ScoringInvoice } from './invoice';
import { IntegerMedian, RunningMedian } from './running-median';

/**
 * Features of an invoice as known on its issue date, computed in one chronological sweep.
 *
 * What "known on day D" means (D = the invoice's issue date):
 *  - the invoice's own fields;
 *  - every invoice SETTLED strictly before D (its dates, amount, lateness, dispute flag);
 *  - every invoice ISSUED strictly before D and not settled before D is known to be open
 *    (and overdue when its due date is before D) — but its outcome is not.
 * Events of day D are applied after all invoices issued on D have been read, so nothing
 * that happens on the issue date itself (or later) reaches an invoice's features.
 *
 * Cost: O(n log n) — counting sorts by day and customer, a sort of each customer's events by
 * (day, kind), then O(1) or O(log n) work per event (running medians, a lazy min-heap of
 * open due dates). See `sweepFeatures` for the two passes.
 */

export const FEATURE_NAMES = [
  // Own fields.
  'amountLog', // ln(1 + amount in major units)
  'termsDays', // due − issue
  'disputed', // 0/1
  'paperless', // 0/1 (0 when unknown)
  'issueWeekday', // 0 = Sunday … 6
  'issueMonth', // 1 … 12
  // The customer's invoices settled before the issue date ("history"). K = 5 (late shares),
  // KD = 1 (day statistics: customers differ far more than one customer's invoices do).
  'histCount', // how many
  'histLateCount', // how many of them late
  'histLateShare', // (late + K·firm share) / (n + K)
  'histLateShareUndisputed', // the same over undisputed invoices only
  'histMeanDaysLate', // raw mean of max(0, settled − due) (0 without history)
  'histMeanDaysLateShrunk', // (Σ days late + K·firm mean) / (n + K)
  'histMedianPastDue', // median of settled − due, signed (firm median without history)
  'histMedianPastDueUndisputed', // the same over undisputed invoices (falls back to all, then firm)
  'histMedianDaysToSettle', // customer median (firm median without history)
  'histMedianDaysToSettleShrunk', // (n·customer median + KD·firm median) / (n + KD)
  'histMeanDaysToSettleShrunk', // (Σ days to settle + KD·firm mean) / (n + KD)
  'histRecentPastDue', // recency-weighted mean of settled − due (half-life 120 d), shrunk to the mean
  'histTrendPerQuarter', // recency-weighted slope of settled − due, days per quarter, × n/(n+K)
  'histDisputeShare', // (disputed + K·firm share) / (n + K)
  'histDisputesLastYear', // disputed invoices settled in the 365 days before the issue date
  'histPaperlessShare', // share of history billed electronically (firm share without history)
  'daysSinceLastSettled', // capped at 730 (730 without history)
  'expectedDaysToSettle', // termsDays + histMedianPastDueUndisputed: the customer's habit on these terms
  // The customer's invoices issued before the issue date (settled or not).
  'tenureDays', // since the customer's first invoice, capped at 3650
  'amountVsTypical', // amountLog − mean amountLog of earlier invoices (0 without any)
  'openCount', // issued before and not settled before the issue date
  'openOverdueCount', // … of which past due
  'maxDaysOverdue', // days the oldest open invoice is past due (0 if none)
  'openAmountLog', // ln(1 + open amount in major units)
  // Firm-wide and group (country) priors, from invoices settled before the issue date.
  'firmLateShare',
  'firmMeanDaysLate',
  'firmMedianDaysToSettle',
  'groupLateShare', // country late share shrunk toward the firm share with 20 pseudo-invoices
  // Decision 057: the customer's habit with the invoice's own circumstances taken out. Each settled
  // invoice's days past due less `effects` (a disputed invoice's and an electronically billed one's
  // usual days, fixed constants); the median of those over the history (the firm's median of the
  // same without history) …
  'histMedianPastDueAdjusted',
  // … and (n·that + KA·firm's) / (n + KA), KA = 1 pseudo-invoice.
  'histMedianPastDueAdjustedShrunk',
  // termsDays + histMedianPastDueAdjustedShrunk + the effects of this invoice's own flags, at least 0.
  'expectedDaysAdjusted',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export type InvoiceFeatures = Record<FeatureName, number>;
export const FEATURE_COUNT = FEATURE_NAMES.length;
export const F: Readonly<Record<FeatureName, number>> = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<
  FeatureName,
  number
>;

/** Row-major matrix: row i (input order) holds invoice i's features at its issue date. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface FeatureOptions {
  /** Pseudo-invoices of the firm-wide rate mixed into each customer rate (default 5). */
  shrink?: number;
  /** Rates used before the firm has any settled history. */
  prior?: FirmPrior;
  /**
   * Pseudo-invoices of `prior` mixed into the firm-wide rates and medians (default 0: the
   * prior only until the first settlement). The no-fit method (nofit.ts) shrinks an
   * organisation's running rates toward fixed constants this way.
   */
  priorStrength?: number;
  /** Days past due a disputed / an electronically billed invoice usually adds (default DEFAULT_EFFECTS). */
  effects?: Effects;
}

/** Usual days past due added by an invoice's own circumstances (histMedianPastDueAdjusted). */
export interface Effects {
  disputed: number;
  paperless: number;
}

/**
 * The fixed effects (decision 057): the no-fit method's `disputedDays` and `paperlessDays`
 * (decision 034, chosen on the public IBM sample's validation split). Whole days, so the
 * adjusted days stay whole numbers. A fitted model learns its own weights on top of them.
 */
export const DEFAULT_EFFECTS: Readonly<Effects> = { disputed: 10, paperless: -5 };

/** A point-in-time look at one customer, for customer-level risk (no own invoice fields). */
export interface CustomerProbe {
  customerId: string;
  date: CalendarDate;
}

export interface FirmPrior {
  lateShare: number;
  daysLate: number;
  daysToSettle: number;
  pastDue: number;
  disputeShare: number;
  paperlessShare: number;
}

/** Firm-wide rates assumed before the firm has any settled invoice (overridable). */
export const DEFAULT_PRIOR: Readonly<FirmPrior> = {
  lateShare: 0.35,
  daysLate: 5,
  daysToSettle: 30,
  pastDue: 0,
  disputeShare: 0.2,
  paperlessShare: 0.5,
};
const DAYS_SHRINK = 1;
const ADJUSTED_SHRINK = 1;
const GROUP_SHRINK = 20;
const RECENCY_HALF_LIFE = 120;
const TREND_HALF_LIFE = 180;
const QUARTER = 90;
const CAP_SINCE = 730;
const CAP_TENURE = 3650;

const QUERY = 0;
const ISSUE = 1;
const OVERDUE = 2;
const SETTLE = 3;

/** Features of every invoice at its issue date, as a matrix in input order. */
export function extractFeatures(invoices: readonly ScoringInvoice[], options: FeatureOptions = {}): FeatureMatrix {
  const data = new Float64Array(invoices.length * FEATURE_COUNT);
  sweepFeatures(invoices, [], options, (i, row) => data.set(row, i * FEATURE_COUNT));
  return { rows: invoices.length, cols: FEATURE_COUNT, data };
}

/**
 * Streaming form: `visit(i, row)` is called once per invoice (i = input index; the order of
 * calls is unspecified) with a reused buffer — score it or copy it before returning. Lets
 * the app score a million invoices without holding a million feature rows.
 */
export function forEachFeatureRow(
  invoices: readonly ScoringInvoice[],
  visit: (index: number, row: Float64Array) => void,
  options: FeatureOptions = {},
): void {
  sweepFeatures(invoices, [], options, visit);
}

/**
 * Each customer's history features as known at the start of `asOf` (own-invoice fields are
 * zero), for customer-level risk and explanations.
 */
export function customerSnapshots(
  invoices: readonly ScoringInvoice[],
  asOf: CalendarDate,
  options: FeatureOptions = {},
): Map<string, InvoiceFeatures> {
  const ids = [...new Set(invoices.map((inv) => inv.customerId))].sort();
  const probes = ids.map((customerId) => ({ customerId, date: asOf }));
  const out = new Map<string, InvoiceFeatures>();
  sweepFeatures(invoices, probes, options, (i, row) => {
    if (i >= invoices.length) out.set(probes[i - invoices.length]!.customerId, toFeatureObject(row));
  });
  return out;
}

/** Row i of a matrix as a named object. */
export function featuresOf(matrix: FeatureMatrix, i: number): InvoiceFeatures {
  return toFeatureObject(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols));
}

export function toFeatureObject(row: ArrayLike<number>): InvoiceFeatures {
  const o = {} as InvoiceFeatures;
  for (let j = 0; j < FEATURE_COUNT; j++) o[FEATURE_NAMES[j]!] = row[j]!;
  return o;
}

export function toFeatureRow(features: InvoiceFeatures): Float64Array {
  return Float64Array.from(FEATURE_NAMES, (n) => features[n]);
}

/** A lazy min-heap of open invoice indices keyed by due day (settled ones dropped on read). */
function heapPush(h: number[], v: number, key: Float64Array): void {
  let i = h.length;
  h.push(v);
  const k = key[v]!;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (key[h[p]!]! <= k) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: number[], key: Float64Array): void {
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return;
  const k = key[last]!;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && key[h[r]!]! < key[h[l]!]! ? r : l;
    if (key[h[c]!]! >= k) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
}

/** Month (1–12) of a day number, by the civil-from-days algorithm (no Date objects). */
function monthOf(dayNumber: number): number {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return mp < 10 ? mp + 3 : mp - 9;
}

/** Day number of 'YYYY-MM-DD' without Date objects or regexes (falls back to toDayNumber). */
function dayOf(date: CalendarDate): number {
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const y = num4(date, 0);
    const m = num2(date, 5);
    const d = num2(date, 8);
    if (y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= 28) {
      // days_from_civil (proleptic Gregorian)
      const yy = m <= 2 ? y - 1 : y;
      const era = Math.floor(yy / 400);
      const yoe = yy - era * 400;
      const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
      const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
      return era * 146097 + doe - 719468;
    }
  }
  return toDayNumber(date); // validates (days 29–31, malformed text)
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}
function num2(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}
function num4(s: string, i: number): number {
  return num2(s, i) * 100 + num2(s, i + 2);
}

/** Stable counting sort of 0…n−1 by integer keys in [0, range). */
function countingOrder(n: number, range: number, key: (i: number) => number, within?: Int32Array): Int32Array {
  const counts = new Int32Array(range + 1);
  const src = within ?? Int32Array.from({ length: n }, (_, i) => i);
  for (let j = 0; j < n; j++) counts[key(src[j]!) + 1]!++;
  for (let b = 0; b < range; b++) counts[b + 1]! += counts[b]!;
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) out[counts[key(src[j]!)]!++] = src[j]!;
  return out;
}

function lowerBound(a: ArrayLike<number>, length: number, v: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The sweep, in two passes that both honour "known at the start of day D":
 *  1. firm-wide: settlements in date order give the firm rates (and each country's running
 *     counts) as of the start of every day;
 *  2. per customer: that customer's events sorted by (day, kind) — queries (issue dates)
 *     first, then issues, due dates passing and settlements of that day — with the
 *     customer's running state in local variables. Invoices are renumbered customer by
 *     customer, so this pass reads memory sequentially (it is what makes 1M invoices fast).
 */
function sweepFeatures(
  invoices: readonly ScoringInvoice[],
  probes: readonly CustomerProbe[],
  options: FeatureOptions,
  visit: (index: number, row: Float64Array) => void,
): void {
  const K = options.shrink ?? 5;
  const prior = options.prior ?? DEFAULT_PRIOR;
  const effects = options.effects ?? DEFAULT_EFFECTS;
  /** Days past due of a settled invoice less its own circumstances' usual effect. */
  const adjusted = (pd: number, flag: number) => pd - (flag & 1 ? effects.disputed : 0) - (flag & 2 ? effects.paperless : 0);
  const n = invoices.length;
  const P = probes.length;
  if (n + P === 0) return;

  // 1. Invoices into typed arrays (input order).
  const issue0 = new Float64Array(n);
  const due0 = new Float64Array(n);
  const settle0 = new Float64Array(n).fill(Number.NaN);
  const cust0 = new Int32Array(n);
  const group0 = new Int32Array(n).fill(-1);
  const amount0 = new Float64Array(n);
  const flags0 = new Uint8Array(n); // 1 = disputed, 2 = paperless
  const customerIndex = new Map<string, number>();
  const groupIndex = new Map<string, number>();
  const custOf = (id: string): number => {
    let c = customerIndex.get(id);
    if (c === undefined) {
      c = customerIndex.size;
      customerIndex.set(id, c);
    }
    return c;
  };
  let minDay = Number.POSITIVE_INFINITY;
  let maxDay = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const inv = invoices[i]!;
    const a = dayOf(inv.issueDate);
    issue0[i] = a;
    due0[i] = Math.max(a, dayOf(inv.dueDate));
    let last = due0[i]!;
    if (inv.settledDate !== null) {
      settle0[i] = Math.max(a, dayOf(inv.settledDate));
      last = Math.max(last, settle0[i]!);
    }
    cust0[i] = custOf(inv.customerId);
    amount0[i] = inv.amount;
    flags0[i] = (inv.disputed ? 1 : 0) | (inv.paperless ? 2 : 0);
    if (inv.countryCode !== undefined) {
      let g = groupIndex.get(inv.countryCode);
      if (g === undefined) {
        g = groupIndex.size;
        groupIndex.set(inv.countryCode, g);
      }
      group0[i] = g;
    }
    if (a < minDay) minDay = a;
    if (last > maxDay) maxDay = last;
  }
  const probeDay = new Float64Array(P);
  const probeCust = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    probeDay[p] = dayOf(probes[p]!.date);
    probeCust[p] = custOf(probes[p]!.customerId);
    minDay = Math.min(minDay, probeDay[p]!);
    maxDay = Math.max(maxDay, probeDay[p]!);
  }
  const span = maxDay - minDay + 1;
  const C = customerIndex.size;

  // 2. Firm-wide rates at the start of each day, from settlements in date order.
  const settledIdx: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(settle0[i]!)) settledIdx.push(i);
  const bySettle = countingOrder(settledIdx.length, span, (j) => settle0[settledIdx[j]!]! - minDay);
  const FIRM = 10; // fields per day
  const firm = new Float64Array(span * FIRM);
  const G = groupIndex.size;
  const gDays: number[][] = Array.from({ length: G }, () => []);
  const gLateCum: number[][] = Array.from({ length: G }, () => []);
  {
    let fN = 0;
    let fLate = 0;
    let fSumDL = 0;
    let fSumDTS = 0;
    let fDisp = 0;
    let fPaperless = 0;
    let fNU = 0;
    let fLateU = 0;
    const fMedDTS = new IntegerMedian();
    const fMedPD = new IntegerMedian();
    const fMedPDU = new IntegerMedian();
    const fMedPDA = new IntegerMedian();
    let j = 0;
    // (sum + S·prior) / (n + S): with S = 0 the raw firm rate, the prior before any settlement.
    const S = options.priorStrength ?? 0;
    const mix = (sum: number, count: number, p: number) => (count > 0 ? (sum + S * p) / (count + S) : p);
    for (let d = 0; d < span; d++) {
      const o = d * FIRM;
      const firmShare = mix(fLate, fN, prior.lateShare);
      const firmMedPD = fN > 0 ? mix(fN * fMedPD.median(), fN, prior.pastDue) : prior.pastDue;
      firm[o] = firmShare;
      firm[o + 1] = mix(fSumDL, fN, prior.daysLate);
      firm[o + 2] = mix(fSumDTS, fN, prior.daysToSettle);
      firm[o + 3] = fN > 0 ? mix(fN * fMedDTS.median(), fN, prior.daysToSettle) : prior.daysToSettle;
      firm[o + 4] = firmMedPD;
      firm[o + 5] = fNU > 0 ? mix(fNU * fMedPDU.median(), fNU, prior.pastDue) : firmMedPD;
      firm[o + 6] = mix(fDisp, fN, prior.disputeShare);
      firm[o + 7] = mix(fPaperless, fN, prior.paperlessShare);
      firm[o + 8] = fNU > 0 ? mix(fLateU, fNU, prior.lateShare) : firmShare;
      firm[o + 9] = fN > 0 ? mix(fN * fMedPDA.median(), fN, prior.pastDue) : prior.pastDue;
      for (; j < bySettle.length; j++) {
        const i = settledIdx[bySettle[j]!]!;
        const s = settle0[i]!;
        if (s - minDay !== d) break;
        const pd = s - due0[i]!;
        const isLate = pd > 0 ? 1 : 0;
        fN++;
        fLate += isLate;
        fSumDL += Math.max(0, pd);
        fSumDTS += s - issue0[i]!;
        fMedDTS.push(s - issue0[i]!);
        fMedPD.push(pd);
        fMedPDA.push(adjusted(pd, flags0[i]!));
        if (flags0[i]! & 2) fPaperless++;
        if (flags0[i]! & 1) fDisp++;
        else {
          fNU++;
          fLateU += isLate;
          fMedPDU.push(pd);
        }
        const g = group0[i]!;
        if (g >= 0) {
          const cum = gLateCum[g]!;
          gDays[g]!.push(s);
          cum.push((cum.length > 0 ? cum[cum.length - 1]! : 0) + isLate);
        }
      }
    }
  }

  // 3. Renumber invoices customer by customer (issue-date order within a customer).
  const byIssue = countingOrder(n, span, (i) => issue0[i]! - minDay);
  const order = countingOrder(n, C, (i) => cust0[i]!, byIssue); // k → input index
  const custStart = new Int32Array(C + 1);
  for (let i = 0; i < n; i++) custStart[cust0[i]! + 1]!++;
  for (let c = 0; c < C; c++) custStart[c + 1]! += custStart[c]!;
  const probeOrder = countingOrder(P, C, (p) => probeCust[p]!);
  const probeStart = new Int32Array(C + 1);
  for (let p = 0; p < P; p++) probeStart[probeCust[p]! + 1]!++;
  for (let c = 0; c < C; c++) probeStart[c + 1]! += probeStart[c]!;
  const issue = new Float64Array(n);
  const due = new Float64Array(n);
  const settle = new Float64Array(n);
  const amount = new Float64Array(n);
  const amountLog = new Float64Array(n);
  const flags = new Uint8Array(n); // 1 = disputed, 2 = paperless
  const group = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    issue[k] = issue0[i]!;
    due[k] = due0[i]!;
    settle[k] = settle0[i]!;
    amount[k] = amount0[i]!;
    amountLog[k] = Math.log1p(amount0[i]! / 100);
    flags[k] = flags0[i]!;
    group[k] = group0[i]!;
  }

  // 4. Per customer.
  let maxEvents = 0;
  for (let c = 0; c < C; c++) {
    maxEvents = Math.max(maxEvents, 4 * (custStart[c + 1]! - custStart[c]!) + probeStart[c + 1]! - probeStart[c]!);
  }
  const keys = new Float64Array(maxEvents);
  const settled = new Uint8Array(n);
  const medDTS = new RunningMedian();
  const medPD = new RunningMedian();
  const medPDU = new RunningMedian();
  const medPDA = new RunningMedian();
  const disputeDays: number[] = [];
  const openHeap: number[] = [];
  const rLn2 = Math.LN2 / RECENCY_HALF_LIFE;
  const tLn2 = Math.LN2 / TREND_HALF_LIFE;
  const row = new Float64Array(FEATURE_COUNT);

  for (let c = 0; c < C; c++) {
    const s0 = custStart[c]!;
    const nInv = custStart[c + 1]! - s0;
    const p0 = probeStart[c]!;
    const nProbe = probeStart[c + 1]! - p0;
    // Local event keys: ((day − minDay)·4 + kind)·R + ref, ref < R (invoice offset, or
    // nInv + probe offset). Sorting the keys orders events by (day, kind, ref).
    let R = 1;
    while (R < nInv + nProbe) R *= 2;
    let ne = 0;
    for (let j = 0; j < nInv; j++) {
      const k = s0 + j;
      const base = (issue[k]! - minDay) * 4;
      keys[ne++] = (base + QUERY) * R + j;
      keys[ne++] = (base + ISSUE) * R + j;
      const st = settle[k]!;
      if (Number.isNaN(st) || st > due[k]!) keys[ne++] = ((due[k]! - minDay) * 4 + OVERDUE) * R + j;
      if (!Number.isNaN(st)) keys[ne++] = ((st - minDay) * 4 + SETTLE) * R + j;
    }
    for (let q = 0; q < nProbe; q++) keys[ne++] = ((probeDay[probeOrder[p0 + q]!]! - minDay) * 4 + QUERY) * R + nInv + q;
    const ev = keys.subarray(0, ne).sort();

    let cN = 0;
    let cLate = 0;
    let cSumDL = 0;
    let cSumDTS = 0;
    let cSumPD = 0;
    let cDisp = 0;
    let cPaperless = 0;
    let cNU = 0;
    let cLateU = 0;
    let rW = 0;
    let rWY = 0;
    let rLast = 0;
    let tW = 0;
    let tWT = 0;
    let tWY = 0;
    let tWTT = 0;
    let tWTY = 0;
    let tLast = 0;
    let lastSettled = 0;
    let firstIssue = 0;
    let issuedCount = 0;
    let sumLogAmount = 0;
    let openCount = 0;
    let openOverdue = 0;
    let openAmount = 0;
    let disputeHead = 0;
    medDTS.clear();
    medPD.clear();
    medPDU.clear();
    medPDA.clear();
    disputeDays.length = 0;
    openHeap.length = 0;

    for (let e = 0; e < ne; e++) {
      const key = ev[e]!;
      const ref = key % R;
      const dk = (key - ref) / R;
      const kind = dk % 4;
      const day = (dk - kind) / 4 + minDay;
      const isProbe = ref >= nInv;
      const k = isProbe ? -1 : s0 + ref;
      if (kind === QUERY) {
        const D = day;
        const f = (D - minDay) * FIRM;
        const firmShare = firm[f]!;
        const firmMeanDL = firm[f + 1]!;
        const firmMeanDTS = firm[f + 2]!;
        const firmMedDTS = firm[f + 3]!;
        const firmMedPD = firm[f + 4]!;
        const firmMedPDU = firm[f + 5]!;
        const firmDisp = firm[f + 6]!;
        const firmPaperless = firm[f + 7]!;
        const firmShareU = firm[f + 8]!;
        const firmMedPDA = firm[f + 9]!;
        const terms = isProbe ? 0 : due[k]! - D;
        if (!isProbe) {
          const own = amountLog[k]!;
          row[F.amountLog] = own;
          row[F.termsDays] = terms;
          row[F.disputed] = flags[k]! & 1;
          row[F.paperless] = (flags[k]! >> 1) & 1;
          row[F.issueWeekday] = (((D + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
          row[F.issueMonth] = monthOf(D);
          row[F.amountVsTypical] = issuedCount > 0 ? own - sumLogAmount / issuedCount : 0;
        } else {
          row[F.amountLog] = 0;
          row[F.termsDays] = 0;
          row[F.disputed] = 0;
          row[F.paperless] = 0;
          row[F.issueWeekday] = 0;
          row[F.issueMonth] = 0;
          row[F.amountVsTypical] = 0;
        }
        const nc = cN;
        row[F.histCount] = nc;
        row[F.histLateCount] = cLate;
        row[F.histLateShare] = (cLate + K * firmShare) / (nc + K);
        row[F.histLateShareUndisputed] = (cLateU + K * firmShareU) / (cNU + K);
        row[F.histMeanDaysLate] = nc > 0 ? cSumDL / nc : 0;
        row[F.histMeanDaysLateShrunk] = (cSumDL + K * firmMeanDL) / (nc + K);
        const mPD = nc > 0 ? medPD.median() : firmMedPD;
        const mPDU = cNU > 0 ? medPDU.median() : nc > 0 ? mPD : firmMedPDU;
        row[F.histMedianPastDue] = mPD;
        row[F.histMedianPastDueUndisputed] = mPDU;
        const mDTS = nc > 0 ? medDTS.median() : firmMedDTS;
        row[F.histMedianDaysToSettle] = mDTS;
        row[F.histMedianDaysToSettleShrunk] = (nc * mDTS + DAYS_SHRINK * firmMedDTS) / (nc + DAYS_SHRINK);
        row[F.histMeanDaysToSettleShrunk] = (cSumDTS + DAYS_SHRINK * firmMeanDTS) / (nc + DAYS_SHRINK);
        if (nc > 0) {
          const decay = Math.exp(-rLn2 * (D - rLast));
          row[F.histRecentPastDue] = (rWY * decay + cSumPD / nc) / (rW * decay + 1);
        } else row[F.histRecentPastDue] = firmMedPD;
        let trend = 0;
        if (nc >= 3) {
          // Ratios of decayed sums do not depend on the common decay to the query day.
          const mt = tWT / tW;
          const varT = tWTT / tW - mt * mt;
          if (varT >= (30 / QUARTER) ** 2) {
            const slope = (tWTY / tW - mt * (tWY / tW)) / varT;
            trend = Math.max(-30, Math.min(30, slope)) * (nc / (nc + K));
          }
        }
        row[F.histTrendPerQuarter] = trend;
        row[F.histDisputeShare] = (cDisp + K * firmDisp) / (nc + K);
        while (disputeHead < disputeDays.length && disputeDays[disputeHead]! < D - 365) disputeHead++;
        row[F.histDisputesLastYear] = disputeDays.length - disputeHead;
        row[F.histPaperlessShare] = nc > 0 ? cPaperless / nc : firmPaperless;
        row[F.daysSinceLastSettled] = nc > 0 ? Math.min(CAP_SINCE, D - lastSettled) : CAP_SINCE;
        row[F.expectedDaysToSettle] = terms + mPDU;
        row[F.tenureDays] = issuedCount > 0 ? Math.min(CAP_TENURE, D - firstIssue) : 0;
        row[F.openCount] = openCount;
        row[F.openOverdueCount] = openOverdue;
        while (openHeap.length > 0 && settled[openHeap[0]!]) heapPop(openHeap, due);
        row[F.maxDaysOverdue] = openHeap.length > 0 ? Math.max(0, D - due[openHeap[0]!]!) : 0;
        row[F.openAmountLog] = Math.log1p(Math.max(0, openAmount) / 100);
        row[F.firmLateShare] = firmShare;
        row[F.firmMeanDaysLate] = firmMeanDL;
        row[F.firmMedianDaysToSettle] = firmMedDTS;
        const g = isProbe ? -1 : group[k]!;
        if (g >= 0) {
          const gn = lowerBound(gDays[g]!, gDays[g]!.length, D);
          const gl = gn > 0 ? gLateCum[g]![gn - 1]! : 0;
          row[F.groupLateShare] = (gl + GROUP_SHRINK * firmShare) / (gn + GROUP_SHRINK);
        } else row[F.groupLateShare] = firmShare;
        const mPDA = nc > 0 ? medPDA.median() : firmMedPDA;
        const adj = (nc * mPDA + ADJUSTED_SHRINK * firmMedPDA) / (nc + ADJUSTED_SHRINK);
        row[F.histMedianPastDueAdjusted] = mPDA;
        row[F.histMedianPastDueAdjustedShrunk] = adj;
        row[F.expectedDaysAdjusted] = isProbe ? Math.max(0, adj) : Math.max(0, terms + adj + (flags[k]! & 1 ? effects.disputed : 0) + (flags[k]! & 2 ? effects.paperless : 0));
        visit(isProbe ? n + probeOrder[p0 + ref - nInv]! : order[k]!, row);
      } else if (kind === ISSUE) {
        if (issuedCount === 0) firstIssue = day;
        issuedCount++;
        sumLogAmount += amountLog[k]!;
        openCount++;
        openAmount += amount[k]!;
        heapPush(openHeap, k, due);
      } else if (kind === OVERDUE) {
        openOverdue++;
      } else {
        const s = day;
        const disputed = flags[k]! & 1;
        const pd = s - due[k]!; // signed days past due
        const isLate = pd > 0 ? 1 : 0;
        const dts = s - issue[k]!;
        settled[k] = 1;
        openCount--;
        openAmount -= amount[k]!;
        if (isLate) openOverdue--;
        cN++;
        cLate += isLate;
        cSumDL += Math.max(0, pd);
        cSumDTS += dts;
        cSumPD += pd;
        if (flags[k]! & 2) cPaperless++;
        medDTS.push(dts);
        medPD.push(pd);
        medPDA.push(adjusted(pd, flags[k]!));
        if (disputed) {
          cDisp++;
          disputeDays.push(s);
        } else {
          cNU++;
          cLateU += isLate;
          medPDU.push(pd);
        }
        // Recency-weighted mean of days past due.
        const rd = cN === 1 ? 0 : Math.exp(-rLn2 * (s - rLast));
        rW = rW * rd + 1;
        rWY = rWY * rd + pd;
        rLast = s;
        // Recency-weighted regression of days past due on settlement time (in quarters).
        const td = cN === 1 ? 0 : Math.exp(-tLn2 * (s - tLast));
        const t = (s - minDay) / QUARTER;
        tW = tW * td + 1;
        tWT = tWT * td + t;
        tWY = tWY * td + pd;
        tWTT = tWTT * td + t * t;
        tWTY = tWTY * td + t * pd;
        tLast = s;
        lastSettled = s;
      }
    }
  }
}
