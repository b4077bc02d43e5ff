/**
 * The organisation dashboard's figures from the rollups (migration 0065,
 * docs/decisions/059-dashboard-from-rollups.md): the organisation's cumulative state at each day the
 * metrics need — from − 1 and to of the period, the comparison period and the 24 months, and every
 * month end back to the first issue for countback — in one statement of one index probe per day,
 * however many invoices there are. `metricsFromStates` (server/domain/metrics) turns them into the
 * engine's figures; test/scale/dashboard-sql.test.ts checks they are the engine's, to the cent.
 */
import { sql } from 'drizzle-orm';
import { type CalendarDate, isCalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { type CumulativeState, EMPTY_STATE, type Period, statesNeeded } from '../domain/metrics';

interface Row {
  day: CalendarDate;
  first_issue: CalendarDate | null;
  invoices: number | null;
  ar_current: string | null;
  ar_d1_30: string | null;
  ar_d31_60: string | null;
  ar_d61_90: string | null;
  ar_d91_plus: string | null;
  sales_cum: string | null;
  collected_cum: string | null;
  settled_weight_cum: string | null;
  late_days_cum: string | null;
  pay_days_cum: string | null;
  issued_cum: number | null;
}

export interface DashboardStates {
  /** The state at the end of a day the periods need (throws for another day). */
  at: (day: CalendarDate) => CumulativeState;
  /** The earliest issue date of a counted invoice; null when there is none. */
  firstIssue: CalendarDate | null;
  /** How many counted invoices the organisation has. */
  invoices: number;
}

function minor(v: string | null): number {
  if (v === null) return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`rollup figure outside the exact range: ${v}`);
  return n;
}

/**
 * The states for `periods`, after bringing the organisation's rollups up to date if a change marked
 * them (normally the sync's finish step already has). Whole-number `numeric` sums are read as text
 * into bigint.
 */
export async function loadDashboardStates(db: Db, params: { firmId: string; organisationId: string; periods: readonly Period[] }): Promise<DashboardStates> {
  const { firmId, organisationId, periods } = params;
  await db.execute(sql`SELECT arcus_refresh_pending_rollup(${firmId}, ${organisationId})`);
  const days = statesNeeded(periods, null);
  for (const d of days) if (!isCalendarDate(d)) throw new Error(`not a calendar date: ${d}`);
  const lastTo = days[days.length - 1]!;
  const rows = await queryRows<Row>(
    db,
    sql`WITH f AS (
          SELECT (SELECT r.day FROM portfolio_rollups r WHERE r.organisation_id = ${organisationId} AND r.firm_id = ${firmId} AND r.issued_cum > 0 ORDER BY r.day LIMIT 1) AS first_issue,
                 (SELECT r.issued_cum FROM portfolio_rollups r WHERE r.organisation_id = ${organisationId} AND r.firm_id = ${firmId} ORDER BY r.day DESC LIMIT 1) AS invoices
        ),
        d AS (
          SELECT unnest(${`{${days.join(',')}}`}::date[]) AS day
          UNION
          SELECT m::date - 1 FROM f, generate_series(date_trunc('month', f.first_issue::timestamp), ${lastTo}::timestamp, interval '1 month') AS m
        )
        SELECT d.day::text AS day, f.first_issue::text AS first_issue, f.invoices,
          s.ar_current::text, s.ar_d1_30::text, s.ar_d31_60::text, s.ar_d61_90::text, s.ar_d91_plus::text, s.sales_cum::text,
          s.collected_cum::text, s.settled_weight_cum::text, s.late_days_cum::text, s.pay_days_cum::text, s.issued_cum
        FROM d CROSS JOIN f
        LEFT JOIN LATERAL (
          SELECT r.* FROM portfolio_rollups r
          WHERE r.organisation_id = ${organisationId} AND r.firm_id = ${firmId} AND r.day <= d.day
          ORDER BY r.day DESC LIMIT 1
        ) s ON true`,
  );
  const states = new Map<CalendarDate, CumulativeState>();
  for (const r of rows) {
    states.set(
      r.day,
      r.sales_cum === null
        ? EMPTY_STATE
        : {
            aging: [minor(r.ar_current), minor(r.ar_d1_30), minor(r.ar_d31_60), minor(r.ar_d61_90), minor(r.ar_d91_plus)],
            salesCum: minor(r.sales_cum),
            collectedCum: minor(r.collected_cum),
            settledWeightCum: minor(r.settled_weight_cum),
            lateDaysCum: BigInt(r.late_days_cum ?? '0'),
            payDaysCum: BigInt(r.pay_days_cum ?? '0'),
            issuedCum: Number(r.issued_cum ?? 0),
          },
    );
  }
  const first = rows[0];
  return {
    at: (day) => {
      const s = states.get(day);
      if (!s) throw new Error(`dashboard: no rollup state read for ${day}`);
      return s;
    },
    firstIssue: first?.first_issue ?? null,
    invoices: Number(first?.invoices ?? 0),
  };
}

/**
 * The currencies of the organisation's counted invoices, one index probe per currency: a skip scan
 * of `invoices_firm_org_counted_currency_idx` (migration 0074, partial on the counted invoices),
 * from one currency to the next. Decision 059 skipped through every invoice's currency and then
 * looked for a counted invoice in each (LATERAL … LIMIT 1), which walked every invoice of a currency
 * that has none counted (all voided, say): 40k rows and 300 ms for one currency at 500k invoices
 * (decision 069).
 */
export async function invoiceCurrencies(db: Db, params: { firmId: string; organisationId: string }): Promise<string[]> {
  const { firmId, organisationId } = params;
  const rows = await queryRows<{ currency: string }>(
    db,
    sql`WITH RECURSIVE c AS (
          (SELECT i.currency FROM invoices i
           WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0
           ORDER BY i.currency LIMIT 1)
          UNION ALL
          SELECT (SELECT i.currency FROM invoices i
                  WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0
                    AND i.currency > c.currency
                  ORDER BY i.currency LIMIT 1)
          FROM c WHERE c.currency IS NOT NULL
        )
        SELECT c.currency FROM c WHERE c.currency IS NOT NULL`,
  );
  return rows.map((r) => r.currency);
}
