-- A write-back's requested retry time (issue #19 follow-up; docs/decisions/063).
--
-- When an attempt ends with "later" (a ledger's Retry-After, the deferral back-off, a card refund
-- still pending at the payment provider), the engine releases the row to `pending` and its job
-- comes back after that delay. The sweep used to re-queue any pending row quiet for a minute, so
-- it ignored the delay: a pending card refund was re-run (and the provider polled) every minute.
-- next_attempt_at is the earliest time the sweep may pick the row up again; null = no delay asked.
-- Leasing the row clears it; an explicit request (a webhook, a staff retry) still runs at once.
ALTER TABLE writebacks ADD COLUMN next_attempt_at timestamptz;
