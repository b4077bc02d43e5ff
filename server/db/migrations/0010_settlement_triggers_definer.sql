-- The settlement triggers (0002/0005) keep invoices' settled_on, settlement_days, base_total and
-- base_settled_cum in step with their payments and credits. Under row-level security (0009) their
-- queries ran as the restricted role with the policy's firm filter on every table they read, and
-- the planner then walked every payment and invoice of the firm for each row written: a full sync
-- slowed from 21 s to 174 s, each payment page costing more than the last. (Adding the firm as an
-- explicit filter inside the functions brings the same plans back.) They only compute derived
-- columns of the rows being written — rows the policy has already let through — keyed by those
-- rows' organisation, so they run as their owner, like any maintenance of derived columns, with a
-- fixed search_path. Decision 007 records this.
ALTER FUNCTION arcus_invoice_settlement() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION arcus_touch_invoices_new() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION arcus_touch_invoices_old() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION arcus_touch_invoices_both() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION arcus_touch_payment_invoices() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION arcus_touch_credit_note_invoices() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION arcus_touch_organisation_invoices() SECURITY DEFINER SET search_path = public, pg_temp;
