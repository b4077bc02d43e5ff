-- Assignment (issue #17, "The firm's practice"; docs/decisions/023-assignment-and-my-work.md).
--
-- Each organisation has an owner (an administrator or a manager of the firm) and each customer
-- (a ledger contact, by its external id) an assigned collector. Both refer to the membership,
-- not the user: removing someone from the firm removes what they own and are assigned. Every key
-- carries firm_id (test/scale/firm-keys.test.ts), so no row can tie a member of one firm to
-- another firm's organisation.
CREATE TABLE organisation_owners (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  user_id uuid NOT NULL,
  assigned_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT organisation_owners_pkey PRIMARY KEY (firm_id, organisation_id),
  CONSTRAINT organisation_owners_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT organisation_owners_membership_fk FOREIGN KEY (firm_id, user_id) REFERENCES memberships(firm_id, user_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE customer_assignments (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  user_id uuid NOT NULL,
  assigned_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customer_assignments_pkey PRIMARY KEY (firm_id, organisation_id, contact_external_id),
  CONSTRAINT customer_assignments_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT customer_assignments_membership_fk FOREIGN KEY (firm_id, user_id) REFERENCES memberships(firm_id, user_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX customer_assignments_user_idx ON customer_assignments (firm_id, user_id);
--> statement-breakpoint
ALTER TABLE organisation_owners ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE organisation_owners FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON organisation_owners USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON organisation_owners TO arcus_app;
--> statement-breakpoint
ALTER TABLE customer_assignments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE customer_assignments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON customer_assignments USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_assignments TO arcus_app;
