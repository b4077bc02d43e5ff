-- The client in the loop (issue #17; docs/decisions/024-client-approvals.md).
--
-- Per organisation, the firm chooses which write-backs wait for a client contact's approval: late
-- fees, credits above an amount (in the organisation's currency), payment plans. A write-back so
-- covered carries needs_client_approval from the moment it is requested; it waits as
-- 'awaiting_client' (after the firm's own approval, when that is needed too) until a client
-- contact of its organisation approves (→ pending) or declines (→ cancelled, with the comment).
CREATE TABLE client_approval_policies (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  late_fees boolean NOT NULL DEFAULT false,
  -- null: credits do not wait for the client; 0: every credit does.
  credits_above numeric(19,4),
  payment_plans boolean NOT NULL DEFAULT false,
  updated_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT client_approval_policies_pkey PRIMARY KEY (organisation_id, firm_id),
  CONSTRAINT client_approval_policies_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT client_approval_policies_credits_above_check CHECK (credits_above IS NULL OR credits_above >= 0)
);
--> statement-breakpoint
ALTER TABLE client_approval_policies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE client_approval_policies FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON client_approval_policies USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON client_approval_policies TO arcus_app;
--> statement-breakpoint
-- Sign-in links by email: one per membership asked for; only SHA-256 of the token is stored.
-- Looked up by the hash before the firm is known (as the system), used once, short-lived.
CREATE TABLE sign_in_links (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  token_hash text NOT NULL,
  user_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sign_in_links_pkey PRIMARY KEY (firm_id, token_hash),
  CONSTRAINT sign_in_links_membership_fk FOREIGN KEY (firm_id, user_id) REFERENCES memberships(firm_id, user_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX sign_in_links_token_hash_idx ON sign_in_links (token_hash);
--> statement-breakpoint
CREATE INDEX sign_in_links_user_idx ON sign_in_links (firm_id, user_id, created_at);
--> statement-breakpoint
ALTER TABLE sign_in_links ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sign_in_links FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON sign_in_links USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_links TO arcus_app;
--> statement-breakpoint
ALTER TABLE writebacks ADD COLUMN needs_client_approval boolean NOT NULL DEFAULT false;
--> statement-breakpoint
ALTER TABLE writebacks ADD COLUMN client_decided_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL;
--> statement-breakpoint
ALTER TABLE writebacks ADD COLUMN client_decided_at timestamptz;
--> statement-breakpoint
ALTER TABLE writebacks ADD COLUMN client_decision_note text;
