-- Tasks and action plans (issue #17, "The firm's practice"; docs/decisions/025-tasks-and-action-plans.md).
--
-- A follow-up becomes a task: a kind (call, review, follow-up), an assignee, a due day, a link to
-- a customer or one of its invoices, or (an action-plan step) to the organisation and one of its
-- targets; done or skipped with an outcome. collector_tasks is extended, not duplicated: every
-- follow-up already stored is a task of kind 'follow_up'.
--
-- A target's owner is a membership (like organisation_owners): removing the member removes the
-- ownership. Steps belong to their target: deleting the target deletes its steps. Every new key
-- carries firm_id (test/scale/firm-keys.test.ts).
ALTER TABLE collector_tasks ADD COLUMN kind text NOT NULL DEFAULT 'follow_up';
--> statement-breakpoint
ALTER TABLE collector_tasks ADD COLUMN outcome text;
--> statement-breakpoint
ALTER TABLE collector_tasks ADD COLUMN target_id uuid;
--> statement-breakpoint
ALTER TABLE collector_tasks ALTER COLUMN contact_external_id DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE collector_tasks ADD CONSTRAINT collector_tasks_kind_check CHECK (kind IN ('call', 'review', 'follow_up'));
--> statement-breakpoint
ALTER TABLE collector_tasks DROP CONSTRAINT collector_tasks_status_check;
--> statement-breakpoint
ALTER TABLE collector_tasks ADD CONSTRAINT collector_tasks_status_check CHECK (status IN ('open', 'done', 'skipped'));
--> statement-breakpoint
-- A task is on a customer (and maybe one of its invoices), or on the organisation as a step of a target.
ALTER TABLE collector_tasks ADD CONSTRAINT collector_tasks_link_check CHECK (contact_external_id IS NOT NULL OR target_id IS NOT NULL);
--> statement-breakpoint
CREATE UNIQUE INDEX targets_id_firm_key ON targets (id, firm_id);
--> statement-breakpoint
ALTER TABLE collector_tasks ADD CONSTRAINT collector_tasks_target_fk FOREIGN KEY (target_id, firm_id) REFERENCES targets(id, firm_id) ON DELETE CASCADE;
--> statement-breakpoint
CREATE INDEX collector_tasks_target_idx ON collector_tasks (firm_id, target_id) WHERE target_id IS NOT NULL;
--> statement-breakpoint
CREATE TABLE target_owners (
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  target_id uuid NOT NULL,
  user_id uuid NOT NULL,
  assigned_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT target_owners_pkey PRIMARY KEY (firm_id, target_id),
  CONSTRAINT target_owners_target_fk FOREIGN KEY (target_id, firm_id) REFERENCES targets(id, firm_id) ON DELETE CASCADE,
  CONSTRAINT target_owners_membership_fk FOREIGN KEY (firm_id, user_id) REFERENCES memberships(firm_id, user_id) ON DELETE CASCADE
);
--> statement-breakpoint
ALTER TABLE target_owners ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE target_owners FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON target_owners USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON target_owners TO arcus_app;
