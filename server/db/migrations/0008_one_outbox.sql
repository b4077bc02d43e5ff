-- One outbox (docs/decisions/006-writebacks.md): a sent reminder's ledger notes are `note`
-- write-backs, executed by the write-back engine. The reminder_notes table, its job and its
-- lease code go; its rows move into `writebacks`:
--   pending / writing -> pending   (a `writing` row's worker may have reached the ledger: the row
--                                   keeps its id, which is the idempotency key the old job used
--                                   and the key the engine uses for a note, so the ledger replays
--                                   it instead of adding the note twice)
--   failed            -> failed    (shown on the timeline with Retry, same key)
--   written           -> confirmed (history: the reminders outbox and each send's page show its
--                                   notes from `writebacks`, and every change Arcus made in a
--                                   ledger stays one row there)
-- The source key is the one server/reminders/note-text.ts `reminderNoteKey` builds, so a send
-- recorded again after the migration asks for the same rows instead of new ones.
INSERT INTO "writebacks" (
	"id", "firm_id", "organisation_id", "kind", "purpose", "source_key", "invoice_id", "invoice_external_id",
	"contact_id", "contact_external_id", "request", "status", "external_id", "note_text", "note_status",
	"attempts", "error", "requested_by", "created_at", "sent_at", "confirmed_at", "updated_at"
)
SELECT
	n."id", n."firm_id", n."organisation_id", 'note', 'reminder',
	'reminder_note:' || n."send_id"::text || ':' || n."invoice_external_id",
	i."id", n."invoice_external_id", c."id", s."contact_external_id",
	jsonb_build_object('invoiceExternalId', n."invoice_external_id", 'text', n."text"),
	CASE n."status" WHEN 'written' THEN 'confirmed' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
	CASE WHEN n."status" = 'written' THEN n."invoice_external_id" END,
	n."text",
	CASE WHEN n."status" = 'written' THEN 'written' ELSE 'pending' END,
	CASE WHEN n."status" IN ('written', 'failed') THEN n."attempts" ELSE 0 END,
	n."error", 'system', n."created_at",
	CASE WHEN n."status" = 'written' THEN coalesce(n."written_at", n."created_at") END,
	CASE WHEN n."status" = 'written' THEN coalesce(n."written_at", n."created_at") END,
	CASE WHEN n."status" = 'written' THEN coalesce(n."written_at", n."created_at") ELSE n."created_at" END
FROM "reminder_notes" n
JOIN "reminder_sends" s ON s."id" = n."send_id"
LEFT JOIN "invoices" i ON i."organisation_id" = n."organisation_id" AND i."external_id" = n."invoice_external_id"
LEFT JOIN "contacts" c ON c."organisation_id" = n."organisation_id" AND c."external_id" = s."contact_external_id"
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- The request entry each carried note would have had on the activity timeline (the words of
-- `noteSummary`); written history needs none (the reminder's own entry is there, and the
-- timeline hides notes that went through).
INSERT INTO "activities" ("firm_id", "organisation_id", "actor_type", "kind", "contact_id", "invoice_id", "summary", "details", "created_at")
SELECT
	w."firm_id", w."organisation_id", 'system', 'writeback.requested', w."contact_id", w."invoice_id",
	'Note on ' || coalesce(nullif(i."number", ''), 'the invoice') || ' in the ledger: '
		|| CASE WHEN s."subject_type" = 'customer' THEN 'overdue statement sent (reminder ' || s."step_number" || ')' ELSE 'reminder ' || s."step_number" || ' sent' END,
	jsonb_build_object('writebackId', w."id"::text, 'kind', 'note', 'purpose', 'reminder', 'amount', NULL, 'currency', NULL, 'contactExternalId', w."contact_external_id"),
	w."created_at"
FROM "reminder_notes" n
JOIN "writebacks" w ON w."id" = n."id" AND w."kind" = 'note'
JOIN "reminder_sends" s ON s."id" = n."send_id"
LEFT JOIN "invoices" i ON i."id" = w."invoice_id"
WHERE n."status" <> 'written';
--> statement-breakpoint
DROP TABLE "reminder_notes" CASCADE;
