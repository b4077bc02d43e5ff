-- Bought in the Xero App Store (issue #16; docs/decisions/019-app-store-billing.md).
--
-- A subscription read from the App Store API and the firm it pays for (linked once the firm has
-- connected the Xero organisation the subscription names), each subscription webhook event stored
-- once, and the metered usage reported once per subscription and period.
CREATE TABLE app_store_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid REFERENCES firms(id) ON DELETE SET NULL,
  subscription_id text NOT NULL,
  xero_organisation_id text NOT NULL,
  status text NOT NULL,
  plan_name text NOT NULL,
  metered_item_id text,
  start_date timestamptz NOT NULL,
  current_period_end timestamptz NOT NULL,
  end_date timestamptz,
  test_mode boolean NOT NULL DEFAULT false,
  refreshed_at timestamptz NOT NULL,
  linked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE UNIQUE INDEX app_store_subscriptions_subscription_key ON app_store_subscriptions (subscription_id);
--> statement-breakpoint
CREATE INDEX app_store_subscriptions_firm_idx ON app_store_subscriptions (firm_id);
--> statement-breakpoint
CREATE INDEX app_store_subscriptions_org_idx ON app_store_subscriptions (xero_organisation_id);
--> statement-breakpoint
CREATE TABLE app_store_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id text NOT NULL,
  subscription_id text NOT NULL,
  firm_id uuid REFERENCES firms(id) ON DELETE SET NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
--> statement-breakpoint
CREATE UNIQUE INDEX app_store_events_event_key ON app_store_events (event_id);
--> statement-breakpoint
CREATE TABLE app_store_usage_reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  subscription_id text NOT NULL,
  subscription_item_id text NOT NULL,
  period_end timestamptz NOT NULL,
  quantity integer NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  claimed_at timestamptz,
  reported_at timestamptz,
  usage_record_id text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT app_store_usage_reports_status_check CHECK (status IN ('pending', 'reported')),
  CONSTRAINT app_store_usage_reports_quantity_check CHECK (quantity >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX app_store_usage_reports_period_key ON app_store_usage_reports (subscription_id, period_end);
--> statement-breakpoint
ALTER TABLE app_store_subscriptions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE app_store_subscriptions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON app_store_subscriptions USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
ALTER TABLE app_store_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE app_store_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON app_store_events USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
ALTER TABLE app_store_usage_reports ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE app_store_usage_reports FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON app_store_usage_reports USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT ON app_store_subscriptions TO arcus_app;
--> statement-breakpoint
GRANT SELECT ON app_store_events TO arcus_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON app_store_usage_reports TO arcus_app;
