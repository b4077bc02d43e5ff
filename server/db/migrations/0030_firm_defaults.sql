-- The client in the loop for reminders (issue #17; docs/decisions/024-client-approvals.md).
--
-- The per-organisation client-approval policy also covers reminders: the first reminder to a
-- customer who has never had one, and escalations (steps after the first). A covered send is
-- claimed as 'awaiting_client' (after a collector's approval when its step needs that) and waits
-- until a client contact of its organisation approves it (→ claimed, sent once) or declines it
-- (→ skipped 'declined_by_client', with the comment).
ALTER TABLE client_approval_policies ADD COLUMN first_reminders boolean NOT NULL DEFAULT false;
--> statement-breakpoint
ALTER TABLE client_approval_policies ADD COLUMN reminder_escalations boolean NOT NULL DEFAULT false;
--> statement-breakpoint
ALTER TABLE reminder_sends ADD COLUMN needs_client_approval boolean NOT NULL DEFAULT false;
--> statement-breakpoint
ALTER TABLE reminder_sends ADD COLUMN client_decided_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL;
--> statement-breakpoint
ALTER TABLE reminder_sends ADD COLUMN client_decided_at timestamptz;
--> statement-breakpoint
ALTER TABLE reminder_sends ADD COLUMN client_decision_note text;
