-- GDPR (issue #14): per-firm retention, debtor erasures that a re-sync respects, and a firm-wide,
-- append-only audit log. See server/privacy/README.md and docs/privacy.md.
--
-- Retention periods per firm, in days; null keeps the data for as long as the account exists.
CREATE TABLE privacy_settings (
  firm_id uuid PRIMARY KEY REFERENCES firms(id) ON DELETE CASCADE,
  email_body_days integer CHECK (email_body_days IS NULL OR email_body_days BETWEEN 30 AND 3650),
  activity_note_days integer CHECK (activity_note_days IS NULL OR activity_note_days BETWEEN 30 AND 3650),
  closed_debtor_days integer CHECK (closed_debtor_days IS NULL OR closed_debtor_days BETWEEN 30 AND 3650),
  last_run_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
-- One row per erased debtor (organisation, ledger contact id): the suppression marker. While it
-- exists the triggers below keep the contact's personal fields empty, whoever writes the row
-- (a sync's upsert included), and keep the debtor out of reminders.
CREATE TABLE privacy_erasures (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  -- debtor_request | retention | other
  reason text NOT NULL,
  -- What was kept and on which ground, in words (GDPR Art. 17(3)(b)).
  retained text NOT NULL,
  counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  requested_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A row's firm is its organisation's firm (migration 0011).
  FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE UNIQUE INDEX privacy_erasures_org_contact_key ON privacy_erasures (organisation_id, contact_external_id);
--> statement-breakpoint
CREATE INDEX privacy_erasures_firm_idx ON privacy_erasures (firm_id, created_at);
--> statement-breakpoint
-- Who did what in the firm. Append-only: the app role may INSERT and SELECT, never UPDATE or
-- DELETE, and a trigger refuses both to everyone else too, except rows going with their firm
-- (the cascade of a closed account's `firms` row).
CREATE TABLE audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid,
  actor_user_id uuid,
  actor_name text NOT NULL DEFAULT '',
  -- user | system | debtor
  actor_type text NOT NULL,
  action text NOT NULL,
  summary text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX audit_log_firm_created_idx ON audit_log (firm_id, created_at);
--> statement-breakpoint
-- Forced row-level security with the firm policy of migration 0009, in the once-per-statement form of 0011.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['privacy_settings', 'privacy_erasures', 'audit_log']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS firm_isolation ON %I', t);
    EXECUTE format(
      'CREATE POLICY firm_isolation ON %I USING (firm_id = (SELECT nullif(current_setting(''app.firm_id'', true), '''')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting(''app.firm_id'', true), '''')::uuid))',
      t
    );
  END LOOP;
END
$$;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_settings, privacy_erasures TO arcus_app;
--> statement-breakpoint
REVOKE ALL ON audit_log FROM arcus_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit_log TO arcus_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A cascade from the firm's own row (depth > 1: fired by the foreign key's action) may remove it.
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate();
--> statement-breakpoint
-- ---- erasure suppression: whoever writes, an erased debtor's personal fields stay empty --------
CREATE OR REPLACE FUNCTION privacy_erased_label(p_org uuid, p_contact text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'Erased customer ' || upper(substr(replace(e.id::text, '-', ''), 1, 6))
  FROM privacy_erasures e WHERE e.organisation_id = p_org AND e.contact_external_id = p_contact
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION privacy_suppress_contact() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  label text := privacy_erased_label(NEW.organisation_id, NEW.external_id);
BEGIN
  IF label IS NOT NULL THEN
    NEW.name := label;
    NEW.first_name := NULL;
    NEW.last_name := NULL;
    NEW.emails := '[]'::jsonb;
    NEW.phones := '[]'::jsonb;
    NEW.addresses := '[]'::jsonb;
    NEW.raw := NULL;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER privacy_suppress_contact BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION privacy_suppress_contact();
--> statement-breakpoint
-- Ledger documents of an erased debtor keep their amounts; the ledger's raw payload (which names
-- the contact) is not stored.
CREATE OR REPLACE FUNCTION privacy_suppress_document_raw() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.raw IS NOT NULL AND NEW.contact_external_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM privacy_erasures e WHERE e.organisation_id = NEW.organisation_id AND e.contact_external_id = NEW.contact_external_id) THEN
    NEW.raw := NULL;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER privacy_suppress_raw BEFORE INSERT OR UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION privacy_suppress_document_raw();
--> statement-breakpoint
CREATE TRIGGER privacy_suppress_raw BEFORE INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION privacy_suppress_document_raw();
--> statement-breakpoint
CREATE TRIGGER privacy_suppress_raw BEFORE INSERT OR UPDATE ON credit_notes FOR EACH ROW EXECUTE FUNCTION privacy_suppress_document_raw();
--> statement-breakpoint
-- Xero overpayments and prepayments (migration 0012), where that migration has created them.
DO $$
BEGIN
  IF to_regclass('public.prepayments') IS NOT NULL THEN
    CREATE TRIGGER privacy_suppress_raw BEFORE INSERT OR UPDATE ON prepayments FOR EACH ROW EXECUTE FUNCTION privacy_suppress_document_raw();
  END IF;
END
$$;
--> statement-breakpoint
-- No reminders to an erased debtor: always excluded, never an address set in Arcus.
CREATE OR REPLACE FUNCTION privacy_suppress_reminder_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM privacy_erasures e WHERE e.organisation_id = NEW.organisation_id AND e.contact_external_id = NEW.contact_external_id) THEN
    NEW.excluded := true;
    NEW.recipients := NULL;
    NEW.pause_reason := 'Personal data erased';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER privacy_suppress_reminder_customer BEFORE INSERT OR UPDATE ON reminder_customers FOR EACH ROW EXECUTE FUNCTION privacy_suppress_reminder_customer();
--> statement-breakpoint
-- An unsubscribe address of an erased debtor is not kept (the debtor is excluded instead).
CREATE OR REPLACE FUNCTION privacy_suppress_unsubscribe() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM privacy_erasures e WHERE e.organisation_id = NEW.organisation_id AND e.contact_external_id = NEW.contact_external_id) THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER privacy_suppress_unsubscribe BEFORE INSERT ON reminder_unsubscribes FOR EACH ROW EXECUTE FUNCTION privacy_suppress_unsubscribe();
--> statement-breakpoint
-- ---- the audit log, fed by what the app already records -----------------------------------------
-- Sign-ins, approvals and rejections of write-backs, connections and their removal, organisation
-- settings: these are written as activities by their features; the audit log keeps its own copy,
-- which the activity's later retention or de-identification does not touch.
CREATE OR REPLACE FUNCTION audit_from_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log (firm_id, organisation_id, actor_user_id, actor_name, actor_type, action, summary, details, created_at)
  VALUES (
    NEW.firm_id, NEW.organisation_id, NEW.actor_user_id,
    coalesce((SELECT u.name FROM users u WHERE u.id = NEW.actor_user_id), ''),
    NEW.actor_type, NEW.kind, NEW.summary,
    jsonb_strip_nulls(jsonb_build_object('activityId', NEW.id, 'writebackId', NEW.details->>'writebackId')),
    NEW.created_at
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_from_activity AFTER INSERT ON activities FOR EACH ROW
  WHEN (NEW.kind IN ('auth.sign_in', 'writeback.approved', 'writeback.rejected', 'organisation.connected', 'organisation.disconnected', 'organisation.data_deleted', 'organisation.settings_changed'))
  EXECUTE FUNCTION audit_from_activity();
--> statement-breakpoint
-- Members and roles (no screen changes roles yet; whoever does, it is recorded).
CREATE OR REPLACE FUNCTION audit_from_membership() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- A membership going with its firm (account closure) is not recorded: the log goes too.
    IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;
    who := coalesce((SELECT u.name FROM users u WHERE u.id = OLD.user_id), 'a user');
    INSERT INTO audit_log (firm_id, actor_type, action, summary, details)
    VALUES (OLD.firm_id, 'system', 'member.removed', who || ' was removed from the firm', jsonb_build_object('userId', OLD.user_id, 'role', OLD.role::text));
    RETURN NULL;
  END IF;
  who := coalesce((SELECT u.name FROM users u WHERE u.id = NEW.user_id), 'a user');
  IF TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (firm_id, actor_type, action, summary, details)
    VALUES (NEW.firm_id, 'system', 'member.added', who || ' joined the firm as ' || NEW.role::text, jsonb_build_object('userId', NEW.user_id, 'role', NEW.role::text));
  ELSIF NEW.role IS DISTINCT FROM OLD.role THEN
    INSERT INTO audit_log (firm_id, actor_type, action, summary, details)
    VALUES (NEW.firm_id, 'system', 'member.role_changed', who || '’s role changed from ' || OLD.role::text || ' to ' || NEW.role::text, jsonb_build_object('userId', NEW.user_id, 'from', OLD.role::text, 'to', NEW.role::text));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_from_membership AFTER INSERT OR UPDATE OR DELETE ON memberships FOR EACH ROW EXECUTE FUNCTION audit_from_membership();
--> statement-breakpoint
-- The firm's own settings (collection policy, reporting currency, exchange-rate options).
CREATE OR REPLACE FUNCTION audit_from_firm() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.settings IS DISTINCT FROM OLD.settings OR NEW.name IS DISTINCT FROM OLD.name OR NEW.reporting_currency IS DISTINCT FROM OLD.reporting_currency THEN
    INSERT INTO audit_log (firm_id, actor_type, action, summary, details)
    VALUES (NEW.id, 'system', 'firm.settings_changed', 'Firm settings changed',
      jsonb_build_object('changed', (SELECT coalesce(jsonb_agg(k ORDER BY k), '[]'::jsonb) FROM (
        SELECT key AS k FROM jsonb_each(NEW.settings) n WHERE n.value IS DISTINCT FROM OLD.settings->n.key
        UNION SELECT key FROM jsonb_each(OLD.settings) o WHERE NOT (NEW.settings ? o.key)
        UNION SELECT 'name' WHERE NEW.name IS DISTINCT FROM OLD.name
        UNION SELECT 'reportingCurrency' WHERE NEW.reporting_currency IS DISTINCT FROM OLD.reporting_currency) c)));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_from_firm AFTER UPDATE ON firms FOR EACH ROW EXECUTE FUNCTION audit_from_firm();
