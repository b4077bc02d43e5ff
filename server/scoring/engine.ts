/**
 * Scores an organisation's open invoices and customers as of a day from its history, using
 * the pure model (server/domain/scoring) — no I/O here; `run.ts` loads, caches and stores.
 *
 * Which method (docs/decisions/016-provider-data-use.md): an organisation whose provider may
 * not be trained on (Xero — data-use.ts) is scored by the no-fit method
 * (server/domain/scoring/nofit.ts) from its own history alone: no model, no firm prior; the
 * others by fitted models, trained only on `TrainingRows` (rows of organisations that allow it).
 *
 * Which model, and the firm-wide prior (docs: server/scoring/README.md):
 *  - the organisation's own model is fitted when it has at least ORG_MIN_SETTLED settled
 *    invoices; the firm model is fitted on the pooled history of all the firm's organisations
 *    (the organisation is the model's group prior, customers stay distinct per organisation);
 *  - with an own model, each invoice and customer blends the two by the customer's settled
 *    invoices in this organisation, n: weight of the firm model = PRIOR_STRENGTH / (n +
 *    PRIOR_STRENGTH) (1 for a new customer, 5/6 after one invoice, 1/3 after ten);
 *  - without one, the firm model alone scores the organisation;
 *  - with no settled invoice anywhere in the firm, documented default rates apply.
 *
 * An open invoice is scored as of `day`, not its issue date: its own fields (amount, terms,
 * dispute flag, size against the customer's typical amount) with the customer's history as
 * known at the end of `day` (customerSnapshots) — the "updated history" of decision 003. Its
 * pay date comes from the predicted days to settle and the model's residual percentiles,
 * conditioned on it still being open (so it is never in the past), as 21 stored quantiles.
 */
import { addDays, type CalendarDate, diffDays, toDayNumber } from '../../kernel/dates';
import { type Minor, mulRate } from '../../kernel/money';
import {
  type CustomerRisk,
  type CustomerSegment,
  compileModel,
  customerRisk,
  customerSnapshots,
  DEFAULT_PRIOR,
  explainReasons,
  F,
  fitScoringModel,
  forEachFeatureRow,
  type InvoiceFeatures,
  type ScoringInvoice,
  type ScoringModel,
  toFeatureObject,
  toFeatureRow,
} from '../domain/scoring';
import { chronicLate } from '../domain/scoring/chronic';
import type { FeatureOptions } from '../domain/scoring/features';
import { NOFIT_FEATURE_OPTIONS, noFitResidualPercentiles, noFitScore } from '../domain/scoring/nofit';
import { type TrainedOn, TrainingRows } from './data-use';
import { balanceOn, customerKey, type HistoryInvoice, toBase, toScoringInvoice } from './history';
import { conditionFrom, fromPercentiles, mixture, type PayDistribution, payDays, quantilesOf, residualPercentiles } from './pay-distribution';

/** Settled invoices an organisation needs before it gets a model of its own. */
export const ORG_MIN_SETTLED = 100;
/** Pseudo-invoices of the firm-wide model in a customer's blend. */
export const PRIOR_STRENGTH = 5;
/** Most recently settled invoices a pooled firm model trains on (boosting time grows with rows). */
export const FIRM_MAX_TRAIN_ROWS = 50_000;
/** Customer pseudo-invoices of the organisation's rates in the no-fit method's late share (features: K = 5). */
const NOFIT_SHRINK = 5;
/** Said with every score the no-fit method makes (the explain panel shows reasons). */
export const NOFIT_EXPLANATION = "Scored from this customer's own payment history with fixed rules (Xero data is never used to train a model)";
/** Reasons kept per score. */
const MAX_REASONS = 4;
/** Residual percentiles when the firm has no settled history at all: uniform from −10 to +30 days. */
const DEFAULT_RESIDUALS = Array.from({ length: 101 }, (_, k) => -10 + 0.4 * k);

export interface ScoreReason {
  code: string;
  text: string;
  contribution: number;
}

export interface FittedModels {
  organisation: ScoringModel | null;
  firm: ScoringModel | null;
}

