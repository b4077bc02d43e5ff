-- Reminder safety (issue #15; docs/decisions/014-reminder-safety.md).
--
-- 1. Per-organisation flood limits: at most `customer_daily_limit` reminders per customer per
--    local day (default 1), and a preview with a confirmation before a manual run that would send
--    more than `confirm_above` emails. `confirmed_at` is set by the first confirmed run: until
--    then scheduled runs send nothing. Organisations that already sent reminders count as confirmed.
ALTER TABLE reminder_settings ADD COLUMN customer_daily_limit integer NOT NULL DEFAULT 1;
--> statement-breakpoint
ALTER TABLE reminder_settings ADD COLUMN confirm_above integer NOT NULL DEFAULT 20;
--> statement-breakpoint
ALTER TABLE reminder_settings ADD COLUMN confirmed_at timestamptz;
--> statement-breakpoint
ALTER TABLE reminder_settings ADD CONSTRAINT reminder_settings_customer_daily_limit_range CHECK (customer_daily_limit BETWEEN 1 AND 10);
--> statement-breakpoint
ALTER TABLE reminder_settings ADD CONSTRAINT reminder_settings_confirm_above_range CHECK (confirm_above BETWEEN 0 AND 100000);
--> statement-breakpoint
UPDATE reminder_settings s SET confirmed_at = now()
  WHERE EXISTS (SELECT 1 FROM reminder_sends r WHERE r.organisation_id = s.organisation_id AND r.status = 'sent');
--> statement-breakpoint
-- 2. A confirmation: the plan a person previewed (the claim keys it would send), single use, for
--    a few minutes. The token is returned once; only its SHA-256 is kept.
CREATE TABLE reminder_run_confirmations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  token_hash text NOT NULL,
  send_keys jsonb NOT NULL DEFAULT '[]'::jsonb,
  email_count integer NOT NULL,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CONSTRAINT reminder_run_confirmations_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE UNIQUE INDEX reminder_run_confirmations_token_key ON reminder_run_confirmations (token_hash);
--> statement-breakpoint
CREATE INDEX reminder_run_confirmations_org_idx ON reminder_run_confirmations (organisation_id, created_at);
--> statement-breakpoint
ALTER TABLE reminder_run_confirmations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE reminder_run_confirmations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON reminder_run_confirmations USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON reminder_run_confirmations TO arcus_app;
--> statement-breakpoint
-- 3. Notes for one invoice on one day are written as one ledger note: the write-back that writes
--    it fixes its batch (itself and the waiting notes it took in) before its ledger call.
ALTER TABLE writebacks ADD COLUMN note_batch_id uuid;
--> statement-breakpoint
CREATE INDEX writebacks_pending_notes_idx ON writebacks (organisation_id, invoice_external_id) WHERE kind = 'note' AND status = 'pending';
