import { applyCalibration, type CalibrationMap } from './calibration';
import { DEFAULT_EFFECTS, F, type FeatureOptions, type FirmPrior } from './features';
import type { RowScore } from './model';

/**
 * The no-fit method (docs/decisions/016-provider-data-use.md): P(late), days to settle and a
 * pay-date band for an invoice computed at scoring time from the customer's own history and
 * the organisation's, summarised on the fly by the feature sweep — no parameter is estimated
 * from the ledger's data and nothing learned is stored. Every number below is a constant
 * written here; they were chosen by hand and checked on the public IBM sample's earlier
 * period only (the decision record says how), never on a client's ledger.
 *
 *  - Organisation rates: the sweep's firm-wide running rates and medians, each shrunk toward
 *    NOFIT_PRIOR with NOFIT_PRIOR_STRENGTH pseudo-invoices (features.ts `priorStrength`); a
 *    customer's rates are shrunk toward those (K = 5, as for the fitted model).
 *  - Days to settle = terms + the customer's habit + fixed additions for a disputed invoice and
 *    for electronic billing; never below 0. The habit (decision 057) is the median of the
 *    customer's settled invoices' days past due with those same additions taken out
 *    (`histMedianPastDueAdjustedShrunk`: a customer who moved to electronic billing, or disputes
 *    often, is read on a like-for-like footing), shrunk with one pseudo-invoice toward the
 *    organisation's median of the same.
 *  - Residual: a Laplace distribution around it, wider for customers with little history
 *    (scale from RULES.spreadNew down to RULES.spreadSettled); gives the 10–90% band.
 *  - P(late) = a fixed mix of the customer's shrunk late share (raised when disputed) and
 *    P(days to settle > terms) read off that distribution, through the fixed calibration
 *    NOFIT_CALIBRATION (two Platt constants).
 * Constants were chosen on the IBM sample's validation split: docs/decisions/034-calibration-and-bands.md
 * 057-model-targets.md, 066-calibration-on-known-outcomes.md and 072-rolling-validation-late-on-known-rows.md.
 */
export const NOFIT_PRIOR: Readonly<FirmPrior> = {
  lateShare: 0.4,
  daysLate: 8,
  daysToSettle: 40,
  pastDue: 3,
  disputeShare: 0.1,
  paperlessShare: 0.5,
};

/** Pseudo-invoices of NOFIT_PRIOR in the organisation's running rates. */
export const NOFIT_PRIOR_STRENGTH = 20;

/** Feature options of the no-fit method: the sweep shrinks organisation rates to the fixed prior. */
export const NOFIT_FEATURE_OPTIONS: Readonly<FeatureOptions> = { prior: NOFIT_PRIOR, priorStrength: NOFIT_PRIOR_STRENGTH };

/**
 * Fixed rule weights: round values chosen on the IBM sample's validation split (invoices issued
 * 2012-07-01…2012-12-31, history known before 2013-01-01 only — `arcus backtest --split
 * 2012-07-01 --until 2013-01-01`), never on a test half and never on a client's data. See
 * docs/decisions/034-calibration-and-bands.md.
 */
export const NOFIT_RULES = {
  /** Days added for an invoice that is disputed (the features' DEFAULT_EFFECTS.disputed: the habit is read net of it). */
  disputedDays: DEFAULT_EFFECTS.disputed,
  /** Days added for an invoice billed electronically (0 when the ledger does not say; DEFAULT_EFFECTS.paperless). */
  paperlessDays: DEFAULT_EFFECTS.paperless,
  /**
   * Laplace scale of the residual (days): spreadNew without history, toward spreadSettled with it
   * (half-way at spreadK invoices). Decision 066: 0.9 × the earlier 7 and 3 — the one factor of
   * 0.9 / 0.95 / 1 whose band covered 78–82% on all three validation windows (the validation split
   * and the uncensored windows from 1 July and 1 August 2012; 0.95, decision 057's choice on the
   * validation split alone, covered 84.5% on the August window).
   */
  spreadNew: 6.3,
  spreadSettled: 2.7,
  spreadK: 5,
  /** Raw P(late) = lateShareWeight × shrunk late share + (1 − lateShareWeight) × P(days to settle > terms). */
  lateShareWeight: 0.5,
  /** A disputed invoice: late share p becomes 1 − (1 − p)(1 − disputedLate). */
  disputedLate: 0.35,
} as const;