/** The no-fit method: nothing fitted (an organisation whose rows may not train a model). */
export const NO_FIT = 'nofit' as const;
export type ScoringModels = FittedModels | typeof NO_FIT;

export interface OpenInvoiceScore {
  invoice: HistoryInvoice;
  /** Document currency and organisation base currency, minor units. */
  balance: Minor;
  balanceBase: Minor;
  pLate: number;
  amountAtRisk: Minor;
  priorWeight: number;
  /** Days from issue to settlement, given it is still open at the end of `day`. */
  distribution: PayDistribution;
  payQuantiles: number[];
  predictedDate: CalendarDate;
  lowDate: CalendarDate;
  highDate: CalendarDate;
  reasons: ScoreReason[];
}

export interface CustomerScore {
  organisationId: string;
  contactExternalId: string;
  contactId: string | null;
  score: number;
  segment: CustomerSegment;
  pLate: number;
  settledCount: number;
  openCount: number;
  priorWeight: number;
  reasons: ScoreReason[];
}

export interface OrganisationScores {
  day: CalendarDate;
  /** 'nofit': fixed rules on the organisation's own history (data-use.ts); the others are fitted or default rates. */
  modelScope: 'organisation' | 'firm' | 'default' | 'nofit';
  invoices: OpenInvoiceScore[];
  customers: CustomerScore[];
}

/** Settled invoices (known at the end of `day`) in a history. */
export function settledCount(history: readonly HistoryInvoice[], day: CalendarDate): number {
  let n = 0;
  for (const inv of history) if (inv.settledDate !== null && inv.settledDate <= day) n++;
  return n;
}

export interface TrainedModel {
  model: ScoringModel;
  /** The organisations whose rows it received, and how many settled rows each (stored with the model). */
  trainedOn: TrainedOn;
}

/**
 * The app's training entry point: fit on what settled by the end of `day` in `rows` (null
 * without any settled row). Only `TrainingRows` are accepted, and they are checked again here
 * (TrainingRows.assertTrainable throws on a row of an organisation that may not be trained on).
 */
export function trainOn(rows: TrainingRows, day: CalendarDate, maxTrainRows?: number): TrainedModel | null {
  const trainedOn = TrainingRows.assertTrainable(rows, day);
  if (trainedOn.rows === 0) return null;
  const model = fitScoringModel(rows.history.map(toScoringInvoice), addDays(day, 1), undefined, maxTrainRows === undefined ? {} : { maxTrainRows });
  return { model, trainedOn };
}

/** `trainOn`'s model alone. */
export function fitModel(rows: TrainingRows, day: CalendarDate, maxTrainRows?: number): ScoringModel | null {
  return trainOn(rows, day, maxTrainRows)?.model ?? null;
}

/**
 * The models for one organisation as of `day`, fitted from scratch (the job caches them; see
 * models.ts): its own (when it may be trained on and has ORG_MIN_SETTLED settled rows) and the
 * firm's, on `rows` (every allowed organisation). An organisation that may not be trained on
 * gets NO_FIT.
 */
export function fitModels(rows: TrainingRows, organisationId: string, day: CalendarDate): ScoringModels {
  if (!rows.allows(organisationId)) return NO_FIT;
  const own = rows.only(organisationId);
  return {
    organisation: settledCount(own.history, day) >= ORG_MIN_SETTLED ? fitModel(own, day) : null,
    firm: fitModel(rows, day, FIRM_MAX_TRAIN_ROWS),
  };
}

/** Per sweep (organisation-only or firm-pooled): feature rows as of `day` for chosen invoices, and customer snapshots. */
interface SweepView {
  /** Invoice id → row as of `day` (own fields from the issue date, history as of the end of `day`). */
  rows: Map<string, Float64Array>;
  snapshots: Map<string, InvoiceFeatures>;
}

const OWN_FIELDS = ['amountLog', 'termsDays', 'disputed', 'paperless', 'issueWeekday', 'issueMonth', 'amountVsTypical'] as const;

