import type { z } from 'zod';
import { validationFailed } from '../../kernel/errors';

/** Parse input with a zod schema; a failure is `validation_failed` (a 400 at the edge) naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw validationFailed(`${where}${issue.message}`);
}
