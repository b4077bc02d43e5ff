-- Two refinements of firm isolation (docs/decisions/007-firm-isolation.md).
--
-- 1. The policy reads the firm once per statement, not once per row. Written as a bare
--    expression, `current_setting('app.firm_id')` is a stable function call that a sequential
--    scan evaluates for every row it filters: the portfolio over 250k invoices spent a third of
--    its time there. Wrapped in a scalar subquery it becomes an InitPlan, computed once, and the
--    comparison is against a constant (an index condition where an index fits). Same meaning:
--    no firm set (or an empty one) matches nothing.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND p.polname = 'firm_isolation'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'firm_id' AND NOT a.attisdropped)
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP POLICY firm_isolation ON %I', t);
    EXECUTE format(
      'CREATE POLICY firm_isolation ON %I USING (firm_id = (SELECT nullif(current_setting(''app.firm_id'', true), '''')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting(''app.firm_id'', true), '''')::uuid))',
      t
    );
  END LOOP;
END
$$;
--> statement-breakpoint
DROP POLICY firm_isolation ON firms;
--> statement-breakpoint
CREATE POLICY firm_isolation ON firms USING (id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
-- 2. A row's firm is its organisation's firm, as a constraint. Row-level security already keeps a
--    firm from writing rows under another firm's id; this keeps any writer — the system scope
--    included (webhooks, schedule ticks, migrations) — from filing firm A's row under firm B's
--    organisation. Each single-column foreign key to organisations(id) on a table that also
--    carries firm_id becomes the composite key (organisation_id, firm_id) → organisations(id,
--    firm_id), with the same ON DELETE action. (The drizzle schema still declares the
--    single-column reference: drizzle only uses it for types, and later migrations are SQL.)
ALTER TABLE organisations ADD CONSTRAINT organisations_id_firm_unique UNIQUE (id, firm_id);
--> statement-breakpoint
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT con.conname, cl.relname AS tbl,
           CASE con.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete
    FROM pg_constraint con
    JOIN pg_class cl ON cl.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = cl.relnamespace
    WHERE con.contype = 'f' AND con.confrelid = 'organisations'::regclass AND n.nspname = 'public'
      AND array_length(con.conkey, 1) = 1
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = cl.oid AND a.attname = 'firm_id' AND NOT a.attisdropped)
      AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = cl.oid AND a.attnum = con.conkey[1]) = 'organisation_id'
    ORDER BY cl.relname
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.tbl, r.conname);
    EXECUTE format(
      'ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE %s',
      r.tbl, r.tbl || '_organisation_firm_fk', r.on_delete
    );
  END LOOP;
END
$$;