function sweep(invoices: readonly ScoringInvoice[], wanted: ReadonlySet<string>, day: CalendarDate, options: FeatureOptions = {}): SweepView {
  const issueRows = new Map<string, Float64Array>();
  forEachFeatureRow(
    invoices,
    (i, row) => {
      const id = invoices[i]!.id;
      if (wanted.has(id)) issueRows.set(id, Float64Array.from(row));
    },
    options,
  );
  const snapshots = customerSnapshots(invoices, addDays(day, 1), options);
  const rows = new Map<string, Float64Array>();
  for (const inv of invoices) {
    const own = issueRows.get(inv.id);
    const snap = own ? snapshots.get(inv.customerId) : undefined;
    if (!own || !snap) continue;
    rows.set(inv.id, withOwnFields(snap, own));
  }
  return { rows, snapshots };
}

/** The customer's history as of the snapshot with an invoice's own fields from its issue-date row. */
function withOwnFields(snapshot: InvoiceFeatures, ownRow: ArrayLike<number>): Float64Array {
  const row = toFeatureRow(snapshot);
  for (const name of OWN_FIELDS) row[F[name]] = ownRow[F[name]]!;
  row[F.expectedDaysToSettle] = row[F.termsDays]! + row[F.histMedianPastDueUndisputed]!;
  return row;
}

/** A customer's "next invoice" like their last one (amount, terms), undisputed, issued on `day`. */
function typicalRow(snapshot: InvoiceFeatures, last: ScoringInvoice, day: CalendarDate): Float64Array {
  const row = toFeatureRow(snapshot);
  const d = toDayNumber(day);
  row[F.amountLog] = Math.log1p(last.amount / 100);
  row[F.termsDays] = diffDays(last.issueDate, last.dueDate);
  row[F.disputed] = 0;
  row[F.paperless] = last.paperless ? 1 : 0;
  row[F.issueWeekday] = (((d + 4) % 7) + 7) % 7;
  row[F.issueMonth] = Number(day.slice(5, 7));
  row[F.amountVsTypical] = 0;
  row[F.expectedDaysToSettle] = row[F.termsDays]! + row[F.histMedianPastDueUndisputed]!;
  return row;
}

interface Scorer {
  model: ScoringModel;
  score: ReturnType<typeof compileModel>;
}

function scorer(model: ScoringModel | null): Scorer | null {
  return model ? { model, score: compileModel(model) } : null;
}

interface Blend {
  pLate: number;
  dist: PayDistribution;
  priorWeight: number;
}

/** The organisation/firm blend for one row pair (either may be missing). */
function blend(org: Scorer | null, orgRow: Float64Array | undefined, firm: Scorer | null, firmRow: Float64Array | undefined): Blend {
  const n = orgRow?.[F.histCount] ?? firmRow?.[F.histCount] ?? 0;
  const parts: { p: number; dist: PayDistribution; weight: number }[] = [];
  const wFirm = org && orgRow ? (firm && firmRow ? PRIOR_STRENGTH / (n + PRIOR_STRENGTH) : 0) : 1;
  if (org && orgRow && wFirm < 1) {
    const s = org.score(orgRow);
    parts.push({ p: s.pLate, dist: fromPercentiles(s.daysToSettle, residualPercentiles(org.model, n)), weight: 1 - wFirm });
  }
  if (firm && firmRow && wFirm > 0) {
    const s = firm.score(firmRow);
    parts.push({ p: s.pLate, dist: fromPercentiles(s.daysToSettle, residualPercentiles(firm.model, n)), weight: wFirm });
  }
  if (parts.length === 0) {
    const row = orgRow ?? firmRow!;
    const days = Math.max(0, row[F.termsDays]! + DEFAULT_PRIOR.pastDue);
    return { pLate: row[F.histLateShare]!, dist: fromPercentiles(days, DEFAULT_RESIDUALS), priorWeight: 1 };
  }
  const pLate = parts.reduce((s, part) => s + part.weight * part.p, 0);
  return { pLate, dist: mixture(parts.map((part) => ({ dist: part.dist, weight: part.weight }))), priorWeight: wFirm };
}

