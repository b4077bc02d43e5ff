-- Large organisations, the rest (issue #22; docs/decisions/050-customers-and-dashboard-in-sql.md).
-- The Customers list (server/analytics/customer-list-sql.ts) lists every customer contact and
-- every customer id found on invoices; those named by an invoice but with no contact row are
-- found among the invoices whose contact the sync did not link (contact_id IS NULL) — normally a
-- handful — instead of reading every invoice of the organisation.
CREATE INDEX IF NOT EXISTS "invoices_firm_org_unlinked_contact_idx" ON "invoices" USING btree ("firm_id", "organisation_id", "contact_external_id") WHERE "contact_id" IS NULL;
