-- Awaiting approval is not a receivable (docs/decisions/058-awaiting-approval-is-not-receivable.md).
--
-- Xero's SUBMITTED invoices and credit notes ("Awaiting approval") are not posted: they are not in
-- the organisation's accounts receivable, its aged receivables or its customers' balances, and no
-- one is asked to pay them. Until now the settlement trigger and the portfolio rollups counted
-- them like approved ones. The four functions below are those of migrations 0013 and 0032 with
-- 'submitted' added to the statuses that do not count; nothing else changes. Afterwards every
-- organisation holding a submitted document has its settlements recomputed (a no-op update fires
-- the settlement trigger) and its rollups rebuilt from the start.
CREATE OR REPLACE FUNCTION arcus_invoice_settlement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  total_minor bigint := (round(NEW.total, 2) * 100)::bigint;
  same boolean;
  days date[];
  cums bigint[];
  settled date := NULL;
  i integer;
BEGIN
  SELECT coalesce(o.base_currency = NEW.currency, true) INTO same FROM organisations o WHERE o.id = NEW.organisation_id;
  SELECT coalesce(array_agg(r.d ORDER BY r.d), '{}'::date[]), coalesce(array_agg(r.c ORDER BY r.d), '{}'::bigint[])
    INTO days, cums
  FROM (
    SELECT per_day.d, (sum(per_day.a) OVER (ORDER BY per_day.d))::bigint AS c
    FROM (
      SELECT x.date AS d, sum((round(x.amount, 2) * 100)::bigint) AS a
      FROM (
        SELECT pa.date, pa.amount
        FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
        WHERE pa.organisation_id = NEW.organisation_id AND pa.invoice_external_id = NEW.external_id AND p.status <> 'deleted'
        UNION ALL
        SELECT ca.date, ca.amount
        FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
        WHERE ca.organisation_id = NEW.organisation_id AND ca.invoice_external_id = NEW.external_id AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
        UNION ALL
        SELECT xa.date, xa.amount
        FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
        WHERE xa.organisation_id = NEW.organisation_id AND xa.invoice_external_id = NEW.external_id AND x.status NOT IN ('voided', 'deleted')
        UNION ALL
        -- QuickBooks: the invoice's own Deposit, received on its issue date (0013).
        SELECT NEW.issue_date, NEW.deposit WHERE NEW.deposit <> 0
      ) x
      GROUP BY x.date
    ) per_day
  ) r;
  IF total_minor <= 0 THEN
    settled := NEW.issue_date;
  ELSE
    FOR i IN REVERSE coalesce(array_length(days, 1), 0) .. 1 LOOP
      EXIT WHEN total_minor - cums[i] > 0;
      settled := greatest(days[i], NEW.issue_date);
    END LOOP;
  END IF;
  NEW.settlement_days := days;
  NEW.settled_on := settled;
  IF same IS NOT FALSE THEN
    NEW.base_total := total_minor;
    NEW.base_settled_cum := cums;
  ELSE
    NEW.base_total := arcus_mul_rate(total_minor, NEW.currency_rate);
    NEW.base_settled_cum := coalesce((SELECT array_agg(arcus_mul_rate(u.c, NEW.currency_rate) ORDER BY u.n) FROM unnest(cums) WITH ORDINALITY AS u(c, n)), '{}'::bigint[]);
  END IF;
  RETURN NEW;
