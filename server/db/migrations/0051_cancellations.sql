-- Cancellations (issue #19 "When money goes wrong"; server/cancellations/, docs/decisions/048).
--
-- cancellations: one row per confirmed cancellation of part or all of a customer's service, keyed by
-- the request id the screen generated (unique per firm), so confirming twice — a double click, a
-- retry after a timeout, a process killed part-way — finds the first row and re-runs its remaining
-- steps from the stored working (`result`), never recomputing the amounts. The steps each happen once:
-- the credit-note write-backs (source key `cancel:<id>:<invoice>`), the timeline entries (ids derived
-- from the row), the reminder holds, the withdrawn offers, the ended plans and the debtor's email
-- (claimed by `debtor_notified_at`).
CREATE TABLE cancellations (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  request_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  method text NOT NULL,
  service_start date NOT NULL,
  service_end date NOT NULL,
  effective_date date NOT NULL,
  reason text NOT NULL,
  currency text NOT NULL,
  credit numeric(19, 4) NOT NULL,
  allocated numeric(19, 4) NOT NULL,
  left_as_credit numeric(19, 4) NOT NULL,
  result jsonb NOT NULL,
  debtor_notified_at timestamptz,
  created_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cancellations_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT cancellations_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT cancellations_method_check CHECK (method IN ('by_days', 'fixed_schedule')),
  CONSTRAINT cancellations_reason_check CHECK (length(reason) BETWEEN 1 AND 500),
  CONSTRAINT cancellations_amounts_check CHECK (credit >= 0 AND allocated >= 0 AND left_as_credit >= 0 AND credit = allocated + left_as_credit)
);
--> statement-breakpoint
CREATE UNIQUE INDEX cancellations_request_key ON cancellations (firm_id, request_id);
--> statement-breakpoint
CREATE INDEX cancellations_firm_org_idx ON cancellations (firm_id, organisation_id, contact_external_id, created_at);
--> statement-breakpoint
ALTER TABLE cancellations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE cancellations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON cancellations USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON cancellations TO arcus_app;
