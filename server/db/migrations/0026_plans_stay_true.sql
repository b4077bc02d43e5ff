-- Issue #15 "plans that stay true": a plan whose invoices changed in a way Arcus does not
-- recompute by itself (more owed than the instalments ask for) waits for the collector, with
-- the reason in words. Instalments cut to nothing by a credit are 'cancelled' (status is text).
ALTER TABLE "payment_plans" ADD COLUMN "attention_reason" text;
--> statement-breakpoint
ALTER TABLE "payment_plans" ADD COLUMN "attention_at" timestamp with time zone;