END
$$;
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
  INSERT INTO portfolio_rollups (firm_id, organisation_id, day, currency, ar_current, ar_d1_30, ar_d31_60, ar_d61_90, ar_d91_plus, sales_cum, open_invoices)
  WITH inv AS (
    SELECT i.id, i.issue_date, coalesce(i.due_date, i.issue_date) AS due, i.settled_on, i.settlement_days, i.base_settled_cum, i.base_total
    FROM invoices i
    WHERE i.organisation_id = p_org AND i.firm_id = p_firm
      AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.base_total >= 0
      AND (i.settled_on IS NULL OR i.settled_on >= p_from)
  ),
  pts AS (
    SELECT inv.*, d.day,
      CASE WHEN d.day < inv.issue_date OR inv.settled_on <= d.day THEN 0
           WHEN coalesce(inv.settlement_days[1] > d.day, true) THEN inv.base_total
           ELSE greatest(inv.base_total - inv.base_settled_cum[width_bucket(d.day, inv.settlement_days)], 0) END AS bal
    FROM inv CROSS JOIN LATERAL (
      SELECT DISTINCT x AS day FROM unnest(ARRAY[p_from - 1, inv.issue_date, inv.settled_on, inv.due + 1, inv.due + 31, inv.due + 61, inv.due + 91] || inv.settlement_days) AS u(x)
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
      CASE WHEN issue_date <= day AND (settled_on IS NULL OR settled_on > day) THEN 1 ELSE 0 END AS o
    FROM pts
  ),
  deltas AS (
    SELECT day,
      c0 - lag(c0) OVER w AS c0, c1 - lag(c1) OVER w AS c1, c2 - lag(c2) OVER w AS c2, c3 - lag(c3) OVER w AS c3,
      c4 - lag(c4) OVER w AS c4, s - lag(s) OVER w AS s, o - lag(o) OVER w AS o
    FROM vals
    WINDOW w AS (PARTITION BY id ORDER BY day)
  ),
  per_day AS (
    SELECT day, sum(c0) AS c0, sum(c1) AS c1, sum(c2) AS c2, sum(c3) AS c3, sum(c4) AS c4, sum(s) AS s, sum(o) AS o
    FROM deltas
    WHERE day >= p_from
    GROUP BY day
    HAVING sum(abs(c0)) + sum(abs(c1)) + sum(abs(c2)) + sum(abs(c3)) + sum(abs(c4)) + sum(abs(s)) + sum(abs(o)) > 0
  )
  SELECT p_firm, p_org, day, v_currency,
    coalesce(b.ar_current, 0) + sum(c0) OVER r, coalesce(b.ar_d1_30, 0) + sum(c1) OVER r, coalesce(b.ar_d31_60, 0) + sum(c2) OVER r,
    coalesce(b.ar_d61_90, 0) + sum(c3) OVER r, coalesce(b.ar_d91_plus, 0) + sum(c4) OVER r,
    coalesce(b.sales_cum, 0) + sum(s) OVER r, coalesce(b.open_invoices, 0) + sum(o) OVER r
  FROM per_day
  WINDOW r AS (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_mark_rollups_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO portfolio_rollup_pending (firm_id, organisation_id, from_day)
  SELECT n.firm_id, n.organisation_id, min(n.issue_date) FROM arcus_new_rows n
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
  SELECT o.firm_id, o.organisation_id, min(o.issue_date) FROM arcus_old_rows o
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
          THEN least(o.issue_date, n.issue_date)
        ELSE least(
          CASE WHEN o.settled_on IS DISTINCT FROM n.settled_on THEN least(o.settled_on, n.settled_on) END,
          CASE WHEN o.settlement_days IS DISTINCT FROM n.settlement_days OR o.base_settled_cum IS DISTINCT FROM n.base_settled_cum THEN (
            SELECT min(x.d) FROM (
              (SELECT d, c FROM unnest(o.settlement_days, o.base_settled_cum) AS a(d, c) EXCEPT SELECT d, c FROM unnest(n.settlement_days, n.base_settled_cum) AS a(d, c))
              UNION ALL
              (SELECT d, c FROM unnest(n.settlement_days, n.base_settled_cum) AS a(d, c) EXCEPT SELECT d, c FROM unnest(o.settlement_days, o.base_settled_cum) AS a(d, c))
            ) x
          ) END)
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
-- Existing data. A submitted credit note's allocations no longer settle anything: touch the
-- invoices they name so the settlement trigger recomputes them (the trigger fires on update).
UPDATE invoices i SET settled_on = i.settled_on
WHERE EXISTS (SELECT 1 FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
              WHERE cn.status = 'submitted' AND ca.organisation_id = i.organisation_id AND ca.invoice_external_id = i.external_id)
--> statement-breakpoint
-- Rollups rebuilt from the start for every organisation holding a submitted document. Runs as the
-- migrating role, which row-level security does not restrict.
SELECT arcus_refresh_portfolio_rollups(o.firm_id, o.id, '0001-01-01') FROM organisations o
WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = o.id AND i.status = 'submitted')
   OR EXISTS (SELECT 1 FROM credit_notes cn WHERE cn.organisation_id = o.id AND cn.status = 'submitted');
