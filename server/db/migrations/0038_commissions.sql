-- Sales commissions (issue #18; docs/decisions/036-sales-commissions.md; server/commissions/README.md).
--
-- role 'salesperson': someone at the client business who sees only their own commission statements.
-- commission_settings: per organisation, where "who sold the invoice" comes from (a tracking
-- category of the ledger's lines — QuickBooks classes arrive as the category "Class" — or only
-- Arcus's own assignments) and the payroll export's codes.
-- salespeople / commission_plans / commission_assignments: the people, their plan (a rate on cash
-- collected, tiers, accelerator, cap, holdback) and Arcus's assignments by customer or invoice.
-- commission_statements / commission_statement_lines: one statement per organisation, person and
-- month (draft → approved by the client contact → exported); a source (a payment allocation, a
-- credit-note allocation, a holdback) is on one statement line only (the unique source key).
ALTER TYPE role ADD VALUE IF NOT EXISTS 'salesperson';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_role_words(r text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE r WHEN 'admin' THEN 'an administrator' WHEN 'manager' THEN 'a manager' WHEN 'collector' THEN 'a collector'
    WHEN 'viewer' THEN 'a viewer' WHEN 'client_contact' THEN 'a client contact' WHEN 'salesperson' THEN 'a salesperson' ELSE 'a member' END
$$;
--> statement-breakpoint
CREATE TABLE commission_settings (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  source text NOT NULL DEFAULT 'arcus',
  tracking_category text,
  adp_company_code text,
  adp_batch_id text,
  adp_earnings_code text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT commission_settings_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT commission_settings_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_settings_source_check CHECK (source IN ('tracking', 'arcus')),
  CONSTRAINT commission_settings_category_check CHECK (source <> 'tracking' OR tracking_category IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE salespeople (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  ledger_name text,
  payroll_id text,
  user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT salespeople_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT salespeople_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE UNIQUE INDEX salespeople_email_key ON salespeople (firm_id, organisation_id, lower(email));
--> statement-breakpoint
CREATE INDEX salespeople_user_idx ON salespeople (firm_id, user_id);
--> statement-breakpoint
CREATE TABLE commission_plans (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  salesperson_id uuid NOT NULL,
  organisation_id uuid NOT NULL,
  plan jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT commission_plans_pkey PRIMARY KEY (salesperson_id, firm_id),
  CONSTRAINT commission_plans_person_fk FOREIGN KEY (salesperson_id, firm_id) REFERENCES salespeople(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_plans_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE commission_assignments (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  salesperson_id uuid NOT NULL,
  contact_external_id text,
  invoice_external_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT commission_assignments_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT commission_assignments_person_fk FOREIGN KEY (salesperson_id, firm_id) REFERENCES salespeople(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_assignments_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_assignments_one_target CHECK ((contact_external_id IS NULL) <> (invoice_external_id IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX commission_assignments_customer_key ON commission_assignments (firm_id, organisation_id, contact_external_id) WHERE contact_external_id IS NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX commission_assignments_invoice_key ON commission_assignments (firm_id, organisation_id, invoice_external_id) WHERE invoice_external_id IS NOT NULL;
--> statement-breakpoint
CREATE TABLE commission_statements (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  salesperson_id uuid NOT NULL,
  month text NOT NULL,
  currency text NOT NULL,
  status text NOT NULL DEFAULT 'draft',
  plan jsonb NOT NULL,
  collected numeric(19,4) NOT NULL DEFAULT 0,
  earned numeric(19,4) NOT NULL DEFAULT 0,
  held numeric(19,4) NOT NULL DEFAULT 0,
  released numeric(19,4) NOT NULL DEFAULT 0,
  forfeited numeric(19,4) NOT NULL DEFAULT 0,
  clawed_back numeric(19,4) NOT NULL DEFAULT 0,
  total numeric(19,4) NOT NULL DEFAULT 0,
  computed_at timestamptz NOT NULL DEFAULT now(),
  approved_at timestamptz,
  approved_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  exported_at timestamptz,
  CONSTRAINT commission_statements_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT commission_statements_person_fk FOREIGN KEY (salesperson_id, firm_id) REFERENCES salespeople(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_statements_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_statements_month_check CHECK (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  CONSTRAINT commission_statements_status_check CHECK (status IN ('draft', 'approved', 'exported'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX commission_statements_month_key ON commission_statements (firm_id, organisation_id, salesperson_id, month);
--> statement-breakpoint
CREATE TABLE commission_statement_lines (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  statement_id uuid NOT NULL,
  line_no integer NOT NULL,
  kind text NOT NULL,
  source_key text NOT NULL,
  invoice_external_id text NOT NULL,
  invoice_number text NOT NULL DEFAULT '',
  date date NOT NULL,
  base numeric(19,4) NOT NULL DEFAULT 0,
  commission numeric(19,4) NOT NULL DEFAULT 0,
  held numeric(19,4) NOT NULL DEFAULT 0,
  payable numeric(19,4) NOT NULL DEFAULT 0,
  release_month text,
  CONSTRAINT commission_statement_lines_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT commission_statement_lines_statement_fk FOREIGN KEY (statement_id, firm_id) REFERENCES commission_statements(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_statement_lines_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT commission_statement_lines_kind_check CHECK (kind IN ('commission', 'clawback', 'release', 'forfeit'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX commission_statement_lines_source_key ON commission_statement_lines (firm_id, organisation_id, source_key);
--> statement-breakpoint
CREATE INDEX commission_statement_lines_statement_idx ON commission_statement_lines (firm_id, statement_id, line_no);
--> statement-breakpoint
ALTER TABLE commission_settings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE commission_settings FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON commission_settings USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON commission_settings TO arcus_app;
--> statement-breakpoint
ALTER TABLE salespeople ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE salespeople FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON salespeople USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON salespeople TO arcus_app;
--> statement-breakpoint
ALTER TABLE commission_plans ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE commission_plans FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON commission_plans USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON commission_plans TO arcus_app;
--> statement-breakpoint
ALTER TABLE commission_assignments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE commission_assignments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON commission_assignments USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON commission_assignments TO arcus_app;
--> statement-breakpoint
ALTER TABLE commission_statements ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE commission_statements FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON commission_statements USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON commission_statements TO arcus_app;
--> statement-breakpoint
ALTER TABLE commission_statement_lines ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE commission_statement_lines FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON commission_statement_lines USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON commission_statement_lines TO arcus_app;
