-- Issue #13 (Xero half): overpayments and prepayments are settlement sources (docs/decisions/012-xero-settlements.md).
--
-- Xero counts an overpayment's or a prepayment's allocation to an invoice in the invoice's
-- AmountCredited, exactly like a credit note's. Both are kept in one table (`kind` tells them
-- apart); their allocations count towards the invoice's settlement as payment and credit-note
-- allocations do, unless the overpayment / prepayment is voided or deleted.
CREATE TABLE "prepayments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"kind" text NOT NULL,
	"contact_external_id" text NOT NULL,
	"date" date NOT NULL,
	"currency" text NOT NULL,
	"currency_rate" numeric(19, 10) DEFAULT '1' NOT NULL,
	"total" numeric(19, 4) NOT NULL,
	"remaining_credit" numeric(19, 4) NOT NULL,
	"reference" text DEFAULT '' NOT NULL,
	"status" text NOT NULL,
	"ledger_updated_at" timestamp with time zone,
	"raw" jsonb,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prepayments_kind_check" CHECK ("kind" IN ('overpayment', 'prepayment'))
);
--> statement-breakpoint
CREATE TABLE "prepayment_allocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"prepayment_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"invoice_external_id" text NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"date" date NOT NULL
);
--> statement-breakpoint
-- A row's firm is its organisation's firm (0011's composite key).
ALTER TABLE "prepayments" ADD CONSTRAINT "prepayments_organisation_firm_fk" FOREIGN KEY ("organisation_id", "firm_id") REFERENCES "public"."organisations"("id", "firm_id") ON DELETE cascade;--> statement-breakpoint
ALTER TABLE "prepayment_allocations" ADD CONSTRAINT "prepayment_allocations_prepayment_id_prepayments_id_fk" FOREIGN KEY ("prepayment_id") REFERENCES "public"."prepayments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "prepayments_org_external_key" ON "prepayments" USING btree ("organisation_id","external_id");--> statement-breakpoint
CREATE INDEX "prepayments_firm_org_idx" ON "prepayments" USING btree ("firm_id","organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "prepayment_allocations_key" ON "prepayment_allocations" USING btree ("prepayment_id","external_id");--> statement-breakpoint
CREATE INDEX "prepayment_allocations_org_invoice_idx" ON "prepayment_allocations" USING btree ("organisation_id","invoice_external_id");--> statement-breakpoint
-- Firm isolation as 0009 does it for every firm table (forced, one policy `firm_isolation` for
-- reads and writes), in 0011's form: the firm read once per statement.
ALTER TABLE "prepayments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "prepayments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY firm_isolation ON "prepayments" USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));--> statement-breakpoint
ALTER TABLE "prepayment_allocations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "prepayment_allocations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY firm_isolation ON "prepayment_allocations" USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));--> statement-breakpoint
-- 0009's default privileges grant new tables to arcus_app; granted explicitly too, in case the
-- migrating role is not the one that set those defaults.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arcus_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE prepayments, prepayment_allocations TO arcus_app;
  END IF;
END
$$;
--> statement-breakpoint
-- The settlement summary (0002, 0005) with the third source. Same rules otherwise: each
-- allocation rounded to cents half away from zero, the first day of the final run of days on
-- which the balance is zero or below, base-currency amounts at the invoice's rate.
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
        WHERE ca.organisation_id = NEW.organisation_id AND ca.invoice_external_id = NEW.external_id AND cn.status NOT IN ('draft', 'voided', 'deleted')
        UNION ALL
        SELECT xa.date, xa.amount
        FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
        WHERE xa.organisation_id = NEW.organisation_id AND xa.invoice_external_id = NEW.external_id AND x.status NOT IN ('voided', 'deleted')
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
CREATE TRIGGER prepayment_allocations_settlement_insert AFTER INSERT ON prepayment_allocations REFERENCING NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_new();
--> statement-breakpoint
CREATE TRIGGER prepayment_allocations_settlement_update AFTER UPDATE ON prepayment_allocations REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_both();
--> statement-breakpoint
CREATE TRIGGER prepayment_allocations_settlement_delete AFTER DELETE ON prepayment_allocations REFERENCING OLD TABLE AS arcus_old_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_old();
--> statement-breakpoint
-- An overpayment or prepayment voided or deleted in the ledger stops settling its invoices.
CREATE OR REPLACE FUNCTION arcus_touch_prepayment_invoices() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE invoices i SET settled_on = i.settled_on
  FROM prepayment_allocations xa
  JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = xa.prepayment_id
  WHERE i.organisation_id = xa.organisation_id AND i.external_id = xa.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER prepayments_settlement AFTER UPDATE ON prepayments REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_prepayment_invoices();
--> statement-breakpoint
-- Xero payments stored with CurrencyRate 0 (base-currency and batch payments) mean rate 1.
UPDATE payments SET currency_rate = 1 WHERE currency_rate = 0;
--> statement-breakpoint
-- A Xero FullyPaidOnDate is kept only while the invoice is PAID (a deleted payment leaves it behind).
UPDATE invoices SET fully_paid_on = NULL WHERE fully_paid_on IS NOT NULL AND status <> 'paid';
