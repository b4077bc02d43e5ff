CREATE TYPE "public"."target_goal_kind" AS ENUM('relative', 'absolute');--> statement-breakpoint
CREATE TYPE "public"."target_metric" AS ENUM('dso', 'cei', 'overdue_pct', 'dbt');--> statement-breakpoint
CREATE TABLE "exchange_rates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"reporting_currency" text NOT NULL,
	"rate_to_reporting" numeric(19, 10) NOT NULL,
	"as_of" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"metric" "target_metric" NOT NULL,
	"baseline_value" numeric(12, 2) NOT NULL,
	"baseline_date" date NOT NULL,
	"goal_kind" "target_goal_kind" NOT NULL,
	"goal_value" numeric(12, 2) NOT NULL,
	"due_date" date NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "settled_on" date;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "settlement_days" date[] DEFAULT '{}'::date[] NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "settlement_cum" bigint[] DEFAULT '{}'::bigint[] NOT NULL;--> statement-breakpoint
ALTER TABLE "exchange_rates" ADD CONSTRAINT "exchange_rates_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targets" ADD CONSTRAINT "targets_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targets" ADD CONSTRAINT "targets_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targets" ADD CONSTRAINT "targets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "exchange_rates_firm_pair_as_of_key" ON "exchange_rates" USING btree ("firm_id","currency","reporting_currency","as_of");--> statement-breakpoint
CREATE INDEX "targets_firm_org_idx" ON "targets" USING btree ("firm_id","organisation_id");--> statement-breakpoint
CREATE INDEX "invoices_firm_settled_idx" ON "invoices" USING btree ("firm_id","settled_on");--> statement-breakpoint
CREATE INDEX "invoices_firm_issue_idx" ON "invoices" USING btree ("firm_id","issue_date");--> statement-breakpoint
-- Settlement summary per invoice (hand-written; see server/analytics/README.md). Every insert or
-- update of an invoice recomputes settlement_days / settlement_cum / settled_on from the counted
-- allocations: payment allocations of payments not deleted, credit-note allocations of credit
-- notes not draft, voided or deleted. Each allocation is rounded to cents half away from zero
-- (PostgreSQL's numeric round), as toMinor(x, 2, true) does in code.
CREATE OR REPLACE FUNCTION arcus_invoice_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total_minor bigint := (round(NEW.total, 2) * 100)::bigint;
  days date[];
  cums bigint[];
  settled date := NULL;
  i integer;
BEGIN
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
  NEW.settlement_cum := cums;
  NEW.settled_on := settled;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_settlement BEFORE INSERT OR UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION arcus_invoice_settlement();
--> statement-breakpoint
-- Allocation changes touch their invoices once per statement (transition tables), so a sync that
-- replaces thousands of allocations recomputes each affected invoice once.
CREATE OR REPLACE FUNCTION arcus_touch_invoices_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET settled_on = i.settled_on
  FROM (SELECT DISTINCT organisation_id, invoice_external_id FROM arcus_new_rows) t
  WHERE i.organisation_id = t.organisation_id AND i.external_id = t.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_invoices_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET settled_on = i.settled_on
  FROM (SELECT DISTINCT organisation_id, invoice_external_id FROM arcus_old_rows) t
  WHERE i.organisation_id = t.organisation_id AND i.external_id = t.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_invoices_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET settled_on = i.settled_on
  FROM (SELECT organisation_id, invoice_external_id FROM arcus_old_rows UNION SELECT organisation_id, invoice_external_id FROM arcus_new_rows) t
  WHERE i.organisation_id = t.organisation_id AND i.external_id = t.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER payment_allocations_settlement_insert AFTER INSERT ON payment_allocations REFERENCING NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_new();
--> statement-breakpoint
CREATE TRIGGER payment_allocations_settlement_update AFTER UPDATE ON payment_allocations REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_both();
--> statement-breakpoint
CREATE TRIGGER payment_allocations_settlement_delete AFTER DELETE ON payment_allocations REFERENCING OLD TABLE AS arcus_old_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_old();
--> statement-breakpoint
CREATE TRIGGER credit_note_allocations_settlement_insert AFTER INSERT ON credit_note_allocations REFERENCING NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_new();
--> statement-breakpoint
CREATE TRIGGER credit_note_allocations_settlement_update AFTER UPDATE ON credit_note_allocations REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_both();
--> statement-breakpoint
CREATE TRIGGER credit_note_allocations_settlement_delete AFTER DELETE ON credit_note_allocations REFERENCING OLD TABLE AS arcus_old_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_invoices_old();
--> statement-breakpoint
-- A payment deleted (or restored) in the ledger, or a credit note voided, changes what counts.
CREATE OR REPLACE FUNCTION arcus_touch_payment_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET settled_on = i.settled_on
  FROM payment_allocations pa
  JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = pa.payment_id
  WHERE i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER payments_settlement AFTER UPDATE ON payments REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_payment_invoices();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_touch_credit_note_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET settled_on = i.settled_on
  FROM credit_note_allocations ca
  JOIN (SELECT n.id FROM arcus_new_rows n JOIN arcus_old_rows o ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status) changed ON changed.id = ca.credit_note_id
  WHERE i.organisation_id = ca.organisation_id AND i.external_id = ca.invoice_external_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER credit_notes_settlement AFTER UPDATE ON credit_notes REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_touch_credit_note_invoices();
--> statement-breakpoint
UPDATE invoices SET settled_on = settled_on;
