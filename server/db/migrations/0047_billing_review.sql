-- Billing review before dispatch and billing policies (issue #21; server/billing-review/, docs/decisions/044).
--
-- billing_policies: the firm's payment terms and invoicing frequency per customer type (the
-- customer's group, reminder_customers.segment; '' = customers without a type).
-- billing_review_items: one per invoice awaiting dispatch (a Xero draft or awaiting-approval invoice,
-- a QuickBooks invoice not yet emailed), with the checks' findings in words; its status moves
-- to_review → awaiting_approval (a person asked) → approved (a different person; one
-- `authorise_invoice` write-back) or sent_back (with a comment); closed when the invoice left review
-- in the ledger by itself.
-- billing_review_decisions: who did what to an item, with their comment (the review's history).
CREATE TABLE billing_policies (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  customer_type text NOT NULL,
  terms_days integer NOT NULL,
  frequency text NOT NULL,
  requires_purchase_order boolean NOT NULL DEFAULT false,
  updated_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_policies_pkey PRIMARY KEY (firm_id, customer_type),
  CONSTRAINT billing_policies_type_check CHECK (length(customer_type) <= 80),
  CONSTRAINT billing_policies_terms_check CHECK (terms_days BETWEEN 0 AND 365),
  CONSTRAINT billing_policies_frequency_check CHECK (frequency IN ('per_job', 'weekly', 'monthly', 'quarterly', 'annually'))
);
--> statement-breakpoint
ALTER TABLE billing_policies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE billing_policies FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON billing_policies USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_policies TO arcus_app;
--> statement-breakpoint
CREATE TABLE billing_review_items (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  invoice_id uuid NOT NULL,
  invoice_external_id text NOT NULL,
  status text NOT NULL DEFAULT 'to_review',
  -- [{ check, text }]: the checks' findings in words (server/billing-review/checks.ts).
  findings jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- The invoice's ledger_updated_at when last checked: a change re-opens a sent-back item.
  invoice_version text,
  checked_at timestamptz NOT NULL DEFAULT now(),
  requested_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  requested_at timestamptz,
  decided_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  decided_at timestamptz,
  comment text,
  writeback_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_review_items_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT billing_review_items_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT billing_review_items_status_check CHECK (status IN ('to_review', 'awaiting_approval', 'approved', 'sent_back', 'closed')),
  CONSTRAINT billing_review_items_comment_check CHECK (comment IS NULL OR length(comment) BETWEEN 1 AND 1000)
);
--> statement-breakpoint
CREATE UNIQUE INDEX billing_review_items_invoice_key ON billing_review_items (organisation_id, firm_id, invoice_external_id);
--> statement-breakpoint
CREATE INDEX billing_review_items_firm_status_idx ON billing_review_items (firm_id, status);
--> statement-breakpoint
ALTER TABLE billing_review_items ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE billing_review_items FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON billing_review_items USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_review_items TO arcus_app;
--> statement-breakpoint
CREATE TABLE billing_review_decisions (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  item_id uuid NOT NULL,
  action text NOT NULL,
  user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  comment text,
  decided_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_review_decisions_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT billing_review_decisions_item_fk FOREIGN KEY (item_id, firm_id) REFERENCES billing_review_items(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT billing_review_decisions_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT billing_review_decisions_action_check CHECK (action IN ('requested', 'approved', 'sent_back')),
  CONSTRAINT billing_review_decisions_comment_check CHECK (comment IS NULL OR length(comment) BETWEEN 1 AND 1000)
);
--> statement-breakpoint
CREATE INDEX billing_review_decisions_item_idx ON billing_review_decisions (item_id, firm_id);
--> statement-breakpoint
ALTER TABLE billing_review_decisions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE billing_review_decisions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON billing_review_decisions USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_review_decisions TO arcus_app;
