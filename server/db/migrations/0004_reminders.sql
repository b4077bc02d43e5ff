CREATE TABLE "mailbox_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid,
	"message_id" text,
	"envelope_from" text DEFAULT '' NOT NULL,
	"envelope_to" text[] DEFAULT '{}'::text[] NOT NULL,
	"from_text" text DEFAULT '' NOT NULL,
	"to_text" text DEFAULT '' NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"html" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"size" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_customers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"contact_external_id" text NOT NULL,
	"excluded" boolean DEFAULT false NOT NULL,
	"paused_until" date,
	"pause_reason" text,
	"segment" text,
	"recipients" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_daily_counts" (
	"organisation_id" uuid NOT NULL,
	"day" date NOT NULL,
	"count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_invoice_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"invoice_external_id" text NOT NULL,
	"excluded" boolean DEFAULT false NOT NULL,
	"paused_until" date,
	"reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"send_id" uuid NOT NULL,
	"invoice_external_id" text NOT NULL,
	"text" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"error" text,
	"written_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid,
	"scope" text NOT NULL,
	"scope_key" text NOT NULL,
	"segment" text,
	"contact_external_id" text,
	"name" text NOT NULL,
	"grouping" text DEFAULT 'invoice' NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_sends" (
	"id" uuid PRIMARY KEY NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"step_key" text NOT NULL,
	"parent_id" uuid,
	"contact_external_id" text NOT NULL,
	"invoice_external_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"policy_id" uuid,
	"template_id" uuid,
	"step_number" integer DEFAULT 1 NOT NULL,
	"step_offset" integer DEFAULT 0 NOT NULL,
	"channel" text DEFAULT 'email' NOT NULL,
	"approval" text DEFAULT 'auto' NOT NULL,
	"status" text NOT NULL,
	"skip_reason" text,
	"planned_for" date NOT NULL,
	"lease_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"quota_day" date,
	"message_id" text NOT NULL,
	"recipients" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"rejected" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"subject_line" text,
	"body_text" text,
	"body_html" text,
	"error" text,
	"claimed_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"approved_by" uuid,
	"approved_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_settings" (
	"organisation_id" uuid PRIMARY KEY NOT NULL,
	"firm_id" uuid NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"window_start_minute" integer DEFAULT 540 NOT NULL,
	"window_end_minute" integer DEFAULT 1020 NOT NULL,
	"business_days" integer[] DEFAULT '{1,2,3,4,5}'::integer[] NOT NULL,
	"daily_limit" integer DEFAULT 200 NOT NULL,
	"sender_name" text,
	"reply_to" text,
	"brand_colour" text DEFAULT '#1c7ed6' NOT NULL,
	"logo_url" text,
	"signature" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid,
	"name" text NOT NULL,
	"subject" text NOT NULL,
	"body_html" text NOT NULL,
	"body_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_unsubscribes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"contact_external_id" text NOT NULL,
	"address" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reminder_customers" ADD CONSTRAINT "reminder_customers_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_customers" ADD CONSTRAINT "reminder_customers_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_daily_counts" ADD CONSTRAINT "reminder_daily_counts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_invoice_holds" ADD CONSTRAINT "reminder_invoice_holds_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_invoice_holds" ADD CONSTRAINT "reminder_invoice_holds_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_notes" ADD CONSTRAINT "reminder_notes_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_notes" ADD CONSTRAINT "reminder_notes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_notes" ADD CONSTRAINT "reminder_notes_send_id_reminder_sends_id_fk" FOREIGN KEY ("send_id") REFERENCES "public"."reminder_sends"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_policies" ADD CONSTRAINT "reminder_policies_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_policies" ADD CONSTRAINT "reminder_policies_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_sends" ADD CONSTRAINT "reminder_sends_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_sends" ADD CONSTRAINT "reminder_sends_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_sends" ADD CONSTRAINT "reminder_sends_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_settings" ADD CONSTRAINT "reminder_settings_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_settings" ADD CONSTRAINT "reminder_settings_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_templates" ADD CONSTRAINT "reminder_templates_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_templates" ADD CONSTRAINT "reminder_templates_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_unsubscribes" ADD CONSTRAINT "reminder_unsubscribes_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_unsubscribes" ADD CONSTRAINT "reminder_unsubscribes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mailbox_messages_firm_received_idx" ON "mailbox_messages" USING btree ("firm_id","received_at");--> statement-breakpoint
CREATE INDEX "mailbox_messages_message_id_idx" ON "mailbox_messages" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_customers_org_contact_key" ON "reminder_customers" USING btree ("organisation_id","contact_external_id");--> statement-breakpoint
CREATE INDEX "reminder_customers_firm_idx" ON "reminder_customers" USING btree ("firm_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_daily_counts_key" ON "reminder_daily_counts" USING btree ("organisation_id","day");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_invoice_holds_org_invoice_key" ON "reminder_invoice_holds" USING btree ("organisation_id","invoice_external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_notes_send_invoice_key" ON "reminder_notes" USING btree ("send_id","invoice_external_id");--> statement-breakpoint
CREATE INDEX "reminder_notes_org_status_idx" ON "reminder_notes" USING btree ("organisation_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_policies_scope_key" ON "reminder_policies" USING btree ("firm_id","scope_key");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_sends_claim_key" ON "reminder_sends" USING btree ("firm_id","organisation_id","subject_type","subject_id","step_key");--> statement-breakpoint
CREATE INDEX "reminder_sends_org_status_idx" ON "reminder_sends" USING btree ("organisation_id","status");--> statement-breakpoint
CREATE INDEX "reminder_sends_org_claimed_idx" ON "reminder_sends" USING btree ("organisation_id","claimed_at");--> statement-breakpoint
CREATE INDEX "reminder_sends_parent_idx" ON "reminder_sends" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "reminder_sends_org_contact_idx" ON "reminder_sends" USING btree ("organisation_id","contact_external_id");--> statement-breakpoint
CREATE INDEX "reminder_templates_firm_idx" ON "reminder_templates" USING btree ("firm_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_unsubscribes_key" ON "reminder_unsubscribes" USING btree ("organisation_id","contact_external_id","address");