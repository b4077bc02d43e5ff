-- Issue #13 (QuickBooks half): an invoice's Deposit is a settlement (docs/decisions/013-qbo-settlements.md).
--
-- QuickBooks records money received when an invoice is raised as the invoice's own `Deposit`
-- (TotalAmt 52, Deposit 12, Balance 40): no payment or credit memo carries it. It is kept as a
-- column of the invoice and counted by the settlement summary as one more source, dated the
-- invoice's issue date. Voided invoices carry 0 (QBO zeroes them). Other QuickBooks settlements
-- need no schema: unapplied payments have no allocations, credit memos are applied through
-- payments (credit-note allocations `qbo-payment:…`, 0002).
ALTER TABLE "invoices" ADD COLUMN "deposit" numeric(19, 4) DEFAULT '0' NOT NULL;
--> statement-breakpoint
-- The settlement summary exactly as 0012 leaves it, plus the deposit branch. A change to the
-- function in 0012 must be carried here too: test/connectors/qbo-settlements.test.ts compares
-- the two definitions and fails when they drift apart.
CREATE OR REPLACE FUNCTION arcus_invoice_settlement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  total_minor bigint := (round(NEW.total, 2) * 100)::bigint;
  same boolean;
  days date[];
  cums bigint[];
  settled date := NULL;
  i integer;
BEGIN
  SELECT coalesce(o.base_currency = NEW.currency, true) INTO same FROM organisations o WHERE o.id = NEW.organisation_id;
  SELECT coalesce(array_agg(r.d ORDER BY r.d), '{}'::date[]), coalesce(array_agg(r.c ORDER BY r.d), '{}'::bigint[])
    INTO days, cums
  FROM (
    SELECT per_day.d, (sum(per_day.a) OVER (ORDER BY per_day.d))::bigint AS c
    FROM (
      SELECT x.date AS d, sum((round(x.amount, 2) * 100)::bigint) AS a
      FROM (
        SELECT pa.date, pa.amount
        FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
        WHERE pa.organisation_id = NEW.organisation_id AND pa.invoice_external_id = NEW.external_id AND p.status <> 'deleted'
        UNION ALL
        SELECT ca.date, ca.amount
        FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
        WHERE ca.organisation_id = NEW.organisation_id AND ca.invoice_external_id = NEW.external_id AND cn.status NOT IN ('draft', 'voided', 'deleted')
        UNION ALL
        SELECT xa.date, xa.amount
        FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
        WHERE xa.organisation_id = NEW.organisation_id AND xa.invoice_external_id = NEW.external_id AND x.status NOT IN ('voided', 'deleted')
        UNION ALL
        -- QuickBooks: the invoice's own Deposit, received on its issue date (0013).
        SELECT NEW.issue_date, NEW.deposit WHERE NEW.deposit <> 0
      ) x
      GROUP BY x.date
    ) per_day
  ) r;
  IF total_minor <= 0 THEN
    settled := NEW.issue_date;
  ELSE
    FOR i IN REVERSE coalesce(array_length(days, 1), 0) .. 1 LOOP
      EXIT WHEN total_minor - cums[i] > 0;
      settled := greatest(days[i], NEW.issue_date);
    END LOOP;
  END IF;
  NEW.settlement_days := days;
  NEW.settled_on := settled;
  IF same IS NOT FALSE THEN
    NEW.base_total := total_minor;
    NEW.base_settled_cum := cums;
  ELSE
    NEW.base_total := arcus_mul_rate(total_minor, NEW.currency_rate);
    NEW.base_settled_cum := coalesce((SELECT array_agg(arcus_mul_rate(u.c, NEW.currency_rate) ORDER BY u.n) FROM unnest(cums) WITH ORDINALITY AS u(c, n)), '{}'::bigint[]);
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- QuickBooks invoices synced before this migration keep the ledger's answer in `raw`: their
-- deposits are filled from it (the trigger recomputes each one's settlement), so no resync is needed.
UPDATE invoices i SET deposit = (i.raw->>'Deposit')::numeric
FROM organisations o
WHERE o.id = i.organisation_id AND o.provider = 'quickbooks' AND i.status <> 'voided'
  AND jsonb_typeof(i.raw->'Deposit') = 'number' AND (i.raw->>'Deposit')::numeric > 0;
