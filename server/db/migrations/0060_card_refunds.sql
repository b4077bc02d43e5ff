-- card_refunds (issue #19, decision 055): money paid back to the card a debtor paid with through an
-- Arcus pay link or an autopay charge. One row per refund, created with the ledger `refund`
-- write-back it goes with (same transaction); its id is the provider's Idempotency-Key and is in the
-- refund's metadata, so a retried job never refunds twice. The ledger write waits for the provider
-- to confirm (writebacks/execute.ts). `debtor_notified_at` is claimed before the refund email.
CREATE TABLE card_refunds (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  writeback_id uuid NOT NULL,
  contact_external_id text NOT NULL,
  provider text NOT NULL,
  provider_payment_id text NOT NULL,
  checkout_id uuid,
  charge_attempt_id uuid,
  amount numeric(19, 4) NOT NULL,
  currency text NOT NULL,
  status text NOT NULL DEFAULT 'requested',
  provider_refund_id text,
  failure text,
  lease_until timestamptz,
  calls integer NOT NULL DEFAULT 0,
  succeeded_at timestamptz,
  debtor_notified_at timestamptz,
  created_by_user_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT card_refunds_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT card_refunds_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT card_refunds_status_check CHECK (status IN ('requested', 'refunding', 'pending', 'succeeded', 'failed')),
  CONSTRAINT card_refunds_amount_check CHECK (amount > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX card_refunds_writeback ON card_refunds (firm_id, writeback_id);
--> statement-breakpoint
CREATE INDEX card_refunds_payment_idx ON card_refunds (provider, provider_payment_id);
--> statement-breakpoint
CREATE UNIQUE INDEX card_refunds_provider_refund ON card_refunds (firm_id, provider, provider_refund_id) WHERE provider_refund_id IS NOT NULL;
--> statement-breakpoint
ALTER TABLE card_refunds ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE card_refunds FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON card_refunds USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON card_refunds TO arcus_app;
