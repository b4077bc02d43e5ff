-- The portfolio from rollups (issue #22, "Scale"; docs/decisions/027-portfolio-rollups.md).
--
-- portfolio_rollups holds, per organisation, its portfolio state at the end of each day on which
-- that state changes (a day with no row has the state of the latest row before it; before the
-- first row everything is zero), in the organisation's base currency, minor units:
-- - ar_current … ar_d91_plus: the balances outstanding at the end of the day by days past due
--   (current ≤ 0, 1–30, 31–60, 61–90, 91+), exactly the one-pass SQL's balanceAt (0 once settled
--   for good, the base total before any settlement, else base total − base settled by the day,
--   at least 0); their sum is AR;
-- - sales_cum: the base totals of the invoices issued on or before the day (the sales of a
--   period are a difference of two rows);
-- - open_invoices: invoices issued by the day and not settled by it.
-- Counted invoices only (not draft, voided or deleted, base total ≥ 0). Every column is a sum
-- over invoices of a step function of the day; each invoice's steps are on its issue day, its
-- settlement days, its settled day and its due day (issue day without one) + 1, 31, 61 and 91, so
-- a row is written only on those days. Amounts are in the base currency because conversion is
-- per invoice (half-even on the total and each cumulative settlement): a sum in the invoice
-- currency converted afterwards would not equal the sum of converted invoices.
--
-- Maintenance: a statement trigger on invoices records, per organisation, the earliest day whose
-- state a change can have moved (portfolio_rollup_pending); arcus_refresh_pending_rollup
-- recomputes that organisation's rows from that day on, from the invoices still open then, and
-- clears the mark. The sync's finish step calls it; the portfolio calls it for any organisation
-- still marked before reading, so a read never sees a stale row.
CREATE TABLE portfolio_rollups (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  day date NOT NULL,
  currency text NOT NULL,
  ar_current bigint NOT NULL,
  ar_d1_30 bigint NOT NULL,
  ar_d31_60 bigint NOT NULL,
  ar_d61_90 bigint NOT NULL,
  ar_d91_plus bigint NOT NULL,
  sales_cum bigint NOT NULL,
  open_invoices integer NOT NULL,
  CONSTRAINT portfolio_rollups_pkey PRIMARY KEY (organisation_id, firm_id, day),
  CONSTRAINT portfolio_rollups_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE portfolio_rollup_pending (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  from_day date NOT NULL,
  CONSTRAINT portfolio_rollup_pending_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT portfolio_rollup_pending_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX portfolio_rollup_pending_firm_idx ON portfolio_rollup_pending (firm_id);
--> statement-breakpoint
ALTER TABLE portfolio_rollups ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE portfolio_rollups FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON portfolio_rollups USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON portfolio_rollups TO arcus_app;
--> statement-breakpoint
ALTER TABLE portfolio_rollup_pending ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE portfolio_rollup_pending FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON portfolio_rollup_pending USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON portfolio_rollup_pending TO arcus_app;
--> statement-breakpoint
-- Recompute one organisation's rows from p_from on. Rows before p_from stay: the caller knows no
-- change reached them, so the latest of them is the state at the end of p_from − 1. Each invoice
-- that can still change on or after p_from (issued then, or not settled for good before it) is
-- evaluated at p_from − 1 and at each of its step days from p_from on; the differences between
-- consecutive evaluations, summed by day and accumulated onto that state, are the new rows.
-- Runs as the caller (row-level security applies; the app calls it as the organisation's firm).
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
      AND i.status NOT IN ('draft', 'voided', 'deleted') AND i.base_total >= 0
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
-- Bring one organisation's rows up to date if a change marked them: lock the mark (a concurrent
-- refresh waits, then finds it gone; a writer marking again waits for this one to commit, then
-- marks anew), recompute from its day, clear it. Returns whether there was anything to do.
CREATE OR REPLACE FUNCTION arcus_refresh_pending_rollup(p_firm uuid, p_org uuid) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_from date;
BEGIN
  SELECT from_day INTO v_from FROM portfolio_rollup_pending WHERE organisation_id = p_org AND firm_id = p_firm FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM arcus_refresh_portfolio_rollups(p_firm, p_org, v_from);
  DELETE FROM portfolio_rollup_pending WHERE organisation_id = p_org AND firm_id = p_firm;
  RETURN true;
END
$$;
--> statement-breakpoint
-- The marks. The earliest day a changed invoice can move: its issue day (the older one) when it
-- starts or stops counting, or its issue day, due day or base total changes; else the first
-- settlement day whose cumulative amount differs, or the older settled day when that changes.
-- Nothing for an invoice counted neither before nor after, or for an update that changes none of
-- these columns (most updates: a reminder, a contact link). Not for organisations being deleted
-- (their rows go with them). Owner's rights, like the settlement triggers (migration 0010): they
-- only derive from rows the statement has already written.
CREATE OR REPLACE FUNCTION arcus_mark_rollups_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO portfolio_rollup_pending (firm_id, organisation_id, from_day)
  SELECT n.firm_id, n.organisation_id, min(n.issue_date) FROM arcus_new_rows n
  WHERE n.status NOT IN ('draft', 'voided', 'deleted') AND n.base_total >= 0
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
  WHERE o.status NOT IN ('draft', 'voided', 'deleted') AND o.base_total >= 0
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
    CROSS JOIN LATERAL (SELECT o.status NOT IN ('draft', 'voided', 'deleted') AND o.base_total >= 0 AS oc, n.status NOT IN ('draft', 'voided', 'deleted') AND n.base_total >= 0 AS nc) k
  ) changed
  WHERE from_day IS NOT NULL
  GROUP BY 1, 2
  ON CONFLICT (organisation_id, firm_id) DO UPDATE SET from_day = least(portfolio_rollup_pending.from_day, EXCLUDED.from_day);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_rollups_insert AFTER INSERT ON invoices REFERENCING NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_rollups_insert();
--> statement-breakpoint
CREATE TRIGGER invoices_rollups_update AFTER UPDATE ON invoices REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_rollups_update();
--> statement-breakpoint
CREATE TRIGGER invoices_rollups_delete AFTER DELETE ON invoices REFERENCING OLD TABLE AS arcus_old_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_rollups_delete();
--> statement-breakpoint
-- A new base currency relabels every row (the amounts follow from the invoices' new base amounts).
CREATE OR REPLACE FUNCTION arcus_mark_rollups_currency() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO portfolio_rollup_pending (firm_id, organisation_id, from_day) VALUES (NEW.firm_id, NEW.id, '0001-01-01')
  ON CONFLICT (organisation_id, firm_id) DO UPDATE SET from_day = EXCLUDED.from_day;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER organisations_rollups_currency AFTER UPDATE OF base_currency ON organisations FOR EACH ROW WHEN (OLD.base_currency IS DISTINCT FROM NEW.base_currency) EXECUTE FUNCTION arcus_mark_rollups_currency();
--> statement-breakpoint
-- The portfolio's exchange rates from the firm's own ledgers (server/analytics/ledger-rates.ts)
-- take the latest priced invoice per organisation and currency, one index probe each.
CREATE INDEX IF NOT EXISTS invoices_org_currency_issue_idx ON invoices (organisation_id, currency, issue_date);
--> statement-breakpoint
-- Existing data: every organisation with invoices built from the start. Runs as the migrating
-- role, which row-level security does not restrict.
SELECT arcus_refresh_portfolio_rollups(o.firm_id, o.id, '0001-01-01') FROM organisations o WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = o.id);
