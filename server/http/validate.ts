import type { z } from 'zod';
import { invalidFields } from '../../kernel/errors';
import { type FieldLabels, fieldErrorOf, markGenerated } from './field-words';

/**
 * Parse input with a zod schema. A failure is `validation_failed` (a 400 at the edge) carrying
 * every problem at once, each as the field's key and a sentence for a person
 * (server/http/field-words.ts); `labels` names keys this form uses in its own way.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, labels?: FieldLabels): z.infer<S> {
  const parsed = schema.safeParse(input, { error: markGenerated });
  if (parsed.success) return parsed.data;
  const seen = new Set<string>();
  const fields = parsed.error.issues
    .map((issue) => fieldErrorOf(issue, labels))
    .filter((f) => {
      const key = `${f.field}\u0000${f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  throw invalidFields(fields);
}
