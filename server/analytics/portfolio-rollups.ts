/**
 * The portfolio's period figures for every organisation of a firm, from the rollups
 * (migration 0032, docs/decisions/027-portfolio-rollups.md): per organisation, its state at the
 * end of each day on which it changes, so a figure at a day is the latest row on or before it.
 * Four such rows per organisation answer everything `queryPortfolioFigures` (portfolio-sql.ts)
 * computes from every invoice:
 * - at `to`: the aging buckets (AR and current AR), sales so far and open invoices;
 * - at `from − 1`: AR(from − 1) and the sales before the period;
 * - at the comparison period's end and the day before its start: its AR and its sales.
 * Sales over a period are the difference of two cumulative sums. Organisations a change has
 * marked are brought up to date first (`refreshPendingRollups`), so a read never sees a stale row.
 * test/analytics/portfolio-rollups.test.ts checks both paths give the same figures to the cent.
 */
import { sql } from 'drizzle-orm';
import { addDays, type CalendarDate, isCalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import type { Aging, Period } from '../domain/metrics';
import { periodDays } from './period';
import type { OrganisationFigures } from './portfolio-sql';

interface Row {
  organisation_id: string;
  ar_current: string | null;
  ar_d1_30: string | null;
  ar_d31_60: string | null;
  ar_d61_90: string | null;
  ar_d91_plus: string | null;
  sales_to: string | null;
  open_invoices: string | null;
  ar_open: string | null;
  sales_open: string | null;
  ar_compare: string | null;
  sales_compare_end: string | null;
  sales_compare_start: string | null;
}

function literal(day: CalendarDate): string {
  // Validated calendar dates, inlined so the planner sees constants.
  if (!isCalendarDate(day)) throw new Error(`not a calendar date: ${day}`);
  return `'${day}'::date`;
}

/** Bring every marked organisation of the firm up to date (normally none: the sync's finish step does it). Returns how many were. */
export async function refreshPendingRollups(db: Db, firmId: string): Promise<number> {
  const rows = await queryRows<{ refreshed: boolean }>(
    db,
    sql`SELECT arcus_refresh_pending_rollup(firm_id, organisation_id) AS refreshed FROM portfolio_rollup_pending WHERE firm_id = ${firmId} ORDER BY organisation_id`,
  );
  return rows.filter((r) => r.refreshed).length;
}

/** Rebuild one organisation's rollups from the start (repair, or after a bulk load with the triggers off). */
export async function rebuildRollups(db: Db, params: { firmId: string; organisationId: string }): Promise<void> {
  await db.execute(sql`SELECT arcus_refresh_portfolio_rollups(${params.firmId}, ${params.organisationId}, '0001-01-01')`);
  await db.execute(sql`DELETE FROM portfolio_rollup_pending WHERE organisation_id = ${params.organisationId} AND firm_id = ${params.firmId}`);
  // The dashboard's per-customer state (decision 064) is dropped with them: the next dashboard read rebuilds it at its day.
  await db.execute(sql`DELETE FROM customer_overdue_orgs WHERE firm_id = ${params.firmId} AND organisation_id = ${params.organisationId}`);
  await db.execute(sql`DELETE FROM customer_overdue WHERE firm_id = ${params.firmId} AND organisation_id = ${params.organisationId}`);
  await db.execute(sql`DELETE FROM customer_overdue_pending WHERE firm_id = ${params.firmId} AND organisation_id = ${params.organisationId}`);
}

export async function queryPortfolioRollups(db: Db, params: { firmId: string; period: Period; compare: Period }): Promise<OrganisationFigures[]> {
  const { period, compare } = params;
  await refreshPendingRollups(db, params.firmId);
  const at = (day: CalendarDate, columns: string, alias: string) =>
    `LEFT JOIN LATERAL (SELECT ${columns} FROM portfolio_rollups r WHERE r.organisation_id = o.id AND r.firm_id = o.firm_id AND r.day <= ${literal(day)} ORDER BY r.day DESC LIMIT 1) ${alias} ON true`;
  const arOf = (a: string) => `(${a}.ar_current + ${a}.ar_d1_30 + ${a}.ar_d31_60 + ${a}.ar_d61_90 + ${a}.ar_d91_plus)`;
  const all = 'r.ar_current, r.ar_d1_30, r.ar_d31_60, r.ar_d61_90, r.ar_d91_plus, r.sales_cum, r.open_invoices';
  const text = `
    SELECT o.id AS organisation_id,
      e.ar_current::text, e.ar_d1_30::text, e.ar_d31_60::text, e.ar_d61_90::text, e.ar_d91_plus::text,
      e.sales_cum::text AS sales_to, e.open_invoices::text,
      ${arOf('s')}::text AS ar_open, s.sales_cum::text AS sales_open,
      ${arOf('c')}::text AS ar_compare, c.sales_cum::text AS sales_compare_end,
      b.sales_cum::text AS sales_compare_start
    FROM organisations o
    ${at(period.to, all, 'e')}
    ${at(addDays(period.from, -1), all, 's')}
    ${at(compare.to, all, 'c')}
    ${at(addDays(compare.from, -1), 'r.sales_cum', 'b')}
    WHERE o.firm_id = $1
    ORDER BY o.id`;
  const [head, tail] = text.split('$1') as [string, string];
  const rows = await queryRows<Row>(db, sql.join([sql.raw(head), sql`${params.firmId}`, sql.raw(tail)]));
  const n = (v: string | null) => {
    const x = v === null ? 0 : Number(v);
    if (!Number.isSafeInteger(x)) throw new Error(`portfolio figure outside the exact range: ${v}`);
    return x;
  };
  const days = periodDays(period);
  const compareDays = periodDays(compare);
  return rows.map((r) => {
    const aging: Aging = { current: n(r.ar_current), d1_30: n(r.ar_d1_30), d31_60: n(r.ar_d31_60), d61_90: n(r.ar_d61_90), d91_plus: n(r.ar_d91_plus) };
    const arEnd = aging.current + aging.d1_30 + aging.d31_60 + aging.d61_90 + aging.d91_plus;
    if (!Number.isSafeInteger(arEnd)) throw new Error('portfolio figure outside the exact range');
    return {
      organisationId: r.organisation_id,
      current: { days, creditSales: n(r.sales_to) - n(r.sales_open), arOpen: n(r.ar_open), arEnd, aging },
      compare: { arEnd: n(r.ar_compare), creditSales: n(r.sales_compare_end) - n(r.sales_compare_start), days: compareDays },
      openInvoices: n(r.open_invoices),
    };
  });
}
