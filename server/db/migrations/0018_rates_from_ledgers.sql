-- Rates from the ledgers (issue #15, server/analytics/ledger-rates.ts): the portfolio looks up the
-- most recent invoice of a firm in a given currency, issued on or before a day.
CREATE INDEX IF NOT EXISTS invoices_firm_currency_issue_idx ON invoices (firm_id, currency, issue_date);
