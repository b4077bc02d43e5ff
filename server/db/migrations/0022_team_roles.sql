-- Team and roles (issue #17; docs/decisions/017-team-and-roles.md).
--
-- Two roles join admin, collector and viewer: manager (a collector who can also invite collectors
-- and viewers) and client_contact (a person at the client business: reads only the organisations
-- their membership is linked to). drizzle runs pending migrations in one transaction; PostgreSQL
-- 12+ and PGlite allow ADD VALUE there, but the new values cannot be *used* before it commits, so
-- nothing below names them (the audit trigger compares role::text at run time).
ALTER TYPE role ADD VALUE IF NOT EXISTS 'manager' BEFORE 'collector';
--> statement-breakpoint
ALTER TYPE role ADD VALUE IF NOT EXISTS 'client_contact';
--> statement-breakpoint
-- A client contact's organisations. The keys tie the link to a membership of the same firm and an
-- organisation of the same firm: no writer can link a member to another firm's organisation.
CREATE TABLE membership_organisations (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  organisation_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT membership_organisations_pkey PRIMARY KEY (firm_id, user_id, organisation_id),
  CONSTRAINT membership_organisations_membership_fk FOREIGN KEY (firm_id, user_id) REFERENCES memberships(firm_id, user_id) ON DELETE CASCADE,
  CONSTRAINT membership_organisations_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX membership_organisations_org_idx ON membership_organisations (organisation_id);
--> statement-breakpoint
-- Invitations: the token is a secret sent by email; only its SHA-256 is stored.
CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  email text NOT NULL,
  role role NOT NULL,
  organisation_ids uuid[] NOT NULL DEFAULT '{}'::uuid[],
  token_hash text NOT NULL,
  invited_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
  CONSTRAINT invitations_used_once CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
--> statement-breakpoint
CREATE INDEX invitations_firm_idx ON invitations (firm_id, created_at);
--> statement-breakpoint
-- One pending invitation per address and firm (inviting again replaces it).
CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (firm_id, lower(email)) WHERE accepted_at IS NULL AND revoked_at IS NULL;
--> statement-breakpoint
ALTER TABLE membership_organisations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE membership_organisations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON membership_organisations USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON membership_organisations TO arcus_app;
--> statement-breakpoint
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON invitations USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO arcus_app;
--> statement-breakpoint
-- Members in the audit log: roles in words (never the key), and when the application records the
-- change itself — with the person who made it — it sets app.audit_by_app for its transaction and
-- the trigger stands aside, so each change is one entry.
CREATE OR REPLACE FUNCTION audit_role_words(r text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE r WHEN 'admin' THEN 'an administrator' WHEN 'manager' THEN 'a manager' WHEN 'collector' THEN 'a collector'
    WHEN 'viewer' THEN 'a viewer' WHEN 'client_contact' THEN 'a client contact' ELSE 'a member' END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_from_membership() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who text;
BEGIN
  IF coalesce(current_setting('app.audit_by_app', true), '') = 'on' THEN RETURN NULL; END IF;
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
    VALUES (NEW.firm_id, 'system', 'member.added', who || ' joined the firm as ' || audit_role_words(NEW.role::text), jsonb_build_object('userId', NEW.user_id, 'role', NEW.role::text));
  ELSIF NEW.role IS DISTINCT FROM OLD.role THEN
    INSERT INTO audit_log (firm_id, actor_type, action, summary, details)
    VALUES (NEW.firm_id, 'system', 'member.role_changed', who || ' is now ' || audit_role_words(NEW.role::text) || ' (was ' || audit_role_words(OLD.role::text) || ')', jsonb_build_object('userId', NEW.user_id, 'from', OLD.role::text, 'to', NEW.role::text));
  END IF;
  RETURN NULL;
END
$$;
