-- Large organisations (issue #22; docs/decisions/045-large-organisations.md): indexes whose
-- leading columns are those of the row-level security policy and the query filter (firm,
-- organisation), then the list's order, so a page reads about a page of rows.
--
-- The Invoices list (server/analytics/invoice-list-sql.ts): the overdue run reads the invoices
-- not settled by a day (settled_on IS NULL OR settled_on > day); the rest run walks the issue date,
-- newest first, then the number and ledger id in code-point order (its keyset).
CREATE INDEX IF NOT EXISTS "invoices_firm_org_settled_idx" ON "invoices" USING btree ("firm_id", "organisation_id", "settled_on");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "invoices_firm_org_list_idx" ON "invoices" USING btree ("firm_id", "organisation_id", "issue_date" DESC, "number" COLLATE "C", "external_id" COLLATE "C");
--> statement-breakpoint
-- The activities timeline of one organisation, newest first (keyset on created_at, id).
CREATE INDEX IF NOT EXISTS "activities_firm_org_created_idx" ON "activities" USING btree ("firm_id", "organisation_id", "created_at" DESC, "id" DESC);
--> statement-breakpoint
-- The reminders outbox, most recent first (keyset on coalesce(sent_at, updated_at), id).
CREATE INDEX IF NOT EXISTS "reminder_sends_firm_org_recent_idx" ON "reminder_sends" USING btree ("firm_id", "organisation_id", (coalesce("sent_at", "updated_at")) DESC, "id" DESC);
