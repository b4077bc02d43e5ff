-- An organisation's own returned-payment (NSF) fee (docs/decisions/056): a decision-028 settings
-- group, its overrides in setting_overrides like late fees and discounts.
ALTER TABLE setting_overrides DROP CONSTRAINT setting_overrides_group_check;
--> statement-breakpoint
ALTER TABLE setting_overrides ADD CONSTRAINT setting_overrides_group_check CHECK (setting_group IN ('lateFees', 'earlyDiscount', 'approvalThreshold', 'sendingWindow', 'returnedPaymentFee'));
