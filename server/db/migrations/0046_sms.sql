-- Texts and calls (issue #20; docs/decisions/043-texts-and-calls.md; integrations/sms/README.md).
--
-- sms_messages: every text Arcus sent for a reminder step (direction 'out', one per send: the
-- reminder_sends row is the claim, this row the provider's side: its id, its status from delivery
-- receipts, its error) and every text a debtor sent back (direction 'in': a STOP / START keyword
-- or a reply kept on the customer's timeline). Numbers are E.164. Deduplicated by the provider's
-- message id per firm, so a webhook posted twice is stored once.
-- sms_opt_outs: numbers that replied STOP, per organisation: no further text goes to them until
-- they reply START. Arcus data, kept across resyncs.
-- collector_tasks.send_id / script: a call step's task, at most one per reminder send.
CREATE TABLE sms_messages (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_external_id text,
  send_id uuid,
  direction text NOT NULL,
  number text NOT NULL,
  our_number text,
  body text NOT NULL DEFAULT '',
  segments integer,
  provider text NOT NULL,
  provider_message_id text,
  status text NOT NULL,
  error_code text,
  error text,
  keyword text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sms_messages_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT sms_messages_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT sms_messages_direction_check CHECK (direction IN ('out', 'in')),
  CONSTRAINT sms_messages_status_check CHECK (status IN ('sending', 'queued', 'sent', 'delivered', 'undelivered', 'failed', 'received')),
  CONSTRAINT sms_messages_keyword_check CHECK (keyword IS NULL OR keyword IN ('stop', 'start'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX sms_messages_send_key ON sms_messages (firm_id, send_id) WHERE send_id IS NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX sms_messages_provider_key ON sms_messages (firm_id, provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
--> statement-breakpoint
CREATE INDEX sms_messages_provider_id_idx ON sms_messages (provider_message_id);
--> statement-breakpoint
CREATE INDEX sms_messages_number_idx ON sms_messages (number, created_at);
--> statement-breakpoint
CREATE INDEX sms_messages_customer_idx ON sms_messages (firm_id, organisation_id, contact_external_id, created_at);
--> statement-breakpoint
ALTER TABLE sms_messages ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sms_messages FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON sms_messages USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_messages TO arcus_app;
--> statement-breakpoint
CREATE TABLE sms_opt_outs (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  number text NOT NULL,
  keyword text NOT NULL,
  message_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sms_opt_outs_pkey PRIMARY KEY (firm_id, organisation_id, number),
  CONSTRAINT sms_opt_outs_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
ALTER TABLE sms_opt_outs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sms_opt_outs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON sms_opt_outs USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_opt_outs TO arcus_app;
--> statement-breakpoint
ALTER TABLE collector_tasks ADD COLUMN send_id uuid;
--> statement-breakpoint
ALTER TABLE collector_tasks ADD COLUMN script text;
--> statement-breakpoint
CREATE UNIQUE INDEX collector_tasks_send_key ON collector_tasks (firm_id, send_id) WHERE send_id IS NOT NULL;
