-- Opportunities (issue #18, server/opportunities/, docs/decisions/037-opportunities-and-benchmarks.md):
-- where the firm stands with pitching its managed service to each client organisation. One row per
-- organisation: 'pitched', 'won' or 'declined' (no row: not pitched yet), who set it, when, and a
-- note. Winning starts the client's service (client_services, migration 0035) in the same transaction.
-- The proposal tiers and the opportunity limits live in firms.settings under "opportunities".
CREATE TABLE opportunity_pitches (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  status text NOT NULL,
  note text NOT NULL DEFAULT '',
  set_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  set_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT opportunity_pitches_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT opportunity_pitches_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT opportunity_pitches_status_check CHECK (status IN ('pitched', 'won', 'declined')),
  CONSTRAINT opportunity_pitches_note_check CHECK (length(note) <= 1000)
);
--> statement-breakpoint
ALTER TABLE opportunity_pitches ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE opportunity_pitches FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON opportunity_pitches USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON opportunity_pitches TO arcus_app;
