-- Letters and the interest the law allows (issue #20; docs/decisions/042).
--
-- statutory_rates: a firm's own rows of the reference-rate table (Bank of England base rate, ECB
-- main refinancing rate) over the built-in rows in server/collections/statutory.ts: a correction of
-- a built-in day, or a new rate. One row per (jurisdiction, day the rate took effect).
-- letter_batches: the letters of one organisation collected on one local day for printing; posted
-- once a collector confirms they went in the post.
-- letters: one letter to one customer (the invoices whose letter step is due), queued in a batch, or
-- blocked with the reason in words (no valid postal address), then sent once.
CREATE TABLE statutory_rates (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  jurisdiction text NOT NULL,
  effective_from date NOT NULL,
  rate text NOT NULL,
  updated_by_user_id uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT statutory_rates_pkey PRIMARY KEY (firm_id, jurisdiction, effective_from),
  CONSTRAINT statutory_rates_jurisdiction_check CHECK (jurisdiction IN ('uk', 'eu')),
  CONSTRAINT statutory_rates_rate_check CHECK (rate ~ '^\d{1,2}(\.\d{1,4})?$')
);
--> statement-breakpoint
ALTER TABLE statutory_rates ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE statutory_rates FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON statutory_rates USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON statutory_rates TO arcus_app;
--> statement-breakpoint
CREATE TABLE letter_batches (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  local_day date NOT NULL,
  status text NOT NULL DEFAULT 'open',
  created_at timestamptz NOT NULL DEFAULT now(),
  posted_at timestamptz,
  posted_by_user_id uuid,
  CONSTRAINT letter_batches_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT letter_batches_day_key UNIQUE (firm_id, organisation_id, local_day),
  CONSTRAINT letter_batches_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT letter_batches_status_check CHECK (status IN ('open', 'posted'))
);
--> statement-breakpoint
ALTER TABLE letter_batches ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE letter_batches FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON letter_batches USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON letter_batches TO arcus_app;
--> statement-breakpoint
CREATE TABLE letters (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  batch_id uuid,
  local_day date NOT NULL,
  contact_external_id text NOT NULL,
  customer_name text NOT NULL,
  -- [{ invoiceExternalId, stepKey }]: the (invoice, step) occurrences this letter carries.
  steps jsonb NOT NULL DEFAULT '[]'::jsonb,
  template_id text,
  -- The letter as printed (heading, paragraphs, address lines), fixed when it joined the batch.
  content jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL,
  blocked_reason text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT letters_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT letters_day_key UNIQUE (firm_id, organisation_id, contact_external_id, local_day),
  CONSTRAINT letters_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT letters_batch_fk FOREIGN KEY (batch_id, firm_id) REFERENCES letter_batches(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT letters_status_check CHECK (status IN ('queued', 'blocked', 'sent', 'replaced'))
);
--> statement-breakpoint
CREATE INDEX letters_batch_idx ON letters (batch_id);
--> statement-breakpoint
CREATE INDEX letters_org_status_idx ON letters (organisation_id, status);
--> statement-breakpoint
ALTER TABLE letters ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE letters FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON letters USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON letters TO arcus_app;
