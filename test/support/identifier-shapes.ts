/**
 * Words people read must not carry identifiers (issue #15): a field key, an enum value, a code,
 * a row id or a machine date. `identifierTokens` finds identifier-shaped tokens in a text; the
 * API and browser tests fail on any, in every message and on every page they look at.
 */

export interface IdentifierToken {
  kind: string;
  token: string;
}

const SHAPES: { kind: string; re: RegExp }[] = [
  { kind: 'UUID', re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
  { kind: 'ISO date', re: /\b\d{4}-\d{2}-\d{2}\b/g },
  // ALL_CAPS before snake_case: both are words joined by underscores.
  { kind: 'ALL_CAPS code', re: /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g },
  { kind: 'snake_case word', re: /\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b/g },
  // dueDate, contactExternalId, invoiceIds: a lower-case start, then a capital inside the word.
  { kind: 'camelCase word', re: /\b[a-z]+[A-Z][A-Za-z0-9]*\b/g },
];

/** Every identifier-shaped token in `text`, each reported once, by its first matching shape. */
export function identifierTokens(text: string): IdentifierToken[] {
  const out: IdentifierToken[] = [];
  const seen = new Set<string>();
  for (const { kind, re } of SHAPES) {
    for (const m of text.matchAll(re)) {
      if (seen.has(m[0]) || [...seen].some((s) => s.includes(m[0]))) continue;
      seen.add(m[0]);
      out.push({ kind, token: m[0] });
    }
  }
  return out;
}

/** "kind “token”" lines for a failure message, with where the text came from. */
export function describeIdentifiers(where: string, text: string): string[] {
  return identifierTokens(text).map((t) => `${where}: ${t.kind} “${t.token}” in “${text.slice(0, 300)}”`);
}
