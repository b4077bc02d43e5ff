-- The service's value (issue #18): baseline and gains, the monthly client report (server/reports/).
--
-- client_services: when a client's service started, the KPIs frozen then (3 and 6 months before
-- the start, as JSON written once by server/reports/service.ts) and the attribution window N
-- (docs/decisions/031-attribution-rule.md). One row per organisation.
-- client_report_sends: one row per (organisation, month) — the claim that makes the monthly email
-- go exactly once, whichever worker or re-run gets there first (server/reports/README.md).
CREATE TABLE client_services (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  start_date date NOT NULL,
  baseline jsonb NOT NULL,
  attribution_days integer NOT NULL DEFAULT 14,
  frozen_at timestamptz NOT NULL DEFAULT now(),
  set_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT client_services_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT client_services_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT client_services_attribution_days_check CHECK (attribution_days BETWEEN 0 AND 90)
);
--> statement-breakpoint
ALTER TABLE client_services ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE client_services FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON client_services USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON client_services TO arcus_app;
--> statement-breakpoint
CREATE TABLE client_report_sends (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  -- The report's month, 'YYYY-MM'.
  period text NOT NULL,
  status text NOT NULL DEFAULT 'sending',
  attempts integer NOT NULL DEFAULT 1,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  -- A 'sending' claim past its lease (its worker died) may be taken over; see the README.
  lease_until timestamptz,
  sent_at timestamptz,
  recipient_count integer NOT NULL DEFAULT 0,
  message_id text,
  error text,
  CONSTRAINT client_report_sends_pkey PRIMARY KEY (organisation_id, firm_id, period),
  CONSTRAINT client_report_sends_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT client_report_sends_period_check CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  CONSTRAINT client_report_sends_status_check CHECK (status IN ('sending', 'sent', 'no_recipients', 'failed'))
);
--> statement-breakpoint
ALTER TABLE client_report_sends ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE client_report_sends FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON client_report_sends USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON client_report_sends TO arcus_app;
