-- The dashboard's customers part from per-customer state (issue #22, "Scale";
-- docs/decisions/064-customer-overdue-state.md).
--
-- customer_overdue holds, per organisation and listed customer (who the Customers list lists: live
-- customer contacts, live contacts with a counted invoice, ids on counted invoices with no live
-- contact as "Unknown contact …"), its figures at the organisation's state day (customer_overdue_orgs.as_of),
-- in the base currency's minor units, exactly the Customers list's SQL (customer-list-sql.ts) at that day:
-- - balance: Σ base balance at the day over counted invoices issued by it and not settled by it;
-- - overdue: the part of it on invoices past due at the day (day − due > 0; due = issue without one);
-- - open_invoices: how many of those invoices have a balance; oldest_due: the earliest due day among
--   the overdue ones with a balance;
-- - valid_until: the first day after the state day on which any of these can change with no new
--   data — an invoice's issue day, its due day + 1, a settlement day or its settled day, whichever
--   comes first after the state day over the invoices not settled by it; null when none.
-- customer_overdue_orgs holds the state day and the totals over the organisation's rows (customers,
-- open invoices). A read for a later day first recomputes the customers whose valid_until has come
-- (and any marked), so the figures are those of the read's day; a read for an earlier day uses the
-- Customers list's statement instead.
--
-- Maintenance: statement triggers on invoices and contacts mark the customer ids a change touched
-- (customer_overdue_pending); arcus_refresh_customer_overdue recomputes those customers at the
-- state day and clears the marks (the sync's finish step calls it, next to the rollups' refresh);
-- arcus_rebuild_customer_overdue builds an organisation from nothing at a given day (the first
-- dashboard read, a repair, a bulk load with the triggers off).
CREATE TABLE customer_overdue (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  balance bigint NOT NULL,
  overdue bigint NOT NULL,
  open_invoices integer NOT NULL,
  oldest_due date,
  valid_until date,
  CONSTRAINT customer_overdue_pkey PRIMARY KEY (firm_id, organisation_id, contact_external_id),
  CONSTRAINT customer_overdue_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
-- The dashboard's order (overdue, largest first, then compareNames: ASCII-folded name, name, id in
-- code points), over the customers with something overdue only: top ten = ten index entries.
CREATE INDEX customer_overdue_top_idx ON customer_overdue (firm_id, organisation_id, overdue DESC, lower(name), name, contact_external_id) WHERE overdue > 0;
--> statement-breakpoint
CREATE INDEX customer_overdue_valid_until_idx ON customer_overdue (firm_id, organisation_id, valid_until) WHERE valid_until IS NOT NULL;
--> statement-breakpoint
CREATE TABLE customer_overdue_orgs (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  as_of date NOT NULL,
  customers integer NOT NULL,
  open_invoices integer NOT NULL,
  CONSTRAINT customer_overdue_orgs_pkey PRIMARY KEY (firm_id, organisation_id),
  CONSTRAINT customer_overdue_orgs_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE customer_overdue_pending (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text COLLATE "C" NOT NULL,
  CONSTRAINT customer_overdue_pending_pkey PRIMARY KEY (firm_id, organisation_id, contact_external_id),
  CONSTRAINT customer_overdue_pending_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
ALTER TABLE customer_overdue ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE customer_overdue FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON customer_overdue USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_overdue TO arcus_app;
--> statement-breakpoint
ALTER TABLE customer_overdue_orgs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE customer_overdue_orgs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON customer_overdue_orgs USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_overdue_orgs TO arcus_app;
--> statement-breakpoint
ALTER TABLE customer_overdue_pending ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE customer_overdue_pending FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON customer_overdue_pending USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_overdue_pending TO arcus_app;
--> statement-breakpoint
-- The rows of the listed customers among p_exts (every customer when null) at p_day, as the
-- Customers list's statement computes them (COUNTED, balanceAt, days past due = day − due).
CREATE OR REPLACE FUNCTION arcus_customer_overdue_rows(p_firm uuid, p_org uuid, p_day date, p_exts text[])
RETURNS TABLE (contact_external_id text, name text, balance bigint, overdue bigint, open_invoices integer, oldest_due date, valid_until date)
LANGUAGE sql STABLE AS $$
  WITH inv AS MATERIALIZED (
    SELECT i.contact_external_id AS ext, i.issue_date, coalesce(i.due_date, i.issue_date) AS due, i.settled_on, i.settlement_days, i.base_settled_cum, i.base_total
    FROM invoices i
    WHERE i.firm_id = p_firm AND i.organisation_id = p_org
      AND (p_exts IS NULL OR i.contact_external_id = ANY (p_exts))
      AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0
  ),
  live AS MATERIALIZED (
    SELECT c.external_id AS ext, c.name, c.is_customer FROM contacts c
    WHERE c.firm_id = p_firm AND c.organisation_id = p_org AND c.deleted_at IS NULL AND c.status <> 'deleted'
      AND (p_exts IS NULL OR c.external_id = ANY (p_exts))
  ),
  listed AS (
    SELECT l.ext, l.name FROM live l WHERE l.is_customer OR EXISTS (SELECT 1 FROM inv WHERE inv.ext = l.ext)
    UNION ALL
    SELECT DISTINCT inv.ext, 'Unknown contact ' || inv.ext FROM inv WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.ext = inv.ext)
  ),
  o AS (
    SELECT inv.ext, sum(b.bal) AS ar, sum(b.bal) FILTER (WHERE b.pd > 0) AS overdue,
      count(*) FILTER (WHERE b.bal > 0) AS open, min(inv.due) FILTER (WHERE b.bal > 0 AND b.pd > 0) AS oldest_due
    FROM inv CROSS JOIN LATERAL (
      SELECT CASE WHEN inv.settled_on <= p_day THEN 0 WHEN coalesce(inv.settlement_days[1] > p_day, true) THEN inv.base_total
                  ELSE greatest(inv.base_total - inv.base_settled_cum[width_bucket(p_day, inv.settlement_days)], 0) END AS bal,
             p_day - inv.due AS pd
    ) b
    WHERE inv.issue_date <= p_day AND (inv.settled_on IS NULL OR inv.settled_on > p_day)
    GROUP BY 1
  ),
  v AS (
    SELECT inv.ext, min(x.d) AS valid_until
    FROM inv CROSS JOIN LATERAL unnest(ARRAY[inv.issue_date, inv.due + 1, inv.settled_on] || inv.settlement_days) AS x(d)
    WHERE (inv.settled_on IS NULL OR inv.settled_on > p_day) AND x.d > p_day
    GROUP BY 1
  )
  SELECT listed.ext, listed.name, coalesce(o.ar, 0)::bigint, coalesce(o.overdue, 0)::bigint, coalesce(o.open, 0)::integer, o.oldest_due, v.valid_until
  FROM listed LEFT JOIN o ON o.ext = listed.ext LEFT JOIN v ON v.ext = listed.ext
$$;
--> statement-breakpoint
-- Build one organisation's rows from nothing at p_day. Serialised per organisation with the refresh.
-- Runs as the caller (row-level security applies).
CREATE OR REPLACE FUNCTION arcus_rebuild_customer_overdue(p_firm uuid, p_org uuid, p_day date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('arcus_customer_overdue'), hashtext(p_org::text));
  DELETE FROM customer_overdue_pending WHERE firm_id = p_firm AND organisation_id = p_org;
  DELETE FROM customer_overdue WHERE firm_id = p_firm AND organisation_id = p_org;
  INSERT INTO customer_overdue (firm_id, organisation_id, contact_external_id, name, balance, overdue, open_invoices, oldest_due, valid_until)
  SELECT p_firm, p_org, r.* FROM arcus_customer_overdue_rows(p_firm, p_org, p_day, NULL) r;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO customer_overdue_orgs (firm_id, organisation_id, as_of, customers, open_invoices)
  SELECT p_firm, p_org, p_day, count(*), coalesce(sum(c.open_invoices), 0) FROM customer_overdue c WHERE c.firm_id = p_firm AND c.organisation_id = p_org
  ON CONFLICT (firm_id, organisation_id) DO UPDATE SET as_of = EXCLUDED.as_of, customers = EXCLUDED.customers, open_invoices = EXCLUDED.open_invoices;
  RETURN n;
END
$$;
--> statement-breakpoint
-- Bring one organisation's rows to p_day (the stored day when null): recompute the marked customers
-- and those whose valid_until has come, clear the marks, adjust the totals. Returns false (and
-- does nothing) when the organisation was never built or is built for a later day than p_day.
CREATE OR REPLACE FUNCTION arcus_refresh_customer_overdue(p_firm uuid, p_org uuid, p_day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_as_of date;
  v_day date;
  v_exts text[];
  old_n integer;
  old_open bigint;
  new_n integer;
  new_open bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('arcus_customer_overdue'), hashtext(p_org::text));
  SELECT as_of INTO v_as_of FROM customer_overdue_orgs WHERE firm_id = p_firm AND organisation_id = p_org;
  IF NOT FOUND OR v_as_of > p_day THEN
    RETURN false;
  END IF;
  v_day := coalesce(p_day, v_as_of);
  WITH gone AS (
    DELETE FROM customer_overdue_pending WHERE firm_id = p_firm AND organisation_id = p_org RETURNING contact_external_id
  )
  SELECT array_agg(DISTINCT x.ext) INTO v_exts FROM (
    SELECT g.contact_external_id AS ext FROM gone g
    UNION ALL
    SELECT c.contact_external_id FROM customer_overdue c WHERE c.firm_id = p_firm AND c.organisation_id = p_org AND c.valid_until <= v_day
  ) x;
  IF v_exts IS NOT NULL THEN
    WITH d AS (
      DELETE FROM customer_overdue c WHERE c.firm_id = p_firm AND c.organisation_id = p_org AND c.contact_external_id = ANY (v_exts) RETURNING c.open_invoices
    )
    SELECT count(*), coalesce(sum(d.open_invoices), 0) INTO old_n, old_open FROM d;
    WITH ins AS (
      INSERT INTO customer_overdue (firm_id, organisation_id, contact_external_id, name, balance, overdue, open_invoices, oldest_due, valid_until)
      SELECT p_firm, p_org, r.* FROM arcus_customer_overdue_rows(p_firm, p_org, v_day, v_exts) r
      RETURNING open_invoices
    )
    SELECT count(*), coalesce(sum(ins.open_invoices), 0) INTO new_n, new_open FROM ins;
    UPDATE customer_overdue_orgs SET as_of = v_day, customers = customers + new_n - old_n, open_invoices = open_invoices + new_open - old_open
    WHERE firm_id = p_firm AND organisation_id = p_org;
  ELSIF v_day <> v_as_of THEN
    UPDATE customer_overdue_orgs SET as_of = v_day WHERE firm_id = p_firm AND organisation_id = p_org;
  END IF;
  RETURN true;
END
$$;
--> statement-breakpoint
-- The marks: every customer id on an inserted, updated or deleted invoice (old and new), and on an
-- inserted, updated or deleted contact. Only for organisations whose state was built.
CREATE OR REPLACE FUNCTION arcus_mark_customer_overdue_new() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'contacts' THEN
    INSERT INTO customer_overdue_pending (firm_id, organisation_id, contact_external_id)
    SELECT DISTINCT n.firm_id, n.organisation_id, n.external_id FROM arcus_new_rows n
    WHERE EXISTS (SELECT 1 FROM customer_overdue_orgs s WHERE s.firm_id = n.firm_id AND s.organisation_id = n.organisation_id)
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO customer_overdue_pending (firm_id, organisation_id, contact_external_id)
    SELECT DISTINCT n.firm_id, n.organisation_id, n.contact_external_id FROM arcus_new_rows n
    WHERE EXISTS (SELECT 1 FROM customer_overdue_orgs s WHERE s.firm_id = n.firm_id AND s.organisation_id = n.organisation_id)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arcus_mark_customer_overdue_old() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'contacts' THEN
    INSERT INTO customer_overdue_pending (firm_id, organisation_id, contact_external_id)
    SELECT DISTINCT o.firm_id, o.organisation_id, o.external_id FROM arcus_old_rows o
    WHERE EXISTS (SELECT 1 FROM customer_overdue_orgs s WHERE s.firm_id = o.firm_id AND s.organisation_id = o.organisation_id)
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO customer_overdue_pending (firm_id, organisation_id, contact_external_id)
    SELECT DISTINCT o.firm_id, o.organisation_id, o.contact_external_id FROM arcus_old_rows o
    WHERE EXISTS (SELECT 1 FROM customer_overdue_orgs s WHERE s.firm_id = o.firm_id AND s.organisation_id = o.organisation_id)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Updates: the old and the new customer of each row whose listing or figures can have moved.
CREATE OR REPLACE FUNCTION arcus_mark_customer_overdue_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'contacts' THEN
    INSERT INTO customer_overdue_pending (firm_id, organisation_id, contact_external_id)
    SELECT DISTINCT x.firm_id, x.organisation_id, x.ext FROM (
      SELECT o.firm_id, o.organisation_id, o.external_id AS ext FROM arcus_old_rows o JOIN arcus_new_rows n ON n.id = o.id
      WHERE (o.external_id, o.name, o.is_customer, o.status, o.deleted_at) IS DISTINCT FROM (n.external_id, n.name, n.is_customer, n.status, n.deleted_at)
      UNION ALL
      SELECT n.firm_id, n.organisation_id, n.external_id FROM arcus_old_rows o JOIN arcus_new_rows n ON n.id = o.id
      WHERE (o.external_id, o.name, o.is_customer, o.status, o.deleted_at) IS DISTINCT FROM (n.external_id, n.name, n.is_customer, n.status, n.deleted_at)
    ) x
    WHERE EXISTS (SELECT 1 FROM customer_overdue_orgs s WHERE s.firm_id = x.firm_id AND s.organisation_id = x.organisation_id)
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO customer_overdue_pending (firm_id, organisation_id, contact_external_id)
    SELECT DISTINCT x.firm_id, x.organisation_id, x.ext FROM (
      SELECT o.firm_id, o.organisation_id, o.contact_external_id AS ext FROM arcus_old_rows o JOIN arcus_new_rows n ON n.id = o.id
      WHERE (o.contact_external_id, o.status, o.total, o.base_total, o.issue_date, o.due_date, o.settled_on, o.settlement_days, o.base_settled_cum)
        IS DISTINCT FROM (n.contact_external_id, n.status, n.total, n.base_total, n.issue_date, n.due_date, n.settled_on, n.settlement_days, n.base_settled_cum)
      UNION ALL
      SELECT n.firm_id, n.organisation_id, n.contact_external_id FROM arcus_old_rows o JOIN arcus_new_rows n ON n.id = o.id
      WHERE (o.contact_external_id, o.status, o.total, o.base_total, o.issue_date, o.due_date, o.settled_on, o.settlement_days, o.base_settled_cum)
        IS DISTINCT FROM (n.contact_external_id, n.status, n.total, n.base_total, n.issue_date, n.due_date, n.settled_on, n.settlement_days, n.base_settled_cum)
    ) x
    WHERE EXISTS (SELECT 1 FROM customer_overdue_orgs s WHERE s.firm_id = x.firm_id AND s.organisation_id = x.organisation_id)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_customer_overdue_insert AFTER INSERT ON invoices REFERENCING NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_customer_overdue_new();
--> statement-breakpoint
CREATE TRIGGER invoices_customer_overdue_update AFTER UPDATE ON invoices REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_customer_overdue_update();
--> statement-breakpoint
CREATE TRIGGER invoices_customer_overdue_delete AFTER DELETE ON invoices REFERENCING OLD TABLE AS arcus_old_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_customer_overdue_old();
--> statement-breakpoint
CREATE TRIGGER contacts_customer_overdue_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_customer_overdue_new();
--> statement-breakpoint
CREATE TRIGGER contacts_customer_overdue_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS arcus_old_rows NEW TABLE AS arcus_new_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_customer_overdue_update();
--> statement-breakpoint
CREATE TRIGGER contacts_customer_overdue_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS arcus_old_rows FOR EACH STATEMENT EXECUTE FUNCTION arcus_mark_customer_overdue_old();
