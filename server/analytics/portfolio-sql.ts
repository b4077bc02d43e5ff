/**
 * The portfolio's period figures for every organisation of a firm, in one SQL pass.
 *
 * Computing each organisation's metrics in code would read every invoice and allocation of
 * the firm (a million rows and more). Instead this reads the per-invoice settlement summary
 * that triggers keep on `invoices` (migrations 0002 and 0005): settled_on, settlement_days
 * and the amounts in the organisation's base currency (base_total, base_settled_cum), and
 * only the invoices that matter:
 * - those issued in the period or in the comparison period (sales), and
 * - those not settled for good before the earliest evaluation day (balances).
 * An invoice settled on or before a day has a balance of zero or less there, in its own
 * currency and so also after conversion (mulRate is monotonic): it contributes nothing.
 *
 * Definitions are the engine's (server/domain/metrics/engine.ts):
 * - balance at t = base_total − base settled by t, counted when issued ≤ t and above zero;
 *   conversion as convertInvoices does (half-even, the total and the cumulative settlements,
 *   so the converted balance at t is conv(total) − conv(settled by t));
 * - days past due = t − due date (issue date when there is none); buckets current (≤ 0),
 *   1–30, 31–60, 61–90, 91+.
 * test/analytics/portfolio-sql.test.ts checks these figures against computeMetrics.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { addDays, type CalendarDate, isCalendarDate, minDate } from '../../kernel/dates';
import type { Aging, Period } from '../domain/metrics';
import type { Minor } from '../../kernel/money';
import type { PeriodFigures } from './figures';
import { periodDays } from './period';

export interface OrganisationFigures {
  organisationId: string;
  /** In the organisation's base currency. */
  current: PeriodFigures;
  /** AR at the end of the comparison period and its sales (for DSO 90 days ago). */
  compare: { arEnd: Minor; creditSales: Minor; days: number };
  /** Invoices not settled by `to`. */
  openInvoices: number;
}

interface Row {
  organisation_id: string;
  current: string | null;
  d1_30: string | null;
  d31_60: string | null;
  d61_90: string | null;
  d91_plus: string | null;
  ar_open: string | null;
  ar_compare: string | null;
  sales: string | null;
  sales_compare: string | null;
  open_invoices: string;
}

const BUCKETS: (keyof Aging)[] = ['current', 'd1_30', 'd31_60', 'd61_90', 'd91_plus'];

function literal(day: CalendarDate): string {
  // Validated calendar dates, inlined so the planner sees constants.
  if (!isCalendarDate(day)) throw new Error(`not a calendar date: ${day}`);
  return `'${day}'::date`;
}

/** Balance at t in base currency minor units: 0 once settled, the total before any settlement. */
function balanceAt(t: string): string {
  return `CASE WHEN i.settled_on <= ${t} THEN 0 WHEN coalesce(i.settlement_days[1] > ${t}, true) THEN i.base_total ELSE greatest(i.base_total - i.base_settled_cum[width_bucket(${t}, i.settlement_days)], 0) END`;
}

export async function queryPortfolioFigures(db: Db, params: { firmId: string; period: Period; compare: Period }): Promise<OrganisationFigures[]> {
  const { period, compare } = params;
  const tTo = literal(period.to);
  const tOpen = literal(addDays(period.from, -1));
  const tCompare = literal(compare.to);
  const sameEval = tOpen === tCompare;
  const minT = literal(minDate(addDays(period.from, -1), compare.to));
  const salesFrom = literal(minDate(period.from, compare.from));
  const pastDue = `(${tTo} - coalesce(i.due_date, i.issue_date))`;
  // One FILTERed sum per aging bucket: the filters are exclusive, and PostgreSQL evaluates an
  // aggregate's argument only for rows its filter lets through, so each balance is computed
  // once per invoice; AR(to) is the sum of the buckets.
  const bucketSum = (cond: string, name: string) => `sum(${balanceAt(tTo)}) FILTER (WHERE ${cond})::text AS ${name}`;
  const text = `
    SELECT i.organisation_id,
      ${bucketSum(`${pastDue} <= 0`, 'current')},
      ${bucketSum(`${pastDue} BETWEEN 1 AND 30`, 'd1_30')},
      ${bucketSum(`${pastDue} BETWEEN 31 AND 60`, 'd31_60')},
      ${bucketSum(`${pastDue} BETWEEN 61 AND 90`, 'd61_90')},
      ${bucketSum(`${pastDue} > 90`, 'd91_plus')},
      sum(${balanceAt(tOpen)}) FILTER (WHERE i.issue_date <= ${tOpen})::text AS ar_open,
      ${sameEval ? 'NULL' : `sum(${balanceAt(tCompare)}) FILTER (WHERE i.issue_date <= ${tCompare})::text`} AS ar_compare,
      sum(i.base_total) FILTER (WHERE i.issue_date >= ${literal(period.from)})::text AS sales,
      sum(i.base_total) FILTER (WHERE i.issue_date BETWEEN ${literal(compare.from)} AND ${tCompare})::text AS sales_compare,
      count(*) FILTER (WHERE i.settled_on IS NULL OR i.settled_on > ${tTo})::text AS open_invoices
    FROM invoices i
    WHERE i.firm_id = $1
      AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.base_total >= 0
      AND i.issue_date <= ${tTo}
      AND (i.settled_on IS NULL OR i.settled_on > ${minT} OR i.issue_date >= ${salesFrom})
    GROUP BY 1`;
  const rows = await queryRows<Row>(db, sql.join([sql.raw(text.split('$1')[0]!), sql`${params.firmId}`, sql.raw(text.split('$1')[1]!)]));
  const n = (v: string | null) => {
    const x = v === null ? 0 : Number(v);
    if (!Number.isSafeInteger(x)) throw new Error(`portfolio figure outside the exact range: ${v}`);
    return x;
  };
  const days = periodDays(period);
  const compareDays = periodDays(compare);
  const out: OrganisationFigures[] = rows.map((r) => {
    const aging: Aging = { current: n(r.current), d1_30: n(r.d1_30), d31_60: n(r.d31_60), d61_90: n(r.d61_90), d91_plus: n(r.d91_plus) };
    const arOpen = n(r.ar_open);
    return {
      organisationId: r.organisation_id,
      current: { days, creditSales: n(r.sales), arOpen, arEnd: BUCKETS.reduce((s, k) => s + aging[k], 0), aging },
      compare: { arEnd: sameEval ? arOpen : n(r.ar_compare), creditSales: n(r.sales_compare), days: compareDays },
      openInvoices: n(r.open_invoices),
    };
  });
  for (const f of out) if (!Number.isSafeInteger(f.current.arEnd)) throw new Error('portfolio figure outside the exact range');
  return out;
}
