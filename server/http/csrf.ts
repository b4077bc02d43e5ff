/**
 * CSRF protection for cookie-authenticated writes: every POST/PUT/PATCH/DELETE under /api
 * must carry `X-CSRF-Token` equal to the session's token (compared in constant time). The
 * token comes from `GET /api/session`. Webhooks and other signature-checked endpoints are
 * mounted outside /api.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { forbidden } from '../../kernel/errors';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfToken(req: Request): string {
  if (!req.session.csrfToken) req.session.csrfToken = randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (SAFE.has(req.method)) return next();
  const sent = req.get('x-csrf-token');
  const expected = req.session?.csrfToken;
  if (!sent || !expected || !safeEqual(sent, expected)) {
    return next(forbidden('Missing or invalid CSRF token. Reload the page and try again.', 'csrf_failed'));
  }
  next();
};
