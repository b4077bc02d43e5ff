-- Hardening (issue #14). See docs/decisions/011-hardening.md.
--
-- 1. Write-backs: answers that only mean "later" (429, 503, a timeout) are counted apart from
--    the attempts meant for real failures; the count paces the back-off and never fails the row.
ALTER TABLE writebacks ADD COLUMN deferrals integer NOT NULL DEFAULT 0;
--> statement-breakpoint
-- 2. Sessions are stored under SHA-256 of their id (hex), never the id a browser presents
--    (server/db/session-store.ts). Existing rows are converted in place; a 64-hex-digit sid is
--    already a hash (this migration running over rows written by the new code).
UPDATE sessions SET sid = encode(sha256(convert_to(sid, 'UTF8')), 'hex') WHERE sid !~ '^[0-9a-f]{64}$';
