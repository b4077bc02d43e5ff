/**
 * CSRF protection for cookie-authenticated writes: every POST/PUT/PATCH/DELETE under /api
 * must carry `X-CSRF-Token` equal to the session's token — or, for an anonymous caller, its
 * `arcus.csrf` cookie's (compared in constant time). The token comes from `GET /api/session`. Webhooks and other signature-checked endpoints are
 * mounted outside /api.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { forbidden } from '../../kernel/errors';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfToken(req: Request): string {
  if (!req.session.csrfToken) req.session.csrfToken = randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

/**
 * The token `GET /api/session` hands out. A signed-in session (or one that already has a token)
 * keeps it in the session. An anonymous caller gets it in a cookie of its own instead
 * (double submit: the cookie is httpOnly and same-site, the page reads the token from the JSON),
 * so an anonymous visit writes no session row — the session is saved only once it carries
 * something (sign-in, an OAuth round trip).
 */
export function csrfTokenFor(req: Request, res: Response): string {
  if (req.session.csrfToken || req.session.userId) return csrfToken(req);
  const existing = anonymousToken(req);
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  res.cookie(ANONYMOUS_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: req.session.cookie.secure === true, path: '/api', maxAge: 12 * 3600_000 });
  return token;
}

const ANONYMOUS_COOKIE = 'arcus.csrf';

function anonymousToken(req: Request): string | null {
  const m = /(?:^|;\s*)arcus\.csrf=([A-Za-z0-9_-]{32})(?:;|$)/.exec(req.headers.cookie ?? '');
  return m?.[1] ?? null;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (SAFE.has(req.method)) return next();
  const sent = req.get('x-csrf-token');
  // An anonymous caller's token is its own cookie's (csrfTokenFor); a session's is the session's.
  const expected = req.session?.csrfToken ?? (req.session?.userId ? undefined : anonymousToken(req));
  if (!sent || !expected || !safeEqual(sent, expected)) {
    return next(forbidden('This page has expired. Reload the page and try again.', 'csrf_failed'));
  }
  next();
};
