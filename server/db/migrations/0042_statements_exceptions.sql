-- When money goes wrong (issue #19): customer statements and the exceptions queue (server/statements/, server/exceptions/).
--
-- statement_settings: whether an organisation's customers get their statement by email each month
-- (opt-in, on the first business day in the organisation's time zone) and which kind.
-- statement_sends: the claim that makes each statement email go exactly once: one row per
-- (organisation, customer, period) — 'YYYY-MM' for the monthly email, 'now:<request id>' for one
-- sent on demand (a double-click is one email).
-- exception_decisions: what a person decided about a payment exception (apply to an invoice, keep
-- as credit, refund), with the reason; one per exception, so a decision clears it once.
CREATE TABLE statement_settings (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  monthly_email boolean NOT NULL DEFAULT false,
  kind text NOT NULL DEFAULT 'open_items',
  set_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT statement_settings_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT statement_settings_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT statement_settings_kind_check CHECK (kind IN ('open_items', 'activity'))
);
--> statement-breakpoint
ALTER TABLE statement_settings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE statement_settings FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON statement_settings USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON statement_settings TO arcus_app;
--> statement-breakpoint
CREATE TABLE statement_sends (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  period text NOT NULL,
  status text NOT NULL DEFAULT 'sending',
  attempts integer NOT NULL DEFAULT 1,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  sent_at timestamptz,
  message_id text,
  requested_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  error text,
  CONSTRAINT statement_sends_pkey PRIMARY KEY (organisation_id, firm_id, contact_external_id, period),
  CONSTRAINT statement_sends_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT statement_sends_period_check CHECK (period ~ '^(\d{4}-(0[1-9]|1[0-2])|now:[0-9a-f-]{36})$'),
  CONSTRAINT statement_sends_status_check CHECK (status IN ('sending', 'sent', 'no_recipients', 'failed'))
);
--> statement-breakpoint
ALTER TABLE statement_sends ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE statement_sends FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON statement_sends USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON statement_sends TO arcus_app;
--> statement-breakpoint
CREATE TABLE exception_decisions (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  -- The exception, as server/exceptions/rules.ts keys it ('<kind>:<document id>').
  exception_key text NOT NULL,
  action text NOT NULL,
  reason text NOT NULL,
  writeback_id uuid,
  decided_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  decided_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT exception_decisions_pkey PRIMARY KEY (exception_key, firm_id),
  CONSTRAINT exception_decisions_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT exception_decisions_action_check CHECK (action IN ('apply', 'keep_credit', 'refund')),
  CONSTRAINT exception_decisions_reason_check CHECK (length(reason) BETWEEN 1 AND 500)
);
--> statement-breakpoint
CREATE INDEX exception_decisions_org_idx ON exception_decisions (organisation_id, firm_id);
--> statement-breakpoint
ALTER TABLE exception_decisions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE exception_decisions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON exception_decisions USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON exception_decisions TO arcus_app;
