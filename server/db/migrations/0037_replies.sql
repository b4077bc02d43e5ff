-- Replies (issue #20; docs/decisions/032-replies-and-triage.md; server/replies/README.md).
--
-- reminder_sends.reply_token: a random id with no meaning, made by the database when the send is
-- claimed; the reminder's Reply-To is reply+<token>@<domain>, so a reply finds its send (and
-- through it its firm, organisation, customer and invoices) by one indexed lookup.
-- replies: every message of a customer's conversation — what the debtor wrote back (direction
-- 'in', with its kind: a person, an auto-reply or a bounce, and its triage) and what a collector
-- answered from Arcus ('out'). Deduplicated by Message-ID per firm: nothing is stored twice.
-- reply_attachments: what came with a reply, size-limited and type-checked before storing.
-- bounced_addresses: an address a delivery status notification said is bad (data quality).
ALTER TABLE reminder_sends ADD COLUMN reply_token text DEFAULT replace(gen_random_uuid()::text, '-', '');
--> statement-breakpoint
CREATE INDEX reminder_sends_reply_token_idx ON reminder_sends (reply_token);
--> statement-breakpoint
CREATE TABLE replies (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text,
  contact_id uuid,
  send_id uuid,
  direction text NOT NULL,
  kind text NOT NULL,
  matched_by text,
  message_id text NOT NULL,
  in_reply_to text,
  from_address text NOT NULL DEFAULT '',
  from_name text,
  to_address text NOT NULL DEFAULT '',
  subject text NOT NULL DEFAULT '',
  body_text text NOT NULL DEFAULT '',
  invoice_external_ids text[] NOT NULL DEFAULT '{}',
  triage jsonb,
  status text NOT NULL DEFAULT 'none',
  decided_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  decided_at timestamptz,
  author_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT replies_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT replies_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT replies_direction_check CHECK (direction IN ('in', 'out')),
  CONSTRAINT replies_kind_check CHECK (kind IN ('human', 'auto_reply', 'bounce', 'answer')),
  CONSTRAINT replies_status_check CHECK (status IN ('none', 'suggested', 'confirmed', 'dismissed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX replies_message_key ON replies (firm_id, message_id);
--> statement-breakpoint
CREATE INDEX replies_customer_idx ON replies (firm_id, organisation_id, contact_external_id, received_at);
--> statement-breakpoint
CREATE INDEX replies_waiting_idx ON replies (firm_id, status) WHERE status = 'suggested';
--> statement-breakpoint
ALTER TABLE replies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE replies FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON replies USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON replies TO arcus_app;
--> statement-breakpoint
CREATE TABLE reply_attachments (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  reply_id uuid NOT NULL,
  filename text NOT NULL,
  content_type text NOT NULL,
  size integer NOT NULL,
  content_base64 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT reply_attachments_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT reply_attachments_reply_fk FOREIGN KEY (reply_id, firm_id) REFERENCES replies(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX reply_attachments_reply_idx ON reply_attachments (firm_id, reply_id);
--> statement-breakpoint
ALTER TABLE reply_attachments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE reply_attachments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON reply_attachments USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON reply_attachments TO arcus_app;
--> statement-breakpoint
CREATE TABLE bounced_addresses (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  address text NOT NULL,
  status text,
  bounced_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT bounced_addresses_pkey PRIMARY KEY (organisation_id, firm_id, address),
  CONSTRAINT bounced_addresses_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
ALTER TABLE bounced_addresses ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE bounced_addresses FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON bounced_addresses USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON bounced_addresses TO arcus_app;
