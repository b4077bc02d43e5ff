import { type CalendarDate, toDayNumber } from '../dates';
import type { ScoringInvoice } from './invoice';
import { RunningMedian } from './running-median';

/**
 * Features of an invoice as known on its issue date, computed in ONE chronological sweep.
 *
 * What "known on day D" means (D = the invoice's issue date):
 *  - the invoice's own fields;
 *  - every invoice SETTLED strictly before D (its dates, amount, lateness, dispute flag);
 *  - every invoice ISSUED strictly before D and not settled before D is known to be open
 *    (and overdue when its due date is before D) — but its outcome is not.
 * Events of day D are applied after all invoices issued on D have been read, so nothing
 * that happens on the issue date itself (or later) reaches an invoice's features.
 *
 * Cost: O(n log n) — a counting sort of 4 events per invoice by (day, kind), then O(1) or
 * O(log n) work per event (running medians and a lazy min-heap of open due dates).
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
}

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
 * Streaming form: `visit(i, row)` is called once per invoice (i = input index) in
 * chronological order with a reused buffer — score it or copy it before returning. Lets the
 * app score a million invoices without holding a million feature rows.
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

function sweepFeatures(
  invoices: readonly ScoringInvoice[],
  probes: readonly CustomerProbe[],
  options: FeatureOptions,
  visit: (index: number, row: Float64Array) => void,
): void {
  const K = options.shrink ?? 5;
  const prior = options.prior ?? DEFAULT_PRIOR;
  const n = invoices.length;
  const m = n + probes.length;
  if (m === 0) return;

  // Day numbers (cached: many invoices share dates).
  const dayCache = new Map<string, number>();
  const day = (d: CalendarDate): number => {
    let v = dayCache.get(d);
    if (v === undefined) {
      v = toDayNumber(d);
      dayCache.set(d, v);
    }
    return v;
  };
  const issue = new Float64Array(m);
  const due = new Float64Array(m);
  const settle = new Float64Array(m).fill(Number.NaN);
  const cust = new Int32Array(m);
  const group = new Int32Array(m).fill(-1);
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
    const a = day(inv.issueDate);
    issue[i] = a;
    due[i] = Math.max(a, day(inv.dueDate));
    if (inv.settledDate !== null) settle[i] = Math.max(a, day(inv.settledDate));
    cust[i] = custOf(inv.customerId);
    if (inv.countryCode !== undefined) {
      let g = groupIndex.get(inv.countryCode);
      if (g === undefined) {
        g = groupIndex.size;
        groupIndex.set(inv.countryCode, g);
      }
      group[i] = g;
    }
    minDay = Math.min(minDay, a);
    maxDay = Math.max(maxDay, due[i]!, Number.isNaN(settle[i]!) ? a : settle[i]!);
  }
  for (let p = 0; p < probes.length; p++) {
    const i = n + p;
    const a = day(probes[p]!.date);
    issue[i] = a;
    due[i] = a;
    cust[i] = custOf(probes[p]!.customerId);
    minDay = Math.min(minDay, a);
    maxDay = Math.max(maxDay, a);
  }

  // Counting sort of events by (day, kind); stable in input order within a bucket.
  const span = maxDay - minDay + 1;
  const buckets = span * 4;
  const counts = new Int32Array(buckets + 1);
  const keyOf = (d: number, kind: number) => (d - minDay) * 4 + kind;
  const hasOverdue = (i: number) => i < n && (Number.isNaN(settle[i]!) || settle[i]! > due[i]!);
  for (let i = 0; i < m; i++) {
    counts[keyOf(issue[i]!, QUERY) + 1]!++;
    if (i < n) {
      counts[keyOf(issue[i]!, ISSUE) + 1]!++;
      if (hasOverdue(i)) counts[keyOf(due[i]!, OVERDUE) + 1]!++;
      if (!Number.isNaN(settle[i]!)) counts[keyOf(settle[i]!, SETTLE) + 1]!++;
    }
  }
  for (let b = 0; b < buckets; b++) counts[b + 1]! += counts[b]!;
  const total = counts[buckets]!;
  const events = new Int32Array(total);
  const kinds = new Uint8Array(total);
  const place = (d: number, kind: number, i: number) => {
    const pos = counts[keyOf(d, kind)]!++;
    events[pos] = i;
    kinds[pos] = kind;
  };
  for (let i = 0; i < m; i++) {
    place(issue[i]!, QUERY, i);
    if (i < n) {
      place(issue[i]!, ISSUE, i);
      if (hasOverdue(i)) place(due[i]!, OVERDUE, i);
      if (!Number.isNaN(settle[i]!)) place(settle[i]!, SETTLE, i);
    }
  }

  // Per-customer state.
  const C = customerIndex.size;
  const cN = new Float64Array(C);
  const cLate = new Float64Array(C);
  const cSumDL = new Float64Array(C);
  const cSumDTS = new Float64Array(C);
  const cDisp = new Float64Array(C);
  const cPaperless = new Float64Array(C);
  const cNU = new Float64Array(C);
  const cLateU = new Float64Array(C);
  const cMedDTS: (RunningMedian | undefined)[] = new Array(C);
  const cMedPD: (RunningMedian | undefined)[] = new Array(C);
  const cMedPDU: (RunningMedian | undefined)[] = new Array(C);
  const rW = new Float64Array(C);
  const rWY = new Float64Array(C);
  const rLast = new Float64Array(C);
  const cSumPD = new Float64Array(C);
  const tW = new Float64Array(C);
  const tWT = new Float64Array(C);
  const tWY = new Float64Array(C);
  const tWTT = new Float64Array(C);
  const tWTY = new Float64Array(C);
  const tLast = new Float64Array(C);
  const lastSettled = new Float64Array(C).fill(Number.NaN);
  const firstIssue = new Float64Array(C).fill(Number.NaN);
  const issuedCount = new Float64Array(C);
  const sumLogAmount = new Float64Array(C);
  const openCount = new Float64Array(C);
  const openOverdue = new Float64Array(C);
  const openAmount = new Float64Array(C);
  const openHeap: (number[] | undefined)[] = new Array(C);
  const disputeDays: (number[] | undefined)[] = new Array(C);
  const disputeHead = new Int32Array(C);
  const settled = new Uint8Array(n);
  // Firm and group state.
  let fN = 0;
  let fLate = 0;
  let fSumDL = 0;
  let fSumDTS = 0;
  let fDisp = 0;
  let fPaperless = 0;
  let fNU = 0;
  let fLateU = 0;
  const fMedDTS = new RunningMedian();
  const fMedPD = new RunningMedian();
  const fMedPDU = new RunningMedian();
  const G = groupIndex.size;
  const gN = new Float64Array(G);
  const gLate = new Float64Array(G);

  const rLn2 = Math.LN2 / RECENCY_HALF_LIFE;
  const tLn2 = Math.LN2 / TREND_HALF_LIFE;
  const row = new Float64Array(FEATURE_COUNT);

  for (let e = 0; e < total; e++) {
    const i = events[e]!;
    const c = cust[i]!;
    switch (kinds[e]) {
      case QUERY: {
        const D = issue[i]!;
        const nc = cN[c]!;
        const firmShare = fN > 0 ? fLate / fN : prior.lateShare;
        const firmMeanDL = fN > 0 ? fSumDL / fN : prior.daysLate;
        const firmMeanDTS = fN > 0 ? fSumDTS / fN : prior.daysToSettle;
        const firmMedDTS = fN > 0 ? fMedDTS.median() : prior.daysToSettle;
        const firmMedPD = fN > 0 ? fMedPD.median() : prior.pastDue;
        const firmMedPDU = fNU > 0 ? fMedPDU.median() : firmMedPD;
        const firmDisp = fN > 0 ? fDisp / fN : prior.disputeShare;
        const firmPaperless = fN > 0 ? fPaperless / fN : prior.paperlessShare;
        const firmShareU = fNU > 0 ? fLateU / fNU : firmShare;
        const terms = due[i]! - D;
        // Own fields (zero for a customer probe).
        if (i < n) {
          const inv = invoices[i]!;
          const amountLog = Math.log1p(inv.amount / 100);
          row[F.amountLog] = amountLog;
          row[F.termsDays] = terms;
          row[F.disputed] = inv.disputed ? 1 : 0;
          row[F.paperless] = inv.paperless ? 1 : 0;
          row[F.issueWeekday] = (((D + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
          row[F.issueMonth] = monthOf(D);
          row[F.amountVsTypical] = issuedCount[c]! > 0 ? amountLog - sumLogAmount[c]! / issuedCount[c]! : 0;
        } else {
          row[F.amountLog] = 0;
          row[F.termsDays] = 0;
          row[F.disputed] = 0;
          row[F.paperless] = 0;
          row[F.issueWeekday] = 0;
          row[F.issueMonth] = 0;
          row[F.amountVsTypical] = 0;
        }
        row[F.histCount] = nc;
        row[F.histLateCount] = cLate[c]!;
        row[F.histLateShare] = (cLate[c]! + K * firmShare) / (nc + K);
        row[F.histLateShareUndisputed] = (cLateU[c]! + K * firmShareU) / (cNU[c]! + K);
        row[F.histMeanDaysLate] = nc > 0 ? cSumDL[c]! / nc : 0;
        row[F.histMeanDaysLateShrunk] = (cSumDL[c]! + K * firmMeanDL) / (nc + K);
        const medPD = nc > 0 ? cMedPD[c]!.median() : firmMedPD;
        const medPDU = cNU[c]! > 0 ? cMedPDU[c]!.median() : nc > 0 ? medPD : firmMedPDU;
        row[F.histMedianPastDue] = medPD;
        row[F.histMedianPastDueUndisputed] = medPDU;
        const medDTS = nc > 0 ? cMedDTS[c]!.median() : firmMedDTS;
        row[F.histMedianDaysToSettle] = medDTS;
        row[F.histMedianDaysToSettleShrunk] = (nc * medDTS + DAYS_SHRINK * firmMedDTS) / (nc + DAYS_SHRINK);
        row[F.histMeanDaysToSettleShrunk] = (cSumDTS[c]! + DAYS_SHRINK * firmMeanDTS) / (nc + DAYS_SHRINK);
        if (nc > 0) {
          const meanPD = cSumPD[c]! / nc;
          const decay = Math.exp(-rLn2 * (D - rLast[c]!));
          row[F.histRecentPastDue] = (rWY[c]! * decay + meanPD) / (rW[c]! * decay + 1);
        } else row[F.histRecentPastDue] = firmMedPD;
        row[F.histTrendPerQuarter] = trendSlope(c, nc, K);
        row[F.histDisputeShare] = (cDisp[c]! + K * firmDisp) / (nc + K);
        const dd = disputeDays[c];
        if (dd) {
          let h = disputeHead[c]!;
          while (h < dd.length && dd[h]! < D - 365) h++;
          disputeHead[c] = h;
          row[F.histDisputesLastYear] = dd.length - h;
        } else row[F.histDisputesLastYear] = 0;
        row[F.histPaperlessShare] = nc > 0 ? cPaperless[c]! / nc : firmPaperless;
        row[F.daysSinceLastSettled] = nc > 0 ? Math.min(CAP_SINCE, D - lastSettled[c]!) : CAP_SINCE;
        row[F.expectedDaysToSettle] = terms + medPDU;
        row[F.tenureDays] = issuedCount[c]! > 0 ? Math.min(CAP_TENURE, D - firstIssue[c]!) : 0;
        row[F.openCount] = openCount[c]!;
        row[F.openOverdueCount] = openOverdue[c]!;
        let maxOverdue = 0;
        const heap = openHeap[c];
        if (heap) {
          while (heap.length > 0 && settled[heap[0]!]) heapPop(heap, due);
          if (heap.length > 0) maxOverdue = Math.max(0, D - due[heap[0]!]!);
        }
        row[F.maxDaysOverdue] = maxOverdue;
        row[F.openAmountLog] = Math.log1p(Math.max(0, openAmount[c]!) / 100);
        row[F.firmLateShare] = firmShare;
        row[F.firmMeanDaysLate] = firmMeanDL;
        row[F.firmMedianDaysToSettle] = firmMedDTS;
        const g = group[i]!;
        row[F.groupLateShare] = g >= 0 ? (gLate[g]! + GROUP_SHRINK * firmShare) / (gN[g]! + GROUP_SHRINK) : firmShare;
        visit(i, row);
        break;
      }
      case ISSUE: {
        const a = issue[i]!;
        if (issuedCount[c] === 0) firstIssue[c] = a;
        issuedCount[c]!++;
        sumLogAmount[c]! += Math.log1p(invoices[i]!.amount / 100);
        openCount[c]!++;
        openAmount[c]! += invoices[i]!.amount;
        let heap = openHeap[c];
        if (!heap) {
          heap = [];
          openHeap[c] = heap;
        }
        heapPush(heap, i, due);
        break;
      }
      case OVERDUE:
        openOverdue[c]!++;
        break;
      case SETTLE: {
        const s = settle[i]!;
        const inv = invoices[i]!;
        const pd = s - due[i]!; // signed days past due
        const isLate = pd > 0 ? 1 : 0;
        const dl = Math.max(0, pd);
        const dts = s - issue[i]!;
        settled[i] = 1;
        openCount[c]!--;
        openAmount[c]! -= inv.amount;
        if (isLate) openOverdue[c]!--;
        cN[c]!++;
        cLate[c]! += isLate;
        cSumDL[c]! += dl;
        cSumDTS[c]! += dts;
        cSumPD[c]! += pd;
        if (inv.paperless) cPaperless[c]!++;
        (cMedDTS[c] ??= new RunningMedian()).push(dts);
        (cMedPD[c] ??= new RunningMedian()).push(pd);
        if (inv.disputed) {
          cDisp[c]!++;
          (disputeDays[c] ??= []).push(s);
        } else {
          cNU[c]!++;
          cLateU[c]! += isLate;
          (cMedPDU[c] ??= new RunningMedian()).push(pd);
        }
        // Recency-weighted mean of days past due.
        const rd = cN[c] === 1 ? 0 : Math.exp(-rLn2 * (s - rLast[c]!));
        rW[c] = rW[c]! * rd + 1;
        rWY[c] = rWY[c]! * rd + pd;
        rLast[c] = s;
        // Recency-weighted regression of days past due on settlement time (in quarters).
        const td = cN[c] === 1 ? 0 : Math.exp(-tLn2 * (s - tLast[c]!));
        const t = (s - minDay) / QUARTER;
        tW[c] = tW[c]! * td + 1;
        tWT[c] = tWT[c]! * td + t;
        tWY[c] = tWY[c]! * td + pd;
        tWTT[c] = tWTT[c]! * td + t * t;
        tWTY[c] = tWTY[c]! * td + t * pd;
        tLast[c] = s;
        lastSettled[c] = s;
        fN++;
        fLate += isLate;
        fSumDL += dl;
        fSumDTS += dts;
        fMedDTS.push(dts);
        fMedPD.push(pd);
        if (inv.paperless) fPaperless++;
        if (inv.disputed) fDisp++;
        else {
          fNU++;
          fLateU += isLate;
          fMedPDU.push(pd);
        }
        const g = group[i]!;
        if (g >= 0) {
          gN[g]!++;
          gLate[g]! += isLate;
        }
        break;
      }
    }
  }

  function trendSlope(c: number, nc: number, k: number): number {
    if (nc < 3) return 0;
    // Ratios of decayed sums do not depend on the common decay factor to the query day.
    const w = tW[c]!;
    const mt = tWT[c]! / w;
    const varT = tWTT[c]! / w - mt * mt;
    if (varT < (30 / QUARTER) ** 2) return 0; // less than a month of spread: no trend
    const cov = tWTY[c]! / w - mt * (tWY[c]! / w);
    const slope = cov / varT;
    return Math.max(-30, Math.min(30, slope)) * (nc / (nc + k));
  }
}
