-- Pay URLs at rest (server/pay/url-at-rest.ts, docs/decisions/011): copies of a pay link kept
-- before this migration lose their token, so a copy of the database hands out no working link.
-- A token is 43 base64url characters after /pay/. The pay_link write-backs that carried the URL
-- now name their link row; the URL is derived again when the write-back runs.
UPDATE writebacks w SET request = jsonb_build_object('payLinkId', l.id::text)
  FROM pay_links l
  WHERE w.kind = 'pay_link' AND w.request ? 'url' AND l.firm_id = w.firm_id AND l.organisation_id = w.organisation_id AND l.invoice_id = w.invoice_id;
--> statement-breakpoint
UPDATE writebacks SET result = regexp_replace(result::text, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g')::jsonb
  WHERE result::text ~ '/pay/[A-Za-z0-9_-]{43}';
--> statement-breakpoint
UPDATE writebacks SET request = regexp_replace(request::text, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g')::jsonb
  WHERE status IN ('confirmed', 'failed', 'rejected', 'cancelled') AND request::text ~ '/pay/[A-Za-z0-9_-]{43}';
--> statement-breakpoint
UPDATE reminder_sends SET
    body_text = regexp_replace(body_text, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g'),
    body_html = regexp_replace(body_html, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g')
  WHERE body_text ~ '/pay/[A-Za-z0-9_-]{43}' OR body_html ~ '/pay/[A-Za-z0-9_-]{43}';
--> statement-breakpoint
UPDATE activities SET details = regexp_replace(details::text, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g')::jsonb
  WHERE details::text ~ '/pay/[A-Za-z0-9_-]{43}';
--> statement-breakpoint
UPDATE invoices SET
    url = regexp_replace(url, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g'),
    raw = CASE WHEN raw IS NULL THEN NULL ELSE regexp_replace(raw::text, '/pay/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', '/pay/link-hidden', 'g')::jsonb END
  WHERE url ~ '/pay/[A-Za-z0-9_-]{43}';