/** The no-fit method's P(late) and pay-date distribution for a row (no model, fixed rules). */
function noFitBlend(row: Float64Array): Blend {
  const n = row[F.histCount]!;
  const s = noFitScore(row);
  return { pLate: s.pLate, dist: fromPercentiles(s.daysToSettle, noFitResidualPercentiles(n)), priorWeight: NOFIT_SHRINK / (n + NOFIT_SHRINK) };
}

function reasonsOf(features: InvoiceFeatures, priorWeight: number, modelScope: OrganisationScores['modelScope'], orgHasHistory = true): ScoreReason[] {
  const out: ScoreReason[] = explainReasons(features)
    .slice(0, MAX_REASONS)
    .map((r) => (modelScope === 'nofit' && r.code === 'new_customer' ? { ...r, text: "no payment history yet: this organisation's rates apply" } : r));
  const n = features.histCount;
  if (modelScope === 'nofit') {
    if (!orgHasHistory) out.push({ code: 'default_rates', text: 'no paid invoices here yet: default rates apply', contribution: 0 });
    out.push({ code: 'nofit_method', text: NOFIT_EXPLANATION, contribution: 0 });
  } else if (modelScope === 'default') out.push({ code: 'default_rates', text: 'no paid invoices in the firm yet: default rates apply', contribution: 0 });
  else if (n > 0 && priorWeight >= 0.2 && modelScope === 'organisation') {
    out.push({ code: 'firm_prior', text: `only ${n} paid here so far: firm-wide history weighs ${Math.round(priorWeight * 100)}%`, contribution: 0 });
  }
  return out;
}

/**
 * Score every open invoice and every customer of one organisation as of the end of `day`.
 * `orgHistory` and `firmHistory` must hold only what was known then (see asKnownAt); the
 * firm history is what the firm model was fitted on (`TrainingRows.history`: it includes the
 * organisation's own invoices and no organisation that may not be trained on). With NO_FIT,
 * only `orgHistory` is read.
 */
