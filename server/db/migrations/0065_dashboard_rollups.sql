-- The organisation dashboard from the rollups (issue #22, "Scale"; docs/decisions/059-dashboard-from-rollups.md).
--
-- portfolio_rollups (migration 0032) gains the cumulative columns the dashboard needs besides AR,
-- aging and sales, each a sum over the counted invoices of a step function of the day, kept the same
-- incremental way as the others (base currency, minor units, state at the end of the day):
-- - collected_cum: base settled by the day — each invoice's converted cumulative settlement at its
--   latest settlement day on or before it (`base_settled_cum`; conversion is cumulative, so the
--   difference of two rows is exactly what the engine sums as "collected", settlement by settlement);
-- - settled_weight_cum, late_days_cum, pay_days_cum: over invoices settled for good by the day (in
--   base amounts, as the engine decides it: arcus_base_settled_on), Σ base total, Σ base total ×
--   max(0, settled − due) and Σ base total × (settled − issue) — DBT and average days to pay of a
--   period are differences of two rows (numeric: Σ amount × days can outgrow bigint);
-- - issued_cum: how many counted invoices were issued by the day (the dashboard's invoice count, and
--   the first issue month that bounds countback DSO).
-- A new step day: the base settled day (on or before settled_on, which is in document units). The
-- refresh also reads invoices settled before the marked day but with a settlement on or after it (an
-- overpayment, a reversal that leaves them paid): their collected amount still moves.
ALTER TABLE portfolio_rollups
  ADD COLUMN collected_cum bigint NOT NULL DEFAULT 0,
  ADD COLUMN settled_weight_cum bigint NOT NULL DEFAULT 0,
  ADD COLUMN late_days_cum numeric NOT NULL DEFAULT 0,
  ADD COLUMN pay_days_cum numeric NOT NULL DEFAULT 0,
  ADD COLUMN issued_cum integer NOT NULL DEFAULT 0;
--> statement-breakpoint
-- The day an invoice was settled for good in base units, as the metrics engine decides it
-- (server/domain/metrics/ledger.ts): the first day of the last run of settlement days on which the
-- base settled amount covers the base total, never before issue; null if the last one does not, or
-- for a zero total (the engine never counts those as settled). Base units, not settled_on's document
-- units: converting rounds, so a base balance can reach zero a day before the document balance does.
CREATE OR REPLACE FUNCTION arcus_base_settled_on(p_issue date, p_total bigint, p_days date[], p_cums bigint[]) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_total > 0 AND cardinality(p_cums) > 0 AND p_cums[cardinality(p_cums)] >= p_total THEN
    greatest(p_issue, p_days[coalesce((SELECT max(u.n) FROM unnest(p_cums) WITH ORDINALITY AS u(c, n) WHERE u.c < p_total), 0) + 1]) END
$$;
--> statement-breakpoint
-- The refresh reads invoices whose last settlement is on or after the marked day along this index
-- (together with settled_on's, invoices_firm_org_settled_idx).
CREATE INDEX IF NOT EXISTS invoices_firm_org_last_settlement_idx ON invoices (firm_id, organisation_id, (settlement_days[cardinality(settlement_days)]));
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_refresh_portfolio_rollups(p_firm uuid, p_org uuid, p_from date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_currency text;
  b portfolio_rollups%ROWTYPE;
  n integer;
BEGIN
  SELECT base_currency INTO v_currency FROM organisations WHERE id = p_org AND firm_id = p_firm;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  DELETE FROM portfolio_rollups WHERE organisation_id = p_org AND firm_id = p_firm AND day >= p_from;
  SELECT * INTO b FROM portfolio_rollups WHERE organisation_id = p_org AND firm_id = p_firm AND day < p_from ORDER BY day DESC LIMIT 1;
  INSERT INTO portfolio_rollups (firm_id, organisation_id, day, currency, ar_current, ar_d1_30, ar_d31_60, ar_d61_90, ar_d91_plus, sales_cum, open_invoices,
    collected_cum, settled_weight_cum, late_days_cum, pay_days_cum, issued_cum)
  -- MATERIALIZED: the base settled day is computed once per invoice, not once per use per point.
  WITH inv AS MATERIALIZED (
    SELECT i.id, i.issue_date, coalesce(i.due_date, i.issue_date) AS due, i.settled_on, i.settlement_days, i.base_settled_cum, i.base_total,
      arcus_base_settled_on(i.issue_date, i.base_total, i.settlement_days, i.base_settled_cum) AS bs
    FROM invoices i
    WHERE i.organisation_id = p_org AND i.firm_id = p_firm
      AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.base_total >= 0
      AND (i.settled_on IS NULL OR i.settled_on >= p_from OR i.settlement_days[cardinality(i.settlement_days)] >= p_from)
  ),
  pts AS (
    SELECT inv.*, d.day,
      CASE WHEN d.day < inv.issue_date OR inv.settled_on <= d.day THEN 0
           WHEN coalesce(inv.settlement_days[1] > d.day, true) THEN inv.base_total
           ELSE greatest(inv.base_total - inv.base_settled_cum[width_bucket(d.day, inv.settlement_days)], 0) END AS bal
    FROM inv CROSS JOIN LATERAL (
      SELECT DISTINCT x AS day FROM unnest(ARRAY[p_from - 1, inv.issue_date, inv.settled_on, inv.bs, inv.due + 1, inv.due + 31, inv.due + 61, inv.due + 91] || inv.settlement_days) AS u(x)
      WHERE x >= p_from - 1
    ) d
  ),
  vals AS (
    SELECT id, day,
      CASE WHEN day - due <= 0 THEN bal ELSE 0 END AS c0,
      CASE WHEN day - due BETWEEN 1 AND 30 THEN bal ELSE 0 END AS c1,
      CASE WHEN day - due BETWEEN 31 AND 60 THEN bal ELSE 0 END AS c2,
      CASE WHEN day - due BETWEEN 61 AND 90 THEN bal ELSE 0 END AS c3,
      CASE WHEN day - due > 90 THEN bal ELSE 0 END AS c4,
      CASE WHEN issue_date <= day THEN base_total ELSE 0 END AS s,
      CASE WHEN issue_date <= day AND (settled_on IS NULL OR settled_on > day) THEN 1 ELSE 0 END AS o,
      coalesce(base_settled_cum[width_bucket(day, settlement_days)], 0) AS col,
      CASE WHEN bs <= day THEN base_total ELSE 0 END AS w,
      CASE WHEN bs <= day THEN base_total::numeric * greatest(0, bs - due) ELSE 0 END AS late,
      CASE WHEN bs <= day THEN base_total::numeric * (bs - issue_date) ELSE 0 END AS pay,
      CASE WHEN issue_date <= day THEN 1 ELSE 0 END AS iss
    FROM pts
  ),
  deltas AS (
    SELECT day,
      c0 - lag(c0) OVER w AS c0, c1 - lag(c1) OVER w AS c1, c2 - lag(c2) OVER w AS c2, c3 - lag(c3) OVER w AS c3,
      c4 - lag(c4) OVER w AS c4, s - lag(s) OVER w AS s, o - lag(o) OVER w AS o,
      col - lag(col) OVER w AS col, w - lag(w) OVER w AS sw, late - lag(late) OVER w AS late, pay - lag(pay) OVER w AS pay, iss - lag(iss) OVER w AS iss
    FROM vals
    WINDOW w AS (PARTITION BY id ORDER BY day)
  ),
  per_day AS (
    SELECT day, sum(c0) AS c0, sum(c1) AS c1, sum(c2) AS c2, sum(c3) AS c3, sum(c4) AS c4, sum(s) AS s, sum(o) AS o,
      sum(col) AS col, sum(sw) AS sw, sum(late) AS late, sum(pay) AS pay, sum(iss) AS iss
    FROM deltas
    WHERE day >= p_from
    GROUP BY day
    HAVING sum(abs(c0)) + sum(abs(c1)) + sum(abs(c2)) + sum(abs(c3)) + sum(abs(c4)) + sum(abs(s)) + sum(abs(o))
      + sum(abs(col)) + sum(abs(sw)) + sum(abs(late)) + sum(abs(pay)) + sum(abs(iss)) > 0
  )
  SELECT p_firm, p_org, day, v_currency,
    coalesce(b.ar_current, 0) + sum(c0) OVER r, coalesce(b.ar_d1_30, 0) + sum(c1) OVER r, coalesce(b.ar_d31_60, 0) + sum(c2) OVER r,
    coalesce(b.ar_d61_90, 0) + sum(c3) OVER r, coalesce(b.ar_d91_plus, 0) + sum(c4) OVER r,
    coalesce(b.sales_cum, 0) + sum(s) OVER r, coalesce(b.open_invoices, 0) + sum(o) OVER r,
    coalesce(b.collected_cum, 0) + sum(col) OVER r, coalesce(b.settled_weight_cum, 0) + sum(sw) OVER r,
    coalesce(b.late_days_cum, 0) + sum(late) OVER r, coalesce(b.pay_days_cum, 0) + sum(pay) OVER r,
    coalesce(b.issued_cum, 0) + sum(iss) OVER r
  FROM per_day
  WINDOW r AS (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
--> statement-breakpoint
-- The marks (as 0064 left them), now also from an invoice's first settlement day when it starts or
-- stops counting (a payment dated before the issue date is collected on its own date), and from the
-- older base settled day when that changes with the settlements.
CREATE OR REPLACE FUNCTION arcus_mark_rollups_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO portfolio_rollup_pending (firm_id, organisation_id, from_day)
  SELECT n.firm_id, n.organisation_id, min(least(n.issue_date, n.settlement_days[1])) FROM arcus_new_rows n
  WHERE n.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND n.base_total >= 0
  GROUP BY 1, 2
  ON CONFLICT (organisation_id, firm_id) DO UPDATE SET from_day = least(portfolio_rollup_pending.from_day, EXCLUDED.from_day);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_mark_rollups_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO portfolio_rollup_pending (firm_id, organisation_id, from_day)
  SELECT o.firm_id, o.organisation_id, min(least(o.issue_date, o.settlement_days[1])) FROM arcus_old_rows o
  WHERE o.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND o.base_total >= 0
    AND EXISTS (SELECT 1 FROM organisations g WHERE g.id = o.organisation_id AND g.firm_id = o.firm_id)
  GROUP BY 1, 2
  ON CONFLICT (organisation_id, firm_id) DO UPDATE SET from_day = least(portfolio_rollup_pending.from_day, EXCLUDED.from_day);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_mark_rollups_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO portfolio_rollup_pending (firm_id, organisation_id, from_day)
  SELECT firm_id, organisation_id, min(from_day) FROM (
    SELECT n.firm_id, n.organisation_id,
      CASE
        WHEN NOT oc AND NOT nc THEN NULL
        WHEN oc IS DISTINCT FROM nc OR o.issue_date IS DISTINCT FROM n.issue_date OR o.due_date IS DISTINCT FROM n.due_date OR o.base_total IS DISTINCT FROM n.base_total
          THEN least(o.issue_date, n.issue_date, o.settlement_days[1], n.settlement_days[1])
        ELSE least(
          CASE WHEN o.settled_on IS DISTINCT FROM n.settled_on THEN least(o.settled_on, n.settled_on) END,
          CASE WHEN o.settlement_days IS DISTINCT FROM n.settlement_days OR o.base_settled_cum IS DISTINCT FROM n.base_settled_cum THEN least(
            (SELECT min(x.d) FROM (
              (SELECT d, c FROM unnest(o.settlement_days, o.base_settled_cum) AS a(d, c) EXCEPT SELECT d, c FROM unnest(n.settlement_days, n.base_settled_cum) AS a(d, c))
              UNION ALL
              (SELECT d, c FROM unnest(n.settlement_days, n.base_settled_cum) AS a(d, c) EXCEPT SELECT d, c FROM unnest(o.settlement_days, o.base_settled_cum) AS a(d, c))
            ) x),
            (SELECT least(s.o, s.n) FROM (SELECT arcus_base_settled_on(o.issue_date, o.base_total, o.settlement_days, o.base_settled_cum) AS o,
                                                 arcus_base_settled_on(n.issue_date, n.base_total, n.settlement_days, n.base_settled_cum) AS n) s
             WHERE s.o IS DISTINCT FROM s.n)) END)
      END AS from_day
    FROM arcus_old_rows o
    JOIN arcus_new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (SELECT o.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND o.base_total >= 0 AS oc, n.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND n.base_total >= 0 AS nc) k
  ) changed
  WHERE from_day IS NOT NULL
  GROUP BY 1, 2
  ON CONFLICT (organisation_id, firm_id) DO UPDATE SET from_day = least(portfolio_rollup_pending.from_day, EXCLUDED.from_day);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Existing data: every organisation with invoices rebuilt from the start, so the new columns hold
-- their values. Runs as the migrating role, which row-level security does not restrict.
SELECT arcus_refresh_portfolio_rollups(o.firm_id, o.id, '0001-01-01') FROM organisations o WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = o.id);
