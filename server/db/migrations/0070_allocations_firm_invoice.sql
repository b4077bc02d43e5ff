-- Allocations by invoice, firm first (issue #22, "Scale"; docs/decisions/069).
--
-- A page of customers (the Customers list's page, the dashboard's top ten overdue, one customer's
-- page) is summarised from those customers' invoices and the allocations against exactly those
-- invoices (server/analytics/ledger-invoices.ts, loadCustomersLedger), found by
-- firm, organisation and invoice: one index probe per invoice instead of reading the organisation's
-- deleted payments, voided credit notes and every credit note's number. The organisation-first
-- indexes of 0000/0012 stay: the settlement triggers and the sync look allocations up without the
-- firm.
CREATE INDEX "payment_allocations_firm_org_invoice_idx" ON "payment_allocations" USING btree ("firm_id","organisation_id","invoice_external_id");--> statement-breakpoint
CREATE INDEX "credit_note_allocations_firm_org_invoice_idx" ON "credit_note_allocations" USING btree ("firm_id","organisation_id","invoice_external_id");--> statement-breakpoint
CREATE INDEX "prepayment_allocations_firm_org_invoice_idx" ON "prepayment_allocations" USING btree ("firm_id","organisation_id","invoice_external_id");
