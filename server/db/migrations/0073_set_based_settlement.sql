-- Set-based settlement for sync pages (issue #22; docs/decisions/071-set-based-settlement.md).
--
-- Until now every sync page re-ran the row-level settlement trigger (0064's arcus_invoice_settlement)
-- once for every invoice the page touched: an allocations page touches ~1,000 invoices, each one a
-- no-op UPDATE that runs the trigger's four-source query, the privacy trigger and the statement
-- triggers. A sync page now runs in "deferred" mode instead (arcus_settle_defer(), a
-- transaction-local setting): the row trigger leaves the settlement columns alone, the touch
-- triggers record the invoices they would have updated in a session temp table, and before the
-- page commits arcus_settle_flush() recomputes exactly those invoices with one set-based statement
-- (arcus_settlements_of) and writes the ones whose settlement changed. Outside a sync page nothing
-- changes: the setting is unset, so every trigger does exactly what it did.
--
-- arcus_settlements_of is the trigger's computation for a set of invoices: the same four sources
-- with the same status filters (payments not deleted; credit notes neither draft, submitted, voided
-- nor deleted; overpayments and prepayments neither voided nor deleted; the QuickBooks deposit on
-- the issue date), the same per-day sums of cents rounded per allocation, the same running total
-- ordered by day, the same run-of-covered-days rule for settled_on (never before issue; the issue
-- date for a total of zero or less) and the same base-currency conversion (arcus_mul_rate of the
-- cumulative amounts, or none when the organisation's base currency is the invoice's or unknown).
-- test/sync/set-based-settlement.test.ts syncs the same ledgers both ways and compares them.

CREATE TYPE arcus_settlement_input AS (organisation_id uuid, external_id text, issue_date date, total numeric, deposit numeric, currency text, currency_rate numeric);
--> statement-breakpoint
-- The loop of arcus_invoice_settlement as an expression: walking back from the last settlement
-- day, settled_on is the first day of the final run of days whose cumulative amount covers the
-- total (a day with total − cumulative > 0 ends the walk), never before the issue date; null when
-- the last day does not cover it or there are no days; the issue date for a total ≤ 0.
CREATE OR REPLACE FUNCTION arcus_settled_on_of(p_total_minor bigint, p_issue date, p_days date[], p_cums bigint[]) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_total_minor <= 0 THEN p_issue ELSE (
    SELECT greatest(p_days[z.k], p_issue)
    FROM (SELECT coalesce(max(u.n) FILTER (WHERE p_total_minor - u.c > 0), 0) + 1 AS k FROM unnest(p_cums) WITH ORDINALITY AS u(c, n)) z
    WHERE z.k <= coalesce(array_length(p_days, 1), 0)) END
$$;
--> statement-breakpoint
-- The settlement of each given invoice (keys unique), as arcus_invoice_settlement computes it for NEW.
CREATE OR REPLACE FUNCTION arcus_settlements_of(p_rows arcus_settlement_input[])
RETURNS TABLE (organisation_id uuid, external_id text, settlement_days date[], settled_on date, base_total bigint, base_settled_cum bigint[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH inv AS MATERIALIZED (
    SELECT u.organisation_id, u.external_id, u.issue_date, u.deposit, u.currency_rate,
      (round(u.total, 2) * 100)::bigint AS total_minor,
      coalesce(o.base_currency = u.currency, true) AS same
    FROM unnest(p_rows) AS u
    LEFT JOIN organisations o ON o.id = u.organisation_id
  ),
  src AS (
    SELECT inv.organisation_id, inv.external_id, pa.date AS d, pa.amount
    FROM inv JOIN payment_allocations pa ON pa.organisation_id = inv.organisation_id AND pa.invoice_external_id = inv.external_id
    JOIN payments p ON p.id = pa.payment_id
    WHERE p.status <> 'deleted'
    UNION ALL
    SELECT inv.organisation_id, inv.external_id, ca.date, ca.amount
    FROM inv JOIN credit_note_allocations ca ON ca.organisation_id = inv.organisation_id AND ca.invoice_external_id = inv.external_id
    JOIN credit_notes cn ON cn.id = ca.credit_note_id
    WHERE cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
    UNION ALL
    SELECT inv.organisation_id, inv.external_id, xa.date, xa.amount
    FROM inv JOIN prepayment_allocations xa ON xa.organisation_id = inv.organisation_id AND xa.invoice_external_id = inv.external_id
    JOIN prepayments x ON x.id = xa.prepayment_id
    WHERE x.status NOT IN ('voided', 'deleted')
    UNION ALL
    SELECT inv.organisation_id, inv.external_id, inv.issue_date, inv.deposit FROM inv WHERE inv.deposit <> 0
  ),
  per_day AS (
    SELECT s.organisation_id, s.external_id, s.d, sum((round(s.amount, 2) * 100)::bigint) AS a
    FROM src s GROUP BY s.organisation_id, s.external_id, s.d
  ),
  cum AS (
    SELECT p.organisation_id, p.external_id, p.d, (sum(p.a) OVER (PARTITION BY p.organisation_id, p.external_id ORDER BY p.d))::bigint AS c
    FROM per_day p
  ),
  agg AS (
    SELECT c.organisation_id, c.external_id, array_agg(c.d ORDER BY c.d) AS days, array_agg(c.c ORDER BY c.d) AS cums
    FROM cum c GROUP BY c.organisation_id, c.external_id
  )
  SELECT inv.organisation_id, inv.external_id, r.days,
    arcus_settled_on_of(inv.total_minor, inv.issue_date, r.days, r.cums),
    CASE WHEN inv.same THEN inv.total_minor ELSE arcus_mul_rate(inv.total_minor, inv.currency_rate) END,
    CASE WHEN inv.same THEN r.cums
         ELSE coalesce((SELECT array_agg(arcus_mul_rate(u.c, inv.currency_rate) ORDER BY u.n) FROM unnest(r.cums) WITH ORDINALITY AS u(c, n)), '{}'::bigint[]) END
  FROM inv
  LEFT JOIN agg ON agg.organisation_id = inv.organisation_id AND agg.external_id = inv.external_id
  CROSS JOIN LATERAL (SELECT coalesce(agg.days, '{}'::date[]) AS days, coalesce(agg.cums, '{}'::bigint[]) AS cums) r
$$;
--> statement-breakpoint
-- Deferred mode for the rest of the transaction, with this session's list of touched invoices.
CREATE OR REPLACE FUNCTION arcus_settle_defer() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF to_regclass('pg_temp.arcus_settle_touched') IS NULL THEN
    CREATE TEMP TABLE arcus_settle_touched (organisation_id uuid NOT NULL, external_id text NOT NULL, PRIMARY KEY (organisation_id, external_id)) ON COMMIT DELETE ROWS;
  END IF;
  PERFORM set_config('arcus.settle_deferred', 'on', true);
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_settle_is_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('arcus.settle_deferred', true), '') = 'on'
$$;
--> statement-breakpoint
-- Recompute the touched invoices in one statement; write those whose settlement changed (and, as
-- the touching UPDATE did through the privacy trigger, those whose raw an erasure should clear).
-- Leaves the list empty. Returns the number of invoices written.
CREATE OR REPLACE FUNCTION arcus_settle_flush() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer := 0;
BEGIN
  IF to_regclass('pg_temp.arcus_settle_touched') IS NULL OR NOT EXISTS (SELECT 1 FROM pg_temp.arcus_settle_touched) THEN
    RETURN 0;
  END IF;
  UPDATE invoices i
  SET settlement_days = s.settlement_days, settled_on = s.settled_on, base_total = s.base_total, base_settled_cum = s.base_settled_cum
  FROM arcus_settlements_of(ARRAY(
    SELECT ROW(i2.organisation_id, i2.external_id, i2.issue_date, i2.total, i2.deposit, i2.currency, i2.currency_rate)::arcus_settlement_input
    FROM pg_temp.arcus_settle_touched t JOIN invoices i2 ON i2.organisation_id = t.organisation_id AND i2.external_id = t.external_id)) s
  WHERE i.organisation_id = s.organisation_id AND i.external_id = s.external_id
    -- The listed invoices only, by index (else the planner may hash the whole table against the result).
    AND (i.organisation_id, i.external_id) IN (SELECT t.organisation_id, t.external_id FROM pg_temp.arcus_settle_touched t)
    AND ((i.settlement_days, i.settled_on, i.base_total, i.base_settled_cum) IS DISTINCT FROM (s.settlement_days, s.settled_on, s.base_total, s.base_settled_cum)
      OR (i.raw IS NOT NULL AND i.contact_external_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM privacy_erasures e WHERE e.organisation_id = i.organisation_id AND e.contact_external_id = i.contact_external_id)));
  GET DIAGNOSTICS n = ROW_COUNT;
  DELETE FROM pg_temp.arcus_settle_touched;
  RETURN n;
END
$$;
--> statement-breakpoint
-- The settlement trigger exactly as 0064 leaves it, except in deferred mode: an update leaves the
-- columns to the flush (the touch triggers and arcus_settle_list_invoices list what needs it); an
-- insert keeps the values the statement supplies (the sync's invoice upsert computes them with
-- arcus_settlements_of), and one inserted without them — every column still at its default: no
-- days, no settled day, a base total of 0 — is computed here, row by row, as before.
CREATE OR REPLACE FUNCTION arcus_invoice_settlement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  total_minor bigint := (round(NEW.total, 2) * 100)::bigint;
  same boolean;
  days date[];
  cums bigint[];
  settled date := NULL;
  i integer;
BEGIN
  IF arcus_settle_is_deferred()
     AND (TG_OP = 'UPDATE' OR NEW.settled_on IS NOT NULL OR NEW.base_total <> 0 OR cardinality(NEW.settlement_days) <> 0) THEN
    RETURN NEW;
  END IF;
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
-- The touch triggers (0002, 0010, 0012): in deferred mode they list the invoices instead of updating them.
CREATE OR REPLACE FUNCTION arcus_touch_invoices_new() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT DISTINCT organisation_id, invoice_external_id FROM arcus_new_rows
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices i SET settled_on = i.settled_on
  FROM (SELECT DISTINCT organisation_id, invoice_external_id FROM arcus_new_rows) t
  WHERE i.organisation_id = t.organisation_id AND i.external_id = t.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_invoices_old() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT DISTINCT organisation_id, invoice_external_id FROM arcus_old_rows
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices i SET settled_on = i.settled_on
  FROM (SELECT DISTINCT organisation_id, invoice_external_id FROM arcus_old_rows) t
  WHERE i.organisation_id = t.organisation_id AND i.external_id = t.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_invoices_both() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT organisation_id, invoice_external_id FROM arcus_old_rows UNION SELECT organisation_id, invoice_external_id FROM arcus_new_rows
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices i SET settled_on = i.settled_on
  FROM (SELECT organisation_id, invoice_external_id FROM arcus_old_rows UNION SELECT organisation_id, invoice_external_id FROM arcus_new_rows) t
  WHERE i.organisation_id = t.organisation_id AND i.external_id = t.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_payment_invoices() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT DISTINCT pa.organisation_id, pa.invoice_external_id
    FROM payment_allocations pa
    JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = pa.payment_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices i SET settled_on = i.settled_on
  FROM payment_allocations pa
  JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = pa.payment_id
  WHERE i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_credit_note_invoices() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT DISTINCT ca.organisation_id, ca.invoice_external_id
    FROM credit_note_allocations ca
    JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = ca.credit_note_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices i SET settled_on = i.settled_on
  FROM credit_note_allocations ca
  JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = ca.credit_note_id
  WHERE i.organisation_id = ca.organisation_id AND i.external_id = ca.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_prepayment_invoices() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT DISTINCT xa.organisation_id, xa.invoice_external_id
    FROM prepayment_allocations xa
    JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = xa.prepayment_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices i SET settled_on = i.settled_on
  FROM prepayment_allocations xa
  JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = xa.prepayment_id
  WHERE i.organisation_id = xa.organisation_id AND i.external_id = xa.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- An organisation's base currency (0005, 0010): in deferred mode its invoices are listed.
CREATE OR REPLACE FUNCTION arcus_touch_organisation_invoices() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT organisation_id, external_id FROM invoices WHERE organisation_id = NEW.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE invoices SET settled_on = settled_on WHERE organisation_id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Invoices updated in deferred mode are listed when an input to their settlement changed (an
-- update that changes none of them leaves it as it was, as the trigger would recompute the same;
-- the flush's own update changes none, so lists nothing).
CREATE OR REPLACE FUNCTION arcus_settle_list_invoices_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF arcus_settle_is_deferred() THEN
    INSERT INTO pg_temp.arcus_settle_touched (organisation_id, external_id)
    SELECT n.organisation_id, n.external_id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id
    WHERE (o.organisation_id, o.external_id, o.issue_date, o.total, o.deposit, o.currency, o.currency_rate)
      IS DISTINCT FROM (n.organisation_id, n.external_id, n.issue_date, n.total, n.deposit, n.currency, n.currency_rate)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_settlement_list_update AFTER UPDATE ON invoices REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_settle_list_invoices_update();