/**
 * Fixed calibration of the raw P(late): Platt constants, P = σ(a · logit(raw) + b), a and b
 * rounded to 0.01. Not fitted at run time; `applyCalibration` keeps the result inside [0.5%, 99.5%].
 * Decision 072 read them on the public IBM sample's invoices whose outcome was known before its
 * test split (issued 1 January–17 October 2012, history known before 2013-01-01; 994 invoices,
 * the ones decision 066 read its knot map on). Chosen over that knot map by a rolling-origin check:
 * each map read again on only what was known at a validation split (invoices issued 75 days or
 * more before it) and scored on the window after it (1 July, 1 August, 1 September 2012) — mean
 * ECE 0.066 for Platt against 0.086 for the knot map read the same way, and 0.074 for decision
 * 066's points, which had been read on those windows' own outcomes.
 */
export const NOFIT_CALIBRATION: Readonly<CalibrationMap> = { kind: 'platt', a: 1.45, b: 0.35 };

/** Laplace scale of the residual for a customer with `histCount` settled invoices. */
export function noFitSpread(histCount: number): number {
  const r = NOFIT_RULES;
  return r.spreadSettled + ((r.spreadNew - r.spreadSettled) * r.spreadK) / (histCount + r.spreadK);
}

/** Quantile of a Laplace(0, s) distribution. */
function laplaceQuantile(p: number, s: number): number {
  return p < 0.5 ? s * Math.log(2 * p) : -s * Math.log(2 * (1 - p));
}

/** P(Laplace(0, s) > t). */
function laplaceExceeds(t: number, s: number): number {
  return t >= 0 ? 0.5 * Math.exp(-t / s) : 1 - 0.5 * Math.exp(t / s);
}

/**
 * Residual percentiles 0…100 (days, around the predicted days to settle) of the no-fit
 * method, for pay-date distributions; the ends are the 0.5% and 99.5% points.
 */
export function noFitResidualPercentiles(histCount: number): number[] {
  const s = noFitSpread(histCount);
  return Array.from({ length: 101 }, (_, k) => laplaceQuantile(Math.min(0.995, Math.max(0.005, k / 100)), s));
}

function noFitRawLate(p: number): number {
  return Math.min(0.995, Math.max(0.005, p));
}

/**
 * The no-fit method's score of a feature row (NOFIT_FEATURE_OPTIONS features, or any row of the same
 * layout). `calibration` is the fixed map (null: the raw P(late), for reading a map on public data).
 */
export function noFitScore(
  row: ArrayLike<number>,
  useDisputed = true,
  calibration: Readonly<CalibrationMap> | null = NOFIT_CALIBRATION,
): Pick<RowScore, 'pLate' | 'daysToSettle' | 'daysLow' | 'daysHigh'> {
  const r = NOFIT_RULES;
  const n = row[F.histCount]!;
  const terms = row[F.termsDays]!;
  const disputed = useDisputed && row[F.disputed]! === 1;
  const habit = row[F.histMedianPastDueAdjustedShrunk]!;
  const d = Math.max(0, terms + habit + (disputed ? r.disputedDays : 0) + (row[F.paperless]! === 1 ? r.paperlessDays : 0));
  const s = noFitSpread(n);
  const pDays = laplaceExceeds(terms + 0.5 - d, s);
  let share = row[F.histLateShareUndisputed]!;
  if (disputed) share = 1 - (1 - share) * (1 - r.disputedLate);
  const pLate = applyCalibration(calibration, noFitRawLate(r.lateShareWeight * share + (1 - r.lateShareWeight) * pDays));
  const mid = Math.round(d);
  const band = s * Math.log(5); // the 10th and 90th percentiles are ∓ s·ln 5
  return {
    pLate,
    daysToSettle: d,
    daysLow: Math.min(mid, Math.max(0, Math.round(d - band))),
    daysHigh: Math.max(mid, Math.round(d + band)),
  };
}
