-- Languages (issue #20, docs/decisions/041-languages.md). Neither ledger carries a customer's
-- language (Xero Contact, QuickBooks Customer), so it is Arcus data: reminder_customers.language
-- (null = the organisation's), organisations.language (null = from the organisation's country),
-- and a template's language with the template it translates (translation_of: the step names the
-- root template; its translations are found by this column, no foreign key so a firm's keys stay
-- (id, firm_id)-shaped — deleting a root deletes its translations in the service).
ALTER TABLE "organisations" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_language_check" CHECK ("language" IS NULL OR "language" IN ('en', 'fr', 'de', 'es', 'nl'));--> statement-breakpoint
ALTER TABLE "reminder_customers" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "reminder_customers" ADD CONSTRAINT "reminder_customers_language_check" CHECK ("language" IS NULL OR "language" IN ('en', 'fr', 'de', 'es', 'nl'));--> statement-breakpoint
ALTER TABLE "reminder_templates" ADD COLUMN "language" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE "reminder_templates" ADD CONSTRAINT "reminder_templates_language_check" CHECK ("language" IN ('en', 'fr', 'de', 'es', 'nl'));--> statement-breakpoint
ALTER TABLE "reminder_templates" ADD COLUMN "translation_of" uuid;--> statement-breakpoint
CREATE INDEX "reminder_templates_translation_idx" ON "reminder_templates" USING btree ("firm_id", "translation_of") WHERE "translation_of" IS NOT NULL;
