import { createHmac, randomBytes } from 'node:crypto';
import type { Database } from '../../server/db/client';
import { sessions } from '../../server/db/schema';
import { sessionKey } from '../../server/db/session-store';

/**
 * Signs a test firm's user in by writing their session as express-session would (the table keeps
 * the id's hash, server/db/session-store.ts). Returns the signed cookie and the session's CSRF token.
 */
export async function writeSession(database: Database, sessionSecret: string, who: { userId: string; firmId: string }): Promise<{ cookie: string; csrf: string }> {
  const sid = randomBytes(24).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expires = new Date(Date.now() + 3_600_000);
  await database.db.insert(sessions).values({
    sid: sessionKey(sid),
    expiresAt: expires,
    data: { cookie: { originalMaxAge: 3_600_000, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false }, userId: who.userId, firmId: who.firmId, csrfToken: csrf },
  });
  const signature = createHmac('sha256', sessionSecret).update(sid).digest('base64').replace(/=+$/, '');
  return { cookie: `arcus.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`, csrf };
}

/** A client for one signed-in session (writeSession's cookie and CSRF token) on `base` (the app, or its /api): JSON in, status and JSON out. */
export function signedIn(base: string, who: { cookie: string; csrf: string }) {
  return async (p: string, init: { method?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = { cookie: who.cookie, 'x-csrf-token': who.csrf };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + p, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
  };
}
