-- Amended invoices for billing accuracy (issue #21; server/billing-review/accuracy.ts).
--
-- lines_signature: a hash of the invoice's lines as last synced (description, quantity, unit
-- amount, line amount, account), so the next sync can tell that the lines changed without keeping
-- earlier versions. NULL until the invoice is next synced (no signature: no comparison).
-- amended_at: the first time the ledger changed an issued invoice's total, lines or due date — the
-- ledger's own last-updated time of the changed version (Xero UpdatedDateUTC, QuickBooks
-- MetaData.LastUpdatedTime), or the sync's time when the ledger gives none. Set once by the sync's
-- upsert (server/sync/writers.ts), never cleared.
ALTER TABLE invoices ADD COLUMN lines_signature text;
--> statement-breakpoint
ALTER TABLE invoices ADD COLUMN amended_at timestamptz;
