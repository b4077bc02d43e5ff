-- A collector's log (issue #15; docs/decisions/016-collector-log.md).
--
-- Notes and calls are activities (kinds 'note.added' and 'call.logged'), each with a `note`
-- write-back per invoice like promises and disputes. A call's next step is a follow-up task: a
-- person, a day and what to do, on a customer or one of its invoices, open until someone marks
-- it done.
CREATE TABLE collector_tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  firm_id uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  contact_id uuid,
  contact_external_id text NOT NULL,
  invoice_id uuid,
  -- The call (activity) whose next step this is.
  activity_id uuid,
  title text NOT NULL,
  due_on date NOT NULL,
  assigned_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'open',
  done_at timestamptz,
  done_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT collector_tasks_status_check CHECK (status IN ('open', 'done')),
  CONSTRAINT collector_tasks_org_fk FOREIGN KEY (organisation_id, firm_id) REFERENCES organisations(id, firm_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX collector_tasks_customer_idx ON collector_tasks (organisation_id, contact_external_id, status, due_on);
--> statement-breakpoint
CREATE INDEX collector_tasks_assignee_idx ON collector_tasks (firm_id, assigned_user_id, status, due_on);
--> statement-breakpoint
ALTER TABLE collector_tasks ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE collector_tasks FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY firm_isolation ON collector_tasks USING (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid)) WITH CHECK (firm_id = (SELECT nullif(current_setting('app.firm_id', true), '')::uuid));
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON collector_tasks TO arcus_app;
