import type { z } from 'zod';
import { HttpError } from './errors';

/** Parse request input with a zod schema; a failure is a 400 naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new HttpError(400, 'validation_failed', `${where}${issue.message}`);
}
