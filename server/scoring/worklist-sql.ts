/**
 * The worklist's ranking in one PostgreSQL statement (decision 070): which customers are on a
 * page, in which order, out of how many. worklist.ts then reads only the page's customers and
 * builds their rows with the in-memory code, so this statement decides the order and nothing
 * shown.
 *
 * It repeats rank.ts and in-motion.ts step for step, in the same floating-point operations, so
 * the order is the in-memory one exactly (test/scale/worklist-sql.test.ts compares them):
 * - amount: the base balance rounded half away from zero to cents (toMinor), times the rate
 *   rounded half to even (mulRate), in numeric; then ÷ 100 as float8;
 * - base = amount × P(late) × overdue factor (1 + min(days, 180) / 30, or 0.5 while not due),
 *   multiplied left to right as rankValue does;
 * - the in-motion factors multiplied in the order MotionIndex.motionsOf returns them (a kind's
 *   place is its first live activity after the last one that ended it, activities ordered by
 *   their millisecond, then the invoice's own before the customer's by id before by ledger id,
 *   then time), then × 1.5 with a changing-risk alert: float8 products depend on the order;
 * - value = Math.round(x × 100) / 100 (half up, not PostgreSQL's round(float8), which is half even);
 * - a customer's value: the values summed highest first (as the in-memory sum over its sorted
 *   invoices; equal values are interchangeable), rounded the same way;
 * - customers by value, then compareNames (ASCII-folded name, name, ledger id in code points).
 */
import { sql } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { CHANGES_KIND } from './changes';
import { CALL_LOGGED, CONTACT_CONTACTED, DISPUTE_RESOLVED, INVOICE_DISPUTED, MOTION_FACTOR, PLAN_CREATED, PLAN_ENDED, PROMISE_RECORDED, RECENT_DAYS, REMINDER_SENT } from './in-motion';
import { CHANGE_BOOST, NOT_DUE_FACTOR, OVERDUE_CAP_DAYS } from './rank';

export interface RankedCustomer {
  organisationId: string;
  contactExternalId: string;
  value: number;
}

