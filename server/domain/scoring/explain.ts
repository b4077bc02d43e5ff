import type { InvoiceFeatures } from './features';

/**
 * Reasons in words for an invoice's or a customer's risk, and a customer risk segment.
 * Pure functions of the features (as of the issue date, or a `customerSnapshots` date).
 *
 * Each reason carries a `contribution`: its estimated effect on P(late), in probability
 * points against the firm-wide late share (positive = riskier). The figures are simple,
 * documented rules — not the model's internals — so collectors can check them by hand:
 *  - payment history: shrunk customer late share − firm late share;
 *  - trend: 1 point per day-per-quarter of the recency-weighted trend, capped at ±30;
 *  - disputes in the last year: 5 points each, capped at 25;
 *  - this invoice disputed: 25 points;
 *  - open invoices past due now: 10 points each plus 1 per 3 days the oldest is past due,
 *    capped at 40;
 *  - amount at least twice their typical amount: 5 points per doubling;
 *  - no history: ranked first (its contribution is set to 0.2 for ordering only).
 */
export interface Reason {
  code:
    | 'new_customer'
    | 'history_late'
    | 'history_on_time'
    | 'trend_later'
    | 'trend_earlier'
    | 'disputes'
    | 'disputed_invoice'
    | 'overdue_now'
    | 'large_amount';
  text: string;
  contribution: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const round = (x: number) => Math.round(x);

/** All applicable reasons, ranked by |contribution| (largest first; ties keep rule order). */
export function explainReasons(f: InvoiceFeatures): Reason[] {
  const out: Reason[] = [];
  const n = f.histCount;
  if (n === 0) {
    out.push({ code: 'new_customer', text: 'no payment history yet: firm-wide rates apply', contribution: 0.2 });
  } else {
    const lateShareRaw = f.histLateCount / n;
    const delta = f.histLateShare - f.firmLateShare;
    const meanLate = round(f.histMeanDaysLate);
    if (f.histLateCount === 0) {
      out.push({ code: 'history_on_time', text: `paid all ${plural(n, 'invoice')} on time`, contribution: delta });
    } else if (lateShareRaw >= 0.5 && meanLate >= 1) {
      out.push({
        code: 'history_late',
        text: `pays ${plural(meanLate, 'day')} late on average over ${plural(n, 'invoice')}`,
        contribution: delta,
      });
    } else {
      const lateOnly = round((f.histMeanDaysLate * n) / f.histLateCount);
      out.push({
        code: delta > 0 ? 'history_late' : 'history_on_time',
        text: `paid ${f.histLateCount} of ${plural(n, 'invoice')} late (by ${plural(lateOnly, 'day')} on average)`,
        contribution: delta,
      });
    }
  }
  const trend = f.histTrendPerQuarter;
  if (n >= 4 && trend >= 2) {
    out.push({
      code: 'trend_later',
      text: `paying later each quarter (+${plural(round(trend), 'day')} per quarter)`,
      contribution: Math.min(0.3, trend / 100),
    });
  } else if (n >= 4 && trend <= -2) {
    out.push({
      code: 'trend_earlier',
      text: `paying earlier each quarter (−${plural(round(-trend), 'day')} per quarter)`,
      contribution: Math.max(-0.3, trend / 100),
    });
  }
  if (f.histDisputesLastYear >= 1) {
    out.push({
      code: 'disputes',
      text: `${plural(f.histDisputesLastYear, 'dispute')} this year`,
      contribution: Math.min(0.25, 0.05 * f.histDisputesLastYear),
    });
  }
  if (f.disputed === 1) out.push({ code: 'disputed_invoice', text: 'this invoice is disputed', contribution: 0.25 });
  if (f.openOverdueCount >= 1) {
    out.push({
      code: 'overdue_now',
      text: `${plural(f.openOverdueCount, 'invoice')} overdue now (oldest ${plural(round(f.maxDaysOverdue), 'day')} past due)`,
      contribution: Math.min(0.4, 0.1 * f.openOverdueCount + f.maxDaysOverdue / 300),
    });
  }
  if (f.amountLog > 0 && f.tenureDays > 0 && f.amountVsTypical >= Math.LN2) {
    const ratio = Math.exp(f.amountVsTypical);
    out.push({
      code: 'large_amount',
      text: `invoice is ${ratio.toFixed(1)}× their typical amount`,
      contribution: 0.05 * Math.log2(ratio),
    });
  }
  return out
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Math.abs(b.r.contribution) - Math.abs(a.r.contribution) || a.i - b.i)
    .map(({ r }) => r);
}

/** The main reasons in words, most important first. */
export function explain(features: InvoiceFeatures, max = 4): string[] {
  return explainReasons(features)
    .slice(0, max)
    .map((r) => r.text);
}

export type CustomerSegment = 'reliable' | 'slow' | 'chronic_late' | 'deteriorating' | 'bad_debt_risk' | 'new';

export interface CustomerRisk {
  score0to100: number;
  segment: CustomerSegment;
}

/**
 * A customer's risk from their features (typically `customerSnapshots(…, today)`).
 *
 * score0to100 = round(100 · (1 − (1 − p) · (1 − 0.8 · s))) + trend bump, clamped to 0…100,
 *   p = `pLate` when given (the model's P(late) for the customer), else the shrunk late
 *   share; s = min(1, days the oldest open invoice is past due / 90); trend bump =
 *   min(10, 2 · days-per-quarter) when the customer is paying later each quarter.
 *
 * segment — the first rule that matches:
 *   bad_debt_risk  an open invoice ≥ 90 days past due, or ≥ 3 settled invoices averaging
 *                  ≥ 60 days late;
 *   new            fewer than 3 settled invoices;
 *   chronic_late   with `chronic` given (the app: chronic.ts, decision 039): that verdict — late on
 *                  ≥ 60% of the last 10 paid invoices by a median ≥ 10 days; without it, ≥ 60%
 *                  of settled invoices paid late;
 *   deteriorating  paying later each quarter (trend ≥ 3 days/quarter) and recent invoices
 *                  ≥ 3 days later than their median;
 *   slow           ≥ 30% paid late, or ≥ 5 days late on average;
 *   reliable       otherwise.
 */
export function customerRisk(f: InvoiceFeatures, pLate?: number, chronic?: boolean): CustomerRisk {
  const n = f.histCount;
  const p = pLate ?? f.histLateShare;
  const severity = Math.min(1, f.maxDaysOverdue / 90);
  const trendBump = f.histTrendPerQuarter > 0 && n >= 4 ? Math.min(10, 2 * f.histTrendPerQuarter) : 0;
  const raw = 100 * (1 - (1 - p) * (1 - 0.8 * severity)) + trendBump;
  const score0to100 = Math.max(0, Math.min(100, Math.round(raw)));
  const lateShare = n > 0 ? f.histLateCount / n : 0;
  let segment: CustomerSegment;
  if (f.maxDaysOverdue >= 90 || (n >= 3 && f.histMeanDaysLate >= 60)) segment = 'bad_debt_risk';
  else if (n < 3) segment = 'new';
  else if (chronic ?? lateShare >= 0.6) segment = 'chronic_late';
  else if (f.histTrendPerQuarter >= 3 && f.histRecentPastDue >= f.histMedianPastDue + 3) segment = 'deteriorating';
  else if (lateShare >= 0.3 || f.histMeanDaysLate >= 5) segment = 'slow';
  else segment = 'reliable';
  return { score0to100, segment };
}
