/**
 * Opaque keyset cursors (docs/decisions/045-large-organisations.md): the sort key of a page's last
 * row, encoded so the client passes it back unread and never shows it. A cursor that does not
 * decode to the expected shape is refused in words, as a field error on `cursor`.
 */
import type { z } from 'zod';
import { invalidField } from '../../kernel/errors';

export const CURSOR_WORDS = 'This list has changed since the page was loaded. Reload the list and try again.';

export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string): z.infer<S> {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // refused below
  }
  throw invalidField('cursor', CURSOR_WORDS);
}
