-- Settings that carry across clients (issue #17; docs/decisions/028-firm-defaults-and-overrides.md).
--
-- A firm default per setting group lives in firms.settings (late fees, discounts and the approval
-- threshold where they always were, under `collections`; the sending window and the client-approval
-- policy under `defaults`). One organisation may override a group: its value is a row here (the
-- client-approval policy keeps its own table, client_approval_policies, whose rows are its overrides).
-- Effective setting = the organisation's override when there is one, else the firm default.
CREATE TABLE setting_overrides (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  setting_group text NOT NULL,
  value jsonb NOT NULL,
  updated_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT setting_overrides_pkey PRIMARY KEY (organisation_id, firm_id, setting_group),
  CONSTRAINT setting_overrides_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT setting_overrides_group_check CHECK (setting_group IN ('lateFees', 'earlyDiscount', 'approvalThreshold', 'sendingWindow'))
);
--> statement-breakpoint
ALTER TABLE setting_overrides ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE setting_overrides FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON setting_overrides USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON setting_overrides TO arcus_app;
--> statement-breakpoint
-- Today's sending windows carry over: the firm default is the built-in window (09:00–17:00, Monday
-- to Friday) every organisation without its own row already had; an organisation whose saved window
-- differs from it keeps that window as its override. Behaviour is unchanged.
INSERT INTO setting_overrides (firm_id, organisation_id, setting_group, value, updated_at)
SELECT firm_id, organisation_id, 'sendingWindow',
       jsonb_build_object('startMinute', window_start_minute, 'endMinute', window_end_minute, 'businessDays', to_jsonb(business_days)),
       updated_at
FROM reminder_settings
WHERE window_start_minute <> 540 OR window_end_minute <> 1020 OR business_days <> ARRAY[1,2,3,4,5]::integer[]
ON CONFLICT DO NOTHING;
