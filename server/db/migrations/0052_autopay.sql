-- Autopay and declined card payments (issue #19; server/autopay/, docs/decisions/049-autopay.md).
--
-- saved_payment_methods: a debtor's card saved with the payment provider — the provider's customer id
-- and payment-method id, brand, last four digits and expiry only (never a card number). A row starts
-- 'pending' when the debtor opens the provider's hosted card page (setup_ref: the provider's setup
-- session) and becomes 'active' once the provider says the card is saved; a newer card for the same
-- customer makes the older one 'replaced'; the debtor can remove one ('removed').
CREATE TABLE saved_payment_methods (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  pay_link_id uuid,
  provider text NOT NULL,
  provider_customer_id text,
  setup_ref text NOT NULL,
  provider_method_id text,
  brand text,
  last4 text,
  exp_month integer,
  exp_year integer,
  status text NOT NULL DEFAULT 'pending',
  saved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT saved_payment_methods_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT saved_payment_methods_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT saved_payment_methods_status_check CHECK (status IN ('pending', 'active', 'replaced', 'removed', 'expired')),
  CONSTRAINT saved_payment_methods_last4_check CHECK (last4 IS NULL OR last4 ~ '^[0-9]{4}$'),
  CONSTRAINT saved_payment_methods_exp_check CHECK ((exp_month IS NULL OR exp_month BETWEEN 1 AND 12) AND (exp_year IS NULL OR exp_year BETWEEN 2000 AND 2200))
);
--> statement-breakpoint
CREATE UNIQUE INDEX saved_payment_methods_setup_key ON saved_payment_methods (firm_id, provider, setup_ref);
--> statement-breakpoint
CREATE INDEX saved_payment_methods_setup_idx ON saved_payment_methods (provider, setup_ref);
--> statement-breakpoint
CREATE INDEX saved_payment_methods_customer_idx ON saved_payment_methods (organisation_id, firm_id, contact_external_id, status);
--> statement-breakpoint
-- autopay_mandates: the debtor's agreement to be charged off-session, for a payment plan's instalments
-- (scope 'plan', plan_id) or for the customer's invoices as they fall due (scope 'invoices'). One live
-- (active or paused) mandate per customer and scope. failing_since: a charge failed and has not
-- succeeded since (reminders resume for the customer meanwhile); paused: retries ran out.
CREATE TABLE autopay_mandates (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  scope text NOT NULL,
  plan_id uuid,
  status text NOT NULL DEFAULT 'active',
  starts_on date NOT NULL,
  failing_since timestamptz,
  paused_reason text,
  created_by text NOT NULL DEFAULT 'debtor',
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT autopay_mandates_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT autopay_mandates_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT autopay_mandates_scope_check CHECK ((scope = 'plan' AND plan_id IS NOT NULL) OR (scope = 'invoices' AND plan_id IS NULL)),
  CONSTRAINT autopay_mandates_status_check CHECK (status IN ('active', 'paused', 'cancelled'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX autopay_mandates_live_key ON autopay_mandates (organisation_id, firm_id, contact_external_id, scope, (coalesce(plan_id, '00000000-0000-0000-0000-000000000000'::uuid))) WHERE status <> 'cancelled';
--> statement-breakpoint
CREATE INDEX autopay_mandates_firm_idx ON autopay_mandates (firm_id, organisation_id, status);
--> statement-breakpoint
-- charge_attempts: one row per off-session charge of one invoice or instalment, claimed (inserted,
-- unique attempt_key '<target>:<n>') before the provider is called; its id is the provider's
-- Idempotency-Key, so a re-run after a crash asks for the same charge and gets the same answer.
CREATE TABLE charge_attempts (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  mandate_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  target_kind text NOT NULL,
  invoice_id uuid,
  instalment_id uuid,
  attempt_key text NOT NULL,
  attempt_no integer NOT NULL,
  scheduled_on date NOT NULL,
  status text NOT NULL DEFAULT 'scheduled',
  amount numeric(19, 4),
  currency text,
  saved_method_id uuid,
  provider text,
  provider_payment_id text,
  failure_code text,
  lease_until timestamptz,
  charged_at timestamptz,
  debtor_notified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT charge_attempts_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT charge_attempts_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT charge_attempts_mandate_fk FOREIGN KEY (mandate_id, firm_id) REFERENCES autopay_mandates(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT charge_attempts_target_check CHECK ((target_kind = 'invoice' AND invoice_id IS NOT NULL) OR (target_kind = 'instalment' AND instalment_id IS NOT NULL)),
  CONSTRAINT charge_attempts_status_check CHECK (status IN ('scheduled', 'charging', 'succeeded', 'failed', 'skipped', 'abandoned')),
  CONSTRAINT charge_attempts_no_check CHECK (attempt_no BETWEEN 1 AND 20)
);
--> statement-breakpoint
CREATE UNIQUE INDEX charge_attempts_key ON charge_attempts (firm_id, attempt_key);
--> statement-breakpoint
CREATE INDEX charge_attempts_due_idx ON charge_attempts (firm_id, organisation_id, status, scheduled_on);
--> statement-breakpoint
CREATE INDEX charge_attempts_payment_idx ON charge_attempts (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL;
--> statement-breakpoint
ALTER TABLE saved_payment_methods ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE saved_payment_methods FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON saved_payment_methods USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON saved_payment_methods TO arcus_app;
--> statement-breakpoint
ALTER TABLE autopay_mandates ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE autopay_mandates FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON autopay_mandates USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON autopay_mandates TO arcus_app;
--> statement-breakpoint
ALTER TABLE charge_attempts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE charge_attempts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON charge_attempts USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON charge_attempts TO arcus_app;
