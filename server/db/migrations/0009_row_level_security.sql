-- Firm isolation enforced by the database (docs/decisions/007-firm-isolation.md).
--
-- `arcus_app` is the role every firm-scoped query runs as (the app `SET LOCAL ROLE`s to it inside
-- each transaction, with `app.firm_id` set transaction-locally). It cannot log in, is not a
-- superuser and cannot bypass row-level security. Roles are cluster-wide: many databases on one
-- server (tests, CI) share it, so creating it tolerates another migration creating it first.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arcus_app') THEN
    CREATE ROLE arcus_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
-- The connecting role must be able to SET ROLE to it (a superuser always can).
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT arcus_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO arcus_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO arcus_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO arcus_app;
--> statement-breakpoint
-- Tables added by later migrations are granted too; each must add its own policy (a test checks).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO arcus_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO arcus_app;
--> statement-breakpoint
-- Sessions are read and written only by the session store, as the system: never by a firm.
REVOKE ALL ON TABLE sessions FROM arcus_app;
--> statement-breakpoint
-- Every table with a firm_id column: forced RLS, one policy for reads and writes. A transaction
-- with no firm set (or an empty one) matches nothing: reads return no rows, writes are refused.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
    WHERE c.table_schema = 'public' AND c.column_name = 'firm_id'
    ORDER BY c.table_name
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS firm_isolation ON %I', t);
    EXECUTE format(
      'CREATE POLICY firm_isolation ON %I USING (firm_id = nullif(current_setting(''app.firm_id'', true), '''')::uuid) WITH CHECK (firm_id = nullif(current_setting(''app.firm_id'', true), '''')::uuid)',
      t
    );
  END LOOP;
END
$$;
--> statement-breakpoint
-- The firm itself: a firm sees only its own row.
ALTER TABLE firms ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE firms FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON firms USING (id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (id = nullif(current_setting('app.firm_id', true), '')::uuid);
--> statement-breakpoint
-- Users belong to firms through memberships (themselves firm-scoped): a firm sees its members.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON users USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)) WITH CHECK (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id));
--> statement-breakpoint
-- Daily send counters are keyed by organisation (itself firm-scoped): visible through it.
ALTER TABLE reminder_daily_counts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE reminder_daily_counts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON reminder_daily_counts USING (EXISTS (SELECT 1 FROM organisations o WHERE o.id = reminder_daily_counts.organisation_id)) WITH CHECK (EXISTS (SELECT 1 FROM organisations o WHERE o.id = reminder_daily_counts.organisation_id));
