-- Reads bounded by the customers and rows shown (issue #22, "Scale"; docs/decisions/069).
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
--> statement-breakpoint
-- The dashboard's invoice currencies (invoiceCurrencies, server/analytics/dashboard-rollups.ts): a
-- skip scan of the counted invoices' currencies, one probe per currency. Through
-- invoices_org_currency_issue_idx it had to check each currency for a counted invoice, walking all
-- of a currency's invoices when none counts.
CREATE INDEX "invoices_firm_org_counted_currency_idx" ON "invoices" USING btree ("firm_id","organisation_id","currency") WHERE "status" NOT IN ('draft', 'submitted', 'voided', 'deleted') AND "total" >= 0;
