-- More hardening (issue #14). See docs/decisions/011-hardening.md, "Pay-link tokens at rest".
--
-- Pay-link tokens are no longer stored. A token is base64url(HMAC-SHA256(pay-link key,
-- 'pay-link:v1:' || id || ':' || token_salt)), re-derived whenever a link is shown; the row keeps
-- the salt and SHA-256 of the token (hex) for the lookup. The key is the application's
-- (PAY_LINK_KEY, or derived from TOKEN_ENCRYPTION_KEY), so SQL cannot compute it: a link made
-- before this migration keeps working through `legacy_token_hash` (SHA-256 of the old token) and
-- gets a derived token of its own the next time it is shown (server/pay/links.ts).
ALTER TABLE pay_links ADD COLUMN token_salt text;
--> statement-breakpoint
ALTER TABLE pay_links ADD COLUMN token_hash text;
--> statement-breakpoint
ALTER TABLE pay_links ADD COLUMN legacy_token_hash text;
--> statement-breakpoint
UPDATE pay_links SET legacy_token_hash = encode(sha256(convert_to(token, 'UTF8')), 'hex');
--> statement-breakpoint
ALTER TABLE pay_links DROP COLUMN token;
--> statement-breakpoint
ALTER TABLE pay_links ADD CONSTRAINT pay_links_token_present CHECK (token_hash IS NOT NULL OR legacy_token_hash IS NOT NULL);
--> statement-breakpoint
ALTER TABLE pay_links ADD CONSTRAINT pay_links_salt_with_hash CHECK ((token_salt IS NULL) = (token_hash IS NULL));
--> statement-breakpoint
CREATE UNIQUE INDEX pay_links_token_hash_key ON pay_links (token_hash);
--> statement-breakpoint
CREATE UNIQUE INDEX pay_links_legacy_token_hash_key ON pay_links (legacy_token_hash);
--> statement-breakpoint
-- Reminders: the mail server's 250 is recorded by one UPDATE before anything else, so the window
-- in which a dead worker's message is sent again narrows to that one statement
-- (server/reminders/README.md, "What exactly once means here").
ALTER TABLE reminder_sends ADD COLUMN handoff jsonb;
