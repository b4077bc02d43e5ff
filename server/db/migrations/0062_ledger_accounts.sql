-- What Arcus has read of an organisation's chart of accounts (docs/decisions/056), kept with the
-- organisation beside its other ledger state: {"receivable": [{"id", "name"}], "readAt": ISO}.
-- QuickBooks: the Accounts Receivable accounts a refund check credits (a real company's ids are its
-- own, not the sample company's 84). NULL until first needed; re-read when older than a week or
-- after the ledger refused a refund written with it.
ALTER TABLE organisations ADD COLUMN ledger_accounts jsonb;
