ALTER TABLE "invoices" ADD COLUMN "base_total" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "base_settled_cum" bigint[] DEFAULT '{}'::bigint[] NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" DROP COLUMN "settlement_cum";--> statement-breakpoint
-- Hand-written (see server/analytics/README.md): the settlement summary now also holds the
-- invoice's amounts in its organisation's base currency, so the portfolio reads integers only.
-- money.mulRate's rounding: half to even.
CREATE OR REPLACE FUNCTION arcus_mul_rate(units bigint, rate numeric) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE WHEN abs(units * rate - trunc(units * rate)) = 0.5 THEN 2 * round(units * rate / 2) ELSE round(units * rate) END)::bigint
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_invoice_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
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
        WHERE ca.organisation_id = NEW.organisation_id AND ca.invoice_external_id = NEW.external_id AND cn.status NOT IN ('draft', 'voided', 'deleted')
      ) x
      GROUP BY x.date
    ) per_day
  ) r;
  IF total_minor <= 0 THEN
    settled := NEW.issue_date;
  ELSE
    -- The first day of the final run of days on which the balance is zero or below.
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
CREATE OR REPLACE FUNCTION arcus_touch_organisation_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices SET settled_on = settled_on WHERE organisation_id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER organisations_base_currency AFTER UPDATE OF base_currency ON organisations FOR EACH ROW WHEN (OLD.base_currency IS DISTINCT FROM NEW.base_currency) EXECUTE FUNCTION arcus_touch_organisation_invoices();
--> statement-breakpoint
UPDATE invoices SET settled_on = settled_on;
