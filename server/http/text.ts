/**
 * Text PostgreSQL cannot store: a NUL character (refused in `text` and `jsonb`) and a lone UTF-16
 * surrogate (not Unicode: `jsonb` refuses its escape, `text` would store a replacement character).
 * Any string in a request — body, query, path, a webhook's JSON, keys included — that holds one is
 * refused at the edge with a 400 naming the field, before it can become a database error.
 */
import type { RequestHandler } from 'express';
import { invalidField } from '../../kernel/errors';
import { fieldLabel } from './field-words';

const MAX_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badString(s: string): boolean {
  return s.includes('\u0000') || LONE_SURROGATE.test(s);
}

/** The path (`a.b[2]`) of the first string in `value` that holds a NUL or a lone surrogate, or null. */
export function badTextPath(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return badString(value) ? path || '(value)' : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return path || '(value)';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = badTextPath(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (badString(k)) return here;
    const p = badTextPath(v, here, depth + 1);
    if (p) return p;
  }
  return null;
}

export function badTextError(where: string) {
  // The field's key for the client (its value is what cannot be shown), and words for a person.
  const field = where
    .replace(/^(body|query|path)(\.|(?=\[)|$)/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^\./, '')
    .replace(/[^\w.-]/g, '?')
    .slice(0, 100);
  const key = field.split('.').findLast((k) => !/^\d+$/.test(k));
  const what = key ? `The ${fieldLabel(key)}` : 'The address';
  return invalidField(field, `${what} contains characters that cannot be stored. Remove them and try again.`, 'invalid_text');
}

/** Refuses a request whose path, query or (parsed) body holds text that cannot be stored. */
export const refuseBadText: RequestHandler = (req, _res, next) => {
  const rawPath = req.originalUrl.split('?')[0] ?? '';
  if (/%00/.test(rawPath)) return next(badTextError('path'));
  const where = badTextPath(req.query, 'query') ?? (req.body !== undefined && !Buffer.isBuffer(req.body) ? badTextPath(req.body, 'body') : null);
  if (where) return next(badTextError(where));
  next();
};
