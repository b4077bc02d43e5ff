/**
 * Built-in templates, used by any step without a template of its own (chosen by the step's
 * offset; grouped emails use the statement). Read-only: the editor duplicates one to change it.
 * The built-ins in every language are data: builtin-templates.ts.
 */
import { BUILTIN_TEMPLATES } from './builtin-templates';

export { BUILTIN_TEMPLATES };

export interface TemplateBody {
  subject: string;
  bodyHtml: string;
  bodyText: string;
}

export interface BuiltinTemplate extends TemplateBody {
  id: string;
  name: string;
}

export function builtinTemplate(id: string): BuiltinTemplate | null {
  return BUILTIN_TEMPLATES.find((t) => t.id === id) ?? null;
}

/** The built-in template for a step without one (a statement listing nothing overdue yet is sent as the falling-due one: templates.ts statementForListed). */
export function builtinFor(offsetDays: number, grouped: boolean): BuiltinTemplate {
  const id = grouped ? 'builtin:statement' : offsetDays < 0 ? 'builtin:before-due' : offsetDays === 0 ? 'builtin:due' : offsetDays < 30 ? 'builtin:overdue' : 'builtin:final';
  return builtinTemplate(id)!;
}
