CREATE TABLE "customer_score_history" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"contact_external_id" text NOT NULL,
	"month" date NOT NULL,
	"score" integer NOT NULL,
	"segment" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"contact_id" uuid,
	"contact_external_id" text NOT NULL,
	"score" integer NOT NULL,
	"segment" text NOT NULL,
	"p_late" double precision NOT NULL,
	"settled_count" integer NOT NULL,
	"open_count" integer NOT NULL,
	"prior_weight" double precision NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"scored_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoice_scores" (
	"invoice_id" uuid PRIMARY KEY NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"contact_external_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount_due" numeric(19, 4) NOT NULL,
	"amount_due_base" numeric(19, 4) NOT NULL,
	"p_late" double precision NOT NULL,
	"predicted_date" date NOT NULL,
	"low_date" date NOT NULL,
	"high_date" date NOT NULL,
	"amount_at_risk" numeric(19, 4) NOT NULL,
	"pay_quantiles" double precision[] NOT NULL,
	"prior_weight" double precision NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"scored_on" date NOT NULL,
	"scored_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organisation_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scoring_cache" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"as_of" date NOT NULL,
	"fingerprint" text NOT NULL,
	"payload" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scoring_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"scope_key" text NOT NULL,
	"fitted_on" date NOT NULL,
	"fingerprint" text NOT NULL,
	"n_train" integer NOT NULL,
	"model" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customer_score_history" ADD CONSTRAINT "customer_score_history_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_scores" ADD CONSTRAINT "customer_scores_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_scores" ADD CONSTRAINT "invoice_scores_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_scores" ADD CONSTRAINT "invoice_scores_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_assignments" ADD CONSTRAINT "organisation_assignments_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_assignments" ADD CONSTRAINT "organisation_assignments_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_assignments" ADD CONSTRAINT "organisation_assignments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoring_cache" ADD CONSTRAINT "scoring_cache_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoring_models" ADD CONSTRAINT "scoring_models_firm_id_firms_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_score_history_key" ON "customer_score_history" USING btree ("organisation_id","contact_external_id","month");--> statement-breakpoint
CREATE UNIQUE INDEX "customer_scores_org_contact_key" ON "customer_scores" USING btree ("organisation_id","contact_external_id");--> statement-breakpoint
CREATE INDEX "customer_scores_firm_org_idx" ON "customer_scores" USING btree ("firm_id","organisation_id");--> statement-breakpoint
CREATE INDEX "invoice_scores_firm_org_idx" ON "invoice_scores" USING btree ("firm_id","organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "organisation_assignments_org_user_key" ON "organisation_assignments" USING btree ("organisation_id","user_id");--> statement-breakpoint
CREATE INDEX "organisation_assignments_firm_user_idx" ON "organisation_assignments" USING btree ("firm_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scoring_cache_org_kind_key" ON "scoring_cache" USING btree ("organisation_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "scoring_models_firm_scope_key" ON "scoring_models" USING btree ("firm_id","scope_key");