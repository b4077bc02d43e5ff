-- Mail from the client, not from Arcus (issue #17; docs/decisions/018-sender-identity.md).
--
-- One row per organisation: the address reminders come from on the client's own domain, a
-- footer, an uploaded logo (PNG or JPEG, base64, at most 256 KB, served at /brand/logo/<key>),
-- and the domain's DKIM key pair with the last DNS check. The sender name and reply-to stay in
-- reminder_settings. The private key is sealed with TOKEN_ENCRYPTION_KEY (AES-256-GCM bound to
-- the organisation and domain), like ledger tokens.
CREATE TABLE sender_identities (
  organisation_id uuid PRIMARY KEY,
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  from_address text,
  footer text NOT NULL DEFAULT '',
  logo_key text,
  logo_type text,
  logo_data text,
  domain text,
  dkim_selector text,
  dkim_public_key text,
  dkim_private_key_enc text,
  spf_status text NOT NULL DEFAULT 'unchecked',
  dkim_status text NOT NULL DEFAULT 'unchecked',
  dmarc_status text NOT NULL DEFAULT 'unchecked',
  checked_at timestamptz,
  verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sender_identities_status_check CHECK (
    spf_status IN ('unchecked', 'found', 'missing', 'mismatch', 'error')
    AND dkim_status IN ('unchecked', 'found', 'missing', 'mismatch', 'error')
    AND dmarc_status IN ('unchecked', 'found', 'missing', 'mismatch', 'error')
  ),
  CONSTRAINT sender_identities_logo_type_check CHECK (logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg')),
  CONSTRAINT sender_identities_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE UNIQUE INDEX sender_identities_logo_key ON sender_identities (logo_key) WHERE logo_key IS NOT NULL;
--> statement-breakpoint
CREATE INDEX sender_identities_firm_idx ON sender_identities (firm_id);
--> statement-breakpoint
ALTER TABLE sender_identities ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sender_identities FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON sender_identities USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON sender_identities TO arcus_app;
