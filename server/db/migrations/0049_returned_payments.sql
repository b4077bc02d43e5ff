-- Returned payments and chargebacks (issue #19 "When money goes wrong"; server/returns/, docs/decisions/046).
--
-- returned_payments: one row per ledger payment that came back — a collector marked it returned, a
-- bank debit failed after Stripe had reported it paid (charge.failed), or the card holder disputed
-- it (charge.dispute.created). Unique per (organisation, ledger payment), so however it is reported,
-- and however often, the payment is reversed once. The row names the write-backs it asked for
-- (reverse the payment, the NSF fee, and for a chargeback won, the payment restored), the debtor's
-- notice (claimed once) and, for a chargeback, its lifecycle: opened → evidence_due → won / lost,
-- with Stripe's evidence deadline and the collector's task for it.
CREATE TABLE returned_payments (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  origin text NOT NULL,
  payment_external_id text NOT NULL,
  invoice_id uuid,
  invoice_external_id text NOT NULL,
  contact_external_id text,
  checkout_id uuid,
  amount numeric(19, 4) NOT NULL,
  currency text NOT NULL,
  payment_date date NOT NULL,
  reason text NOT NULL,
  provider_charge_id text,
  dispute_id text,
  dispute_status text,
  evidence_due_by timestamptz,
  task_id uuid,
  reverse_writeback_id uuid,
  fee_writeback_id uuid,
  restore_writeback_id uuid,
  debtor_notified_at timestamptz,
  created_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT returned_payments_pkey PRIMARY KEY (id, firm_id),
  CONSTRAINT returned_payments_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT returned_payments_origin_check CHECK (origin IN ('collector', 'bank_debit_failed', 'chargeback')),
  CONSTRAINT returned_payments_dispute_check CHECK (dispute_status IS NULL OR dispute_status IN ('opened', 'evidence_due', 'under_review', 'won', 'lost')),
  CONSTRAINT returned_payments_reason_check CHECK (length(reason) BETWEEN 1 AND 1000)
);
--> statement-breakpoint
CREATE UNIQUE INDEX returned_payments_payment_key ON returned_payments (organisation_id, firm_id, payment_external_id);
--> statement-breakpoint
CREATE UNIQUE INDEX returned_payments_dispute_key ON returned_payments (firm_id, dispute_id) WHERE dispute_id IS NOT NULL;
--> statement-breakpoint
CREATE INDEX returned_payments_firm_idx ON returned_payments (firm_id, organisation_id, created_at);
--> statement-breakpoint
ALTER TABLE returned_payments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE returned_payments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON returned_payments USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON returned_payments TO arcus_app;