export async function rankWorklistPage(
  db: Db,
  params: {
    firmId: string;
    /** `today`: the organisation's day; `rate`: to the reporting currency (null: none, ranked in its own). */
    organisations: readonly { id: string; today: CalendarDate; rate: string | null }[];
    now: Date;
    only?: readonly { organisationId: string; contactExternalId: string }[];
    offset: number;
    limit: number;
  },
): Promise<{ page: RankedCustomer[]; totalCustomers: number; totalInvoices: number }> {
  if (params.organisations.length === 0) return { page: [], totalCustomers: 0, totalInvoices: 0 };
  const ids = params.organisations.map((o) => o.id);
  const recentFrom = new Date(params.now.getTime() - RECENT_DAYS * 86_400_000).toISOString();
  const only = params.only
    ? sql`AND (s.organisation_id, s.contact_external_id) IN (SELECT * FROM unnest(${sql.param(params.only.map((c) => c.organisationId))}::uuid[], ${sql.param(params.only.map((c) => c.contactExternalId))}::text[]))`
    : sql``;
  const f = (x: number) => sql`${x}::float8`;
  const stmt = sql`
    WITH o AS (
      SELECT * FROM unnest(${sql.param(ids)}::uuid[], ${sql.param(params.organisations.map((o) => o.today))}::date[], ${sql.param(params.organisations.map((o) => o.rate))}::numeric[])
        AS o(organisation_id, today, rate)
    ),
    inv AS MATERIALIZED (
      SELECT s.invoice_id, s.organisation_id, s.contact_external_id AS ext, coalesce(c.id, i.contact_id) AS contact_id,
        coalesce(c.name, s.contact_external_id) AS name, s.p_late, o.today,
        o.today - coalesce(i.due_date, i.issue_date) AS days,
        CASE WHEN o.rate IS NULL THEN m.base ELSE
          CASE WHEN abs(m.base * o.rate - trunc(m.base * o.rate)) = 0.5 THEN 2 * round(m.base * o.rate / 2) ELSE round(m.base * o.rate) END
        END AS amount_minor
      FROM invoice_scores s
      JOIN o ON o.organisation_id = s.organisation_id
      JOIN invoices i ON i.id = s.invoice_id AND i.firm_id = s.firm_id
      LEFT JOIN contacts c ON c.organisation_id = s.organisation_id AND c.external_id = s.contact_external_id
      CROSS JOIN LATERAL (SELECT round(s.amount_due_base, 2) * 100 AS base) m
      WHERE s.firm_id = ${params.firmId} AND s.organisation_id = ANY(${sql.param(ids)}::uuid[])
        AND i.settled_on IS NULL AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') ${only}
    ),
    acts AS MATERIALIZED (
      SELECT a.id, a.organisation_id, a.kind, a.contact_id, a.details->>'contactExternalId' AS ext, a.invoice_id, a.created_at,
        date_trunc('milliseconds', a.created_at) AS at_ms,
        CASE WHEN a.details->>'promisedDate' ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN a.details->>'promisedDate' END AS promised
      FROM activities a JOIN o ON o.organisation_id = a.organisation_id
      WHERE a.firm_id = ${params.firmId} AND a.organisation_id = ANY(${sql.param(ids)}::uuid[])
        AND (
          a.kind IN (${INVOICE_DISPUTED}, ${DISPUTE_RESOLVED}, ${PLAN_CREATED}, ${PLAN_ENDED})
          OR (a.kind IN (${REMINDER_SENT}, ${CONTACT_CONTACTED}, ${CALL_LOGGED}) AND a.created_at >= ${recentFrom}::timestamptz)
          OR (a.kind = ${PROMISE_RECORDED} AND a.created_at >= (o.today - 366)::date)
        )
    ),
    ev AS (
      SELECT v.invoice_id, v.today, a.kind, a.promised, a.created_at, a.at_ms, a.id, 0 AS src
        FROM acts a JOIN inv v ON v.invoice_id = a.invoice_id AND v.organisation_id = a.organisation_id
      UNION ALL
      SELECT v.invoice_id, v.today, a.kind, a.promised, a.created_at, a.at_ms, a.id, 1
        FROM acts a JOIN inv v ON v.organisation_id = a.organisation_id AND v.contact_id = a.contact_id
        WHERE a.invoice_id IS NULL
      UNION ALL
      SELECT v.invoice_id, v.today, a.kind, a.promised, a.created_at, a.at_ms, a.id, 2
        FROM acts a JOIN inv v ON v.organisation_id = a.organisation_id AND v.ext = a.ext
        WHERE a.invoice_id IS NULL AND a.ext <> '' AND (a.contact_id IS NULL OR v.contact_id IS NULL OR a.contact_id <> v.contact_id)
    ),
    st AS (
      SELECT e.invoice_id,
        CASE WHEN e.kind = ${PROMISE_RECORDED} THEN 'promised'
             WHEN e.kind IN (${INVOICE_DISPUTED}, ${DISPUTE_RESOLVED}) THEN 'disputed'
             WHEN e.kind IN (${PLAN_CREATED}, ${PLAN_ENDED}) THEN 'on_plan'
             WHEN e.kind = ${REMINDER_SENT} THEN 'reminded'
             ELSE 'contacted' END AS grp,
        CASE WHEN e.kind = ${PROMISE_RECORDED} THEN coalesce(e.promised >= to_char(e.today, 'YYYY-MM-DD'), false)
             WHEN e.kind IN (${INVOICE_DISPUTED}, ${PLAN_CREATED}) THEN true
             WHEN e.kind IN (${REMINDER_SENT}, ${CONTACT_CONTACTED}, ${CALL_LOGGED}) THEN e.created_at >= ${recentFrom}::timestamptz
             ELSE false END AS is_set,
        e.kind IN (${DISPUTE_RESOLVED}, ${PLAN_ENDED}) AS is_del,
        row_number() OVER (PARTITION BY e.invoice_id ORDER BY e.at_ms, e.src, e.created_at, e.id) AS n
      FROM ev e
    ),
    live AS (
      SELECT x.invoice_id, x.grp, min(x.n) FILTER (WHERE x.is_set AND x.n > x.del_n) AS pos
      FROM (SELECT st.*, coalesce(max(st.n) FILTER (WHERE st.is_del) OVER (PARTITION BY st.invoice_id, st.grp), 0) AS del_n FROM st) x
      GROUP BY x.invoice_id, x.grp
    ),
    mot AS MATERIALIZED (
      SELECT l.invoice_id,
        array_agg(CASE l.grp WHEN 'promised' THEN ${f(MOTION_FACTOR.promised)} WHEN 'on_plan' THEN ${f(MOTION_FACTOR.on_plan)} WHEN 'disputed' THEN ${f(MOTION_FACTOR.disputed)}
                    WHEN 'reminded' THEN ${f(MOTION_FACTOR.reminded)} ELSE ${f(MOTION_FACTOR.contacted)} END ORDER BY l.pos) AS f
      FROM live l WHERE l.pos IS NOT NULL GROUP BY l.invoice_id
    ),
    chg AS (
      SELECT DISTINCT sc.organisation_id, cc->>'contactExternalId' AS ext
      FROM scoring_cache sc CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(sc.payload->'customers') = 'array' THEN sc.payload->'customers' ELSE '[]'::jsonb END) cc
      WHERE sc.firm_id = ${params.firmId} AND sc.kind = ${CHANGES_KIND} AND sc.organisation_id = ANY(${sql.param(ids)}::uuid[])
        AND jsonb_typeof(cc->'alerts') = 'array' AND jsonb_array_length(CASE WHEN jsonb_typeof(cc->'alerts') = 'array' THEN cc->'alerts' ELSE '[]'::jsonb END) > 0
    ),
    val AS (
      SELECT v.organisation_id, v.ext, v.name, (floor(h.h) + CASE WHEN h.h - floor(h.h) >= 0.5 THEN 1 ELSE 0 END) / 100 AS value
      FROM inv v
      LEFT JOIN mot m ON m.invoice_id = v.invoice_id
      LEFT JOIN chg ON chg.organisation_id = v.organisation_id AND chg.ext = v.ext
      CROSS JOIN LATERAL (
        SELECT (v.amount_minor::float8 / ${f(100)}) * v.p_late
          * (CASE WHEN v.days > 0 THEN ${f(1)} + least(v.days, ${OVERDUE_CAP_DAYS}::int)::float8 / ${f(30)} ELSE ${f(NOT_DUE_FACTOR)} END) AS base
      ) b
      CROSS JOIN LATERAL (
        SELECT b.base * (coalesce(m.f[1], ${f(1)}) * coalesce(m.f[2], ${f(1)}) * coalesce(m.f[3], ${f(1)}) * coalesce(m.f[4], ${f(1)}) * coalesce(m.f[5], ${f(1)})
          * CASE WHEN chg.ext IS NULL THEN ${f(1)} ELSE ${f(CHANGE_BOOST)} END) * ${f(100)} AS h
      ) h
    ),
    cust AS MATERIALIZED (
      SELECT g.organisation_id, g.ext, g.name, (floor(g.h) + CASE WHEN g.h - floor(g.h) >= 0.5 THEN 1 ELSE 0 END) / 100 AS value
      FROM (SELECT organisation_id, ext, min(name) AS name, sum(value ORDER BY value DESC) * ${f(100)} AS h FROM val GROUP BY organisation_id, ext) g
    )
    SELECT t.total_customers, t.total_invoices, p.organisation_id, p.ext, p.value
    FROM (SELECT (SELECT count(*)::int FROM cust) AS total_customers, (SELECT count(*)::int FROM inv) AS total_invoices) t
    LEFT JOIN (
      SELECT * FROM cust ORDER BY value DESC, lower(name COLLATE "C"), name COLLATE "C", ext COLLATE "C"
      OFFSET ${params.offset} LIMIT ${params.limit}
    ) p ON true
    ORDER BY p.value DESC, lower(p.name COLLATE "C"), p.name COLLATE "C", p.ext COLLATE "C"`;
  const rows = await queryRows<{ total_customers: number; total_invoices: number; organisation_id: string | null; ext: string | null; value: number | null }>(db, stmt);
  const first = rows[0];
  return {
    page: rows.filter((r) => r.organisation_id !== null).map((r) => ({ organisationId: r.organisation_id!, contactExternalId: r.ext!, value: r.value! })),
    totalCustomers: first?.total_customers ?? 0,
    totalInvoices: first?.total_invoices ?? 0,
  };
}
