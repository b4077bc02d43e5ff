-- Pricing the service (issue #18): fee plans, monthly fee statements and the practice ledger
-- (server/fees/, docs/decisions/035-service-fees.md).
--
-- practice_ledgers: which of the firm's connected organisations is the firm's own ledger, where
-- its fee invoices are written (one per firm).
-- fee_plans: a client's plan (server/fees/core.ts FeePlan, JSON) in its currency, and the customer
-- that stands for the client in the practice ledger (a contact synced from it).
-- fee_statements: one per (organisation, month): the fee, its working, draft → approved →
-- invoiced (or no_fee when approved at nothing), and the write-back that invoices it
-- (source key fee:<organisation>:<month>, so it is written exactly once).
CREATE TABLE practice_ledgers (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  set_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT practice_ledgers_pkey PRIMARY KEY (firm_id),
  CONSTRAINT practice_ledgers_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
ALTER TABLE practice_ledgers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE practice_ledgers FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON practice_ledgers USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON practice_ledgers TO arcus_app;
--> statement-breakpoint
CREATE TABLE fee_plans (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  plan jsonb NOT NULL,
  currency text NOT NULL,
  -- The client as a customer in the practice ledger (its external id there) and its name then.
  ledger_contact_external_id text,
  ledger_contact_name text,
  set_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT fee_plans_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT fee_plans_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT fee_plans_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE fee_plans ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE fee_plans FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON fee_plans USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON fee_plans TO arcus_app;
--> statement-breakpoint
CREATE TABLE fee_statements (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  -- The month billed, 'YYYY-MM'.
  period text NOT NULL,
  currency text NOT NULL,
  -- Minor units of currency.
  amount bigint NOT NULL,
  -- server/fees/core.ts WorkingLine[] and the facts they came from.
  working jsonb NOT NULL,
  facts jsonb NOT NULL,
  status text NOT NULL DEFAULT 'draft',
  computed_at timestamptz NOT NULL DEFAULT now(),
  approved_at timestamptz,
  approved_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  writeback_id uuid,
  invoiced_at timestamptz,
  CONSTRAINT fee_statements_pkey PRIMARY KEY (organisation_id, firm_id, period),
  CONSTRAINT fee_statements_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT fee_statements_period_check CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  CONSTRAINT fee_statements_amount_check CHECK (amount >= 0),
  CONSTRAINT fee_statements_status_check CHECK (status IN ('draft', 'approved', 'invoiced', 'no_fee'))
);
--> statement-breakpoint
CREATE INDEX fee_statements_period_idx ON fee_statements (firm_id, period);
--> statement-breakpoint
ALTER TABLE fee_statements ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE fee_statements FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON fee_statements USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON fee_statements TO arcus_app;