export function scoreOrganisation(params: {
  organisationId: string;
  orgHistory: readonly HistoryInvoice[];
  firmHistory: readonly HistoryInvoice[];
  models: ScoringModels;
  day: CalendarDate;
}): OrganisationScores {
  const { organisationId, orgHistory, day } = params;
  const nofit = params.models === NO_FIT;
  const models: FittedModels = params.models === NO_FIT ? { organisation: null, firm: null } : params.models;
  const firmHistory = nofit ? [] : params.firmHistory;
  const org = scorer(models.organisation);
  const firm = scorer(models.firm);
  const modelScope: OrganisationScores['modelScope'] = nofit ? 'nofit' : org ? 'organisation' : firm ? 'firm' : 'default';
  const orgHasHistory = settledCount(orgHistory, day) > 0;

  const open = orgHistory.filter((inv) => inv.issueDate <= day && inv.settledDate === null && balanceOn(inv, day) > 0);
  const wanted = new Set(open.map((inv) => inv.id));
  const orgInvoices = orgHistory.map(toScoringInvoice);
  const orgView = sweep(orgInvoices, wanted, day, nofit ? NOFIT_FEATURE_OPTIONS : {});
  // The pooled sweep gives firm-wide rates; only needed when the firm model takes part.
  const firmView = firm ? sweep(firmHistory.map(toScoringInvoice), wanted, day) : null;
  // Snapshots are taken at the start of the next day (to include today's settlements); what is
  // overdue is counted as of `day` itself (past due = due date before `day`).
  const overdue = new Map<string, { count: number; maxDays: number }>();
  for (const inv of open) {
    const days = diffDays(inv.dueDate, day);
    if (days <= 0) continue;
    const key = customerKey(inv.organisationId, inv.contactExternalId);
    const o = overdue.get(key) ?? { count: 0, maxDays: 0 };
    o.count++;
    o.maxDays = Math.max(o.maxDays, days);
    overdue.set(key, o);
  }
  for (const view of firmView ? [orgView, firmView] : [orgView]) {
    for (const inv of orgInvoices) {
      const o = overdue.get(inv.customerId) ?? { count: 0, maxDays: 0 };
      const row = view.rows.get(inv.id);
      if (row) {
        row[F.openOverdueCount] = o.count;
        row[F.maxDaysOverdue] = o.maxDays;
      }
      const snap = view.snapshots.get(inv.customerId);
      if (snap) {
        snap.openOverdueCount = o.count;
        snap.maxDaysOverdue = o.maxDays;
      }
    }
  }

  const invoices: OpenInvoiceScore[] = [];
  for (const inv of open) {
    const orgRow = orgView.rows.get(inv.id);
    const firmRow = firmView?.rows.get(inv.id);
    if (!orgRow) continue;
    const b = nofit ? noFitBlend(orgRow) : blend(org, orgRow, firm, firmRow);
    const age = diffDays(inv.issueDate, day);
    const dist = conditionFrom(b.dist, age + 0.5);
    const days = payDays(dist);
    const balance = balanceOn(inv, day);
    invoices.push({
      invoice: inv,
      balance,
      balanceBase: toBase(inv, balance),
      pLate: b.pLate,
      amountAtRisk: mulRate(balance, b.pLate.toFixed(6)),
      priorWeight: b.priorWeight,
      distribution: dist,
      payQuantiles: quantilesOf(dist),
      predictedDate: addDays(inv.issueDate, days.median),
      lowDate: addDays(inv.issueDate, days.low),
      highDate: addDays(inv.issueDate, days.high),
      reasons: reasonsOf(toFeatureObject(orgRow), b.priorWeight, modelScope, orgHasHistory),
    });
  }

  // Customers: everyone with an invoice here, scored on a "next invoice" like their last one.
  const lastOf = new Map<string, ScoringInvoice>();
  const contactOf = new Map<string, HistoryInvoice>();
  orgInvoices.forEach((inv, i) => {
    if (inv.issueDate > day) return;
    const prev = lastOf.get(inv.customerId);
    if (!prev || inv.issueDate >= prev.issueDate) lastOf.set(inv.customerId, inv);
    const h = orgHistory[i]!;
    const known = contactOf.get(inv.customerId);
    if (!known || (known.contactId === null && h.contactId !== null)) contactOf.set(inv.customerId, h);
  });
  const openCount = new Map<string, number>();
  for (const inv of open) {
    const key = customerKey(inv.organisationId, inv.contactExternalId);
    openCount.set(key, (openCount.get(key) ?? 0) + 1);
  }
  const ownInvoices = new Map<string, HistoryInvoice[]>();
  for (const inv of orgHistory) {
    const key = customerKey(inv.organisationId, inv.contactExternalId);
    const list = ownInvoices.get(key);
    if (list) list.push(inv);
    else ownInvoices.set(key, [inv]);
  }
  const customers: CustomerScore[] = [];
  for (const [key, last] of lastOf) {
    const snap = orgView.snapshots.get(key);
    if (!snap) continue;
    const firmSnap = firmView?.snapshots.get(key);
    const row = typicalRow(snap, last, day);
    const b = nofit ? noFitBlend(row) : blend(org, row, firm, firmSnap ? typicalRow(firmSnap, last, day) : undefined);
    // Chronic late payer: the explicit definition on the customer's own last paid invoices (chronic.ts, decision 039).
    const risk: CustomerRisk = customerRisk(snap, b.pLate, chronicLate(ownInvoices.get(key) ?? [], day).chronic);
    const h = contactOf.get(key)!;
    customers.push({
      organisationId,
      contactExternalId: h.contactExternalId,
      contactId: h.contactId,
      score: risk.score0to100,
      segment: risk.segment,
      pLate: b.pLate,
      settledCount: snap.histCount,
      openCount: openCount.get(key) ?? 0,
      priorWeight: b.priorWeight,
      reasons: reasonsOf(snap, b.priorWeight, modelScope, orgHasHistory),
    });
  }
  customers.sort((a, b) => b.score - a.score || a.contactExternalId.localeCompare(b.contactExternalId));
  return { day, modelScope, invoices, customers };
}
