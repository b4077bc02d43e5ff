-- The worklist ranked by PostgreSQL (issue #22, "Scale"; docs/decisions/070-worklist-in-sql.md).
--
-- The ranking statement (server/scoring/worklist-sql.ts) reads an organisation's activities that
-- can put an invoice "in motion" (in-motion.ts: promises, disputes and their resolutions, plans
-- and their ends, reminders, contacts, calls). Disputes and plans stay live until ended, so their
-- rows are read whatever their age: without an index on the kind that meant every activity the
-- organisation ever had (sync runs, sign-ins, notes). A partial index holds the motion kinds only.
CREATE INDEX activities_firm_org_motion_idx ON activities (firm_id, organisation_id, created_at)
  WHERE kind IN ('promise.recorded', 'invoice.disputed', 'dispute.resolved', 'plan.created', 'plan.ended', 'reminder.sent', 'contact.contacted', 'call.logged');--> statement-breakpoint
-- A page's customers are then read with their open scored invoices only (not the organisation's).
CREATE INDEX invoice_scores_firm_org_contact_idx ON invoice_scores (firm_id, organisation_id, contact_external_id);
