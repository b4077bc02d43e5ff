-- Each invoice line's tax code as the ledger keeps it (docs/decisions/061): Xero LineItems[].TaxType,
-- QuickBooks Line[].SalesItemLineDetail.TaxCodeRef. Null when the ledger sent none (and for lines
-- synced before this migration, until the invoice is next synced). A cancellation's credit note
-- carries it so the credit reverses the tax.
ALTER TABLE invoice_lines ADD COLUMN tax_code text;
