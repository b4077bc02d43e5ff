/**
 * Pay URLs at rest, pure. A pay link's token is never stored (link-tokens.ts): it is re-derived
 * from the row whenever the link is shown. Copies of the URL that Arcus would otherwise keep — the
 * body of a reminder as it was sent, the activity of a link emailed by hand, the invoice's `Url` as
 * the ledger syncs it back, the document a write-back read back — keep the URL with its token
 * replaced by HIDDEN, so a copy of the database hands out no working link (docs/decisions/011).
 *
 * A token is 43 base64url characters after `/pay/`; nothing else in those texts has that shape.
 */
export const HIDDEN_PAY_TOKEN = 'link-hidden';

const TOKEN_IN_TEXT = /\/pay\/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

/** `text` with every pay-link token replaced by HIDDEN_PAY_TOKEN. */
export function maskPayTokens(text: string): string;
export function maskPayTokens(text: string | null): string | null;
export function maskPayTokens(text: string | null): string | null {
  if (text === null || !text.includes('/pay/')) return text;
  return text.replace(TOKEN_IN_TEXT, `/pay/${HIDDEN_PAY_TOKEN}`);
}

/** A JSON value with every string masked (objects and arrays copied only where something changed). */
export function maskPayTokensIn<T>(value: T): T {
  if (typeof value === 'string') return maskPayTokens(value) as T;
  if (Array.isArray(value)) {
    const out = value.map(maskPayTokensIn);
    return (out.some((v, i) => v !== value[i]) ? out : value) as T;
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = maskPayTokensIn(v);
      if (out[k] !== v) changed = true;
    }
    return (changed ? out : value) as T;
  }
  return value;
}

/** A URL whose token was hidden at rest: it no longer leads anywhere. */
export function isMaskedPayUrl(url: string | null | undefined): boolean {
  return typeof url === 'string' && url.includes(`/pay/${HIDDEN_PAY_TOKEN}`);
}
