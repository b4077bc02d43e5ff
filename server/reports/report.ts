/**
 * The monthly client report: one JSON model that the page (client/src/pages/ClientReport.tsx), the
 * PDF (pdf.ts) and the email (send.ts) all show. Everything in it is words and display text for a
 * person — amounts come with their formatted text, dates as "30 November 2026" — never an id or an
 * internal key. Money is exact (minor units, formatted once here).
 */
import { and, eq } from 'drizzle-orm';
import { addMonths, endOfMonth, longDate, startOfMonth, todayIn } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import type { TargetMetric } from '../analytics/targets';
import { listTargets, targetWithProgress } from '../analytics/targets-store';
import type { Db } from '../db/client';
import { firms, organisations } from '../db/schema';
import { type Aging, amountNumber } from '../domain/metrics';
import { formatMoney } from '../reminders/render';
import { organisationScores } from '../scoring/scores';
import { getActionPlan } from '../team/action-plan';
import { ACTION_ROWS } from './activity-kinds';
import { attribute, ruleSentence, TOUCH_KINDS, TOUCH_WORDS } from './attribution';
import type { Baseline } from './baseline';
import { type KpiKey, monthlyGains } from './gains';
import { monthsEnding, windowKpis } from './kpis';
import { countActions, loadPromises, loadTouches, paymentsIn } from './load';
import { promiseOutcomes } from './promises';
import { monthRange, type ReportMonth } from './schedule';
import { getClientService } from './service';
import { billingAccuracy } from '../billing-review/accuracy-load';

const KPI_WORDS: Record<KpiKey, { name: string; unit: 'days' | '%' }> = {
  dso: { name: 'Days sales outstanding (DSO)', unit: 'days' },
  dsoCountback: { name: 'Countback DSO', unit: 'days' },
  cei: { name: 'Collection effectiveness (CEI)', unit: '%' },
  dbt: { name: 'Average days beyond terms (DBT)', unit: 'days' },
  overduePct: { name: 'Share of receivables overdue', unit: '%' },
  avgDaysToPay: { name: 'Average days to pay', unit: 'days' },
};
const TARGET_KPI: Record<TargetMetric, KpiKey> = { dso: 'dso', cei: 'cei', overdue_pct: 'overduePct', dbt: 'dbt' };
const TARGET_STATUS = { achieved: 'Achieved', on_track: 'On track', behind: 'Behind', missed: 'Missed', no_data: 'No data' } as const;
const AGING_ROWS: { key: keyof Aging; name: string }[] = [
  { key: 'current', name: 'Not yet due' },
  { key: 'd1_30', name: '1–30 days overdue' },
  { key: 'd31_60', name: '31–60 days overdue' },
  { key: 'd61_90', name: '61–90 days overdue' },
  { key: 'd91_plus', name: 'Over 90 days overdue' },
];

export interface Money {
  amount: number;
  text: string;
}

export interface ClientReport {
  firmName: string;
  organisationName: string;
  monthName: string;
  periodText: string;
  currency: string;
  service: { startText: string; baselineText: string; nowText: string } | null;
  kpis: { name: string; unit: 'days' | '%'; baseline: number | null; current: number | null; change: number | null; better: boolean | null; target: { goal: number; status: string; dueText: string } | null }[];
  cashReleased: { amount: Money; sentence: string } | null;
  aging: { before: { name: string; amount: Money }[] | null; beforeText: string | null; now: { name: string; amount: Money }[]; nowText: string };
  collected: { total: Money; rows: { name: string; amount: Money; payments: number }[]; notThroughArcus: Money; rule: string };
  actions: { name: string; count: number }[];
  promises: { kept: number; broken: number };
  risks: { customer: string; openInvoices: number; lateChancePct: number; reason: string | null }[];
  nextMonth: { title: string; kindName: string; dueText: string; who: string | null; goal: string }[];
  nextMonthName: string;
  /** Invoices issued in the month not voided, credited or amended within 30 days (server/billing-review/accuracy.ts). */
  billingAccuracy?: { rateText: string; periodText: string; reasons: { name: string; count: number }[]; pending: number };
}

const monthName = (month: ReportMonth) => longDate(`${month}-01`).replace(/^1 /, '');

export async function buildClientReport(db: Db, p: { firmId: string; organisationId: string; month: ReportMonth; now: Date }): Promise<ClientReport | null> {
  const [org] = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, baseCurrency: organisations.baseCurrency, countryCode: organisations.countryCode, status: organisations.status, provider: organisations.provider, externalId: organisations.externalId, lastSyncAt: organisations.lastSyncAt })
    .from(organisations)
    .where(and(eq(organisations.firmId, p.firmId), eq(organisations.id, p.organisationId)));
  if (!org) return null;
  const [firm] = await db.select({ name: firms.name }).from(firms).where(eq(firms.id, p.firmId));
  const { from, to } = monthRange(p.month);
  const scope = { firmId: p.firmId, organisationId: org.id, timezone: org.timezone };
  const service = await getClientService(db, p.firmId, org.id);
  const windowDays = service?.attributionDays ?? 14;
  const [ledger, touches, actionCounts, promises, targets, scores, plan] = await Promise.all([
    loadLedgerInvoices(db, { firmId: p.firmId, organisationId: org.id }),
    loadTouches(db, scope, from, to, windowDays),
    countActions(db, scope, from, to),
    loadPromises(db, scope, from, to),
    listTargets(db, p.firmId, org.id),
    organisationScores(db, p.firmId, org.id),
    getActionPlan(db, p.firmId, { ...org, provider: org.provider }, p.now),
  ]);
  const money = (units: Minor): Money => ({ amount: amountNumber(units), text: formatMoney(units, org.baseCurrency, org.countryCode) });
  const base = toBaseMetricInvoices(ledger, org.baseCurrency);
  const [now, month] = windowKpis(base, [monthsEnding(to, 3), { from, to }]);
  const baseline = (service?.baseline ?? null) as Baseline | null;
  const gains = baseline ? monthlyGains(baseline, now!) : null;
  const targetOf = new Map(targets.map((t) => [TARGET_KPI[t.metric as TargetMetric], targetWithProgress(t, base, to)]));

  const kpis = (Object.keys(KPI_WORDS) as KpiKey[]).map((key) => {
    const g = gains?.kpis.find((k) => k.key === key);
    const t = targetOf.get(key);
    return {
      ...KPI_WORDS[key],
      baseline: baseline ? baseline.threeMonths[key] : null,
      current: now![key],
      change: g?.change ?? null,
      better: g?.better ?? null,
      target: t ? { goal: t.goal, status: TARGET_STATUS[t.status], dueText: longDate(t.dueDate) } : null,
    };
  });

  const payments = paymentsIn(ledger, org.baseCurrency, from, to);
  const a = attribute(payments, touches, windowDays);
  const outcomes = promiseOutcomes(promises, payments, from, to);
  const nextFrom = addMonths(startOfMonth(from), 1);
  const nextTo = endOfMonth(nextFrom);
  const today = todayIn(org.timezone, p.now);
  const agingRows = (ag: Aging) => AGING_ROWS.map((r) => ({ name: r.name, amount: money(ag[r.key]) }));
  const accuracy = await billingAccuracy(db, { firmId: p.firmId, organisationId: org.id }, p.now, { from, to });

  return {
    billingAccuracy: { rateText: accuracy.figure.rateText, periodText: accuracy.periodText, reasons: accuracy.figure.reasons.map((r) => ({ name: r.reasonText, count: r.count })), pending: accuracy.figure.pending },
    firmName: firm?.name ?? '',
    organisationName: org.name,
    monthName: monthName(p.month),
    periodText: `${longDate(from)} to ${longDate(to)}`,
    currency: org.baseCurrency,
    service:
      service && baseline
        ? {
            startText: longDate(service.startDate),
            baselineText: `the 3 months to ${longDate(baseline.threeMonths.to)}, as they were when the service started`,
            nowText: `the 3 months to ${longDate(to)}`,
          }
        : null,
    kpis,
    cashReleased:
      gains?.cashReleased != null && gains.dsoReduction !== null && gains.dailySales !== null
        ? {
            amount: money(gains.cashReleased),
            sentence: `DSO ${gains.dsoReduction >= 0 ? 'fell' : 'rose'} by ${Math.abs(gains.dsoReduction).toFixed(2)} days against the baseline; at ${money(gains.dailySales).text} of sales a day that is ${money(Math.abs(gains.cashReleased)).text} of cash ${gains.dsoReduction >= 0 ? 'released' : 'tied up'}.`,
          }
        : null,
    aging: {
      before: baseline ? agingRows(baseline.threeMonths.aging) : null,
      beforeText: baseline ? longDate(baseline.threeMonths.to) : null,
      now: agingRows(month!.aging),
      nowText: longDate(to),
    },
    collected: {
      total: money(a.total),
      rows: TOUCH_KINDS.map((k) => ({ name: TOUCH_WORDS[k], amount: money(a.byKind[k]), payments: a.countByKind[k] })),
      notThroughArcus: money(a.unattributed),
      rule: ruleSentence(windowDays),
    },
    actions: ACTION_ROWS.map((r) => ({ name: r.name, count: actionCounts.get(r.key) ?? 0 })),
    promises: outcomes,
    risks: scores.customers
      .filter((c) => c.openCount > 0)
      .slice(0, 5)
      .map((c) => ({ customer: c.name, openInvoices: c.openCount, lateChancePct: Math.round(c.pLate * 100), reason: c.reasons[0]?.text ?? null })),
    nextMonth: plan.targets
      .flatMap((t) => t.steps.filter((s) => s.status === 'open' && s.dueOn <= nextTo).map((s) => ({ title: s.title, kindName: s.kindName, dueText: s.dueOn < today ? `${longDate(s.dueOn)} (overdue)` : longDate(s.dueOn), who: s.assigneeName, goal: t.metricName, dueOn: s.dueOn })))
      .sort((x, y) => x.dueOn.localeCompare(y.dueOn))
      .map(({ dueOn: _, ...s }) => s),
    nextMonthName: monthName(nextFrom.slice(0, 7)),
  };
}
