/**
 * The template language: `{{ field }}` inserts a value (HTML-escaped in HTML bodies),
 * `{{#field}} … {{/field}}` keeps its content only when the field has a value and
 * `{{^field}} … {{/field}}` only when it has none (e.g. the payment-link line). Nothing else:
 * no expressions, no partials, no raw HTML from data. Validation lists every unknown field
 * and every syntax problem with its line and column, so the editor can refuse to save it.
 */

export interface MergeField {
  name: string;
  description: string;
  example: string;
}

export const MERGE_FIELDS: readonly MergeField[] = [
  { name: 'customer.name', description: 'The customer’s name in the ledger', example: 'Bayside Cafe Ltd' },
  { name: 'contact.first_name', description: 'The contact’s first name (falls back to the customer’s name)', example: 'Sam' },
  { name: 'contact.name', description: 'The contact’s full name (falls back to the customer’s name)', example: 'Sam Lee' },
  { name: 'invoice.number', description: 'The invoice number (the oldest listed invoice in a grouped email)', example: 'INV-1042' },
  { name: 'invoice.issue_date', description: 'The invoice date', example: '3 Mar 2026' },
  { name: 'invoice.due_date', description: 'The due date', example: '2 Apr 2026' },
  { name: 'invoice.amount_due', description: 'The amount still due on the invoice', example: '£1,250.00' },
  { name: 'invoice.total', description: 'The invoice total', example: '£1,500.00' },
  { name: 'invoice.status', description: 'Where the invoice stands today: “due in 3 days”, “due today”, “14 days overdue”', example: '14 days overdue' },
  { name: 'invoice.days_overdue', description: 'Days past the due date (0 when not yet due)', example: '14' },
  { name: 'invoice.days_until_due', description: 'Days until the due date (0 when due or overdue)', example: '3' },
  { name: 'invoices.table', description: 'A table of the listed invoices: number, dates, amount due', example: '(table)' },
  { name: 'invoices.count', description: 'How many invoices the email lists', example: '2' },
  { name: 'total_overdue', description: 'The total overdue across the listed invoices', example: '£2,400.00' },
  { name: 'total_due', description: 'The total due across the listed invoices, overdue or not', example: '£2,900.00' },
  { name: 'payment_link', description: 'The Arcus pay page: the invoice’s link in a single-invoice email, the customer’s statement link in a grouped one (empty when no link can be made)', example: 'https://arcus.example.com/pay/…' },
  { name: 'discount_offer', description: 'The early-payment discount on offer, e.g. “Pay by 12 Dec 2026 and save 2% (£12.40)” (empty when none)', example: 'Pay by 12 Dec 2026 and save 2% (£12.40)' },
  { name: 'organisation.name', description: 'Your client’s organisation name', example: 'Harbour Joinery Ltd' },
  { name: 'organisation.signature', description: 'The organisation’s signature from reminder settings', example: 'Accounts team' },
  { name: 'step.number', description: 'Which reminder this is in the sequence (1, 2, …)', example: '2' },
  { name: 'today', description: 'Today’s date in the organisation’s time zone', example: '16 Apr 2026' },
  { name: 'unsubscribe_link', description: 'A link that stops reminders to this address', example: 'https://…/u/…' },
];

const KNOWN = new Set(MERGE_FIELDS.map((f) => f.name));
const NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export interface TemplateIssue {
  message: string;
  field: string | null;
  /** 0-based character offset, 1-based line and column. */
  index: number;
  line: number;
  column: number;
}

type Node = { type: 'text'; value: string } | { type: 'field'; name: string } | { type: 'section'; name: string; inverted: boolean; children: Node[] };

export interface ParsedTemplate {
  nodes: Node[];
  issues: TemplateIssue[];
}

function position(src: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < index; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: index - last };
}

export function parseTemplate(src: string): ParsedTemplate {
  const issues: TemplateIssue[] = [];
  const issue = (message: string, index: number, field: string | null) => issues.push({ message, field, index, ...position(src, index) });
  const root: Node[] = [];
  const stack: { name: string; inverted: boolean; children: Node[]; index: number }[] = [];
  const out = () => (stack.length ? stack[stack.length - 1]!.children : root);
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out().push({ type: 'text', value: src.slice(i) });
      break;
    }
    if (open > i) out().push({ type: 'text', value: src.slice(i, open) });
    const close = src.indexOf('}}', open + 2);
    const nextOpen = src.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      issue('“{{” is not closed with “}}”', open, null);
      out().push({ type: 'text', value: '{{' });
      i = open + 2;
      continue;
    }
    let inner = src.slice(open + 2, close).trim();
    i = close + 2;
    const sigil = inner[0] === '#' || inner[0] === '^' || inner[0] === '/' ? inner[0] : '';
    if (sigil) inner = inner.slice(1).trim();
    if (!NAME.test(inner)) {
      issue(inner ? `“${inner}” is not a field name` : 'An empty {{ }}', open, inner || null);
      continue;
    }
    if (!KNOWN.has(inner)) issue(`Unknown merge field “${inner}”`, open, inner);
    if (sigil === '#' || sigil === '^') {
      stack.push({ name: inner, inverted: sigil === '^', children: [], index: open });
    } else if (sigil === '/') {
      const top = stack.pop();
      if (!top) {
        issue(`“{{/${inner}}}” closes nothing`, open, inner);
        continue;
      }
      if (top.name !== inner) issue(`“{{/${inner}}}” closes “{{${top.inverted ? '^' : '#'}${top.name}}}”`, open, inner);
      out().push({ type: 'section', name: top.name, inverted: top.inverted, children: top.children });
    } else {
      out().push({ type: 'field', name: inner });
    }
  }
  while (stack.length) {
    const top = stack.pop()!;
    issue(`“{{${top.inverted ? '^' : '#'}${top.name}}}” is never closed`, top.index, top.name);
    out().push({ type: 'section', name: top.name, inverted: top.inverted, children: top.children });
  }
  issues.sort((a, b) => a.index - b.index);
  return { nodes: root, issues };
}

export function validateTemplate(src: string): TemplateIssue[] {
  return parseTemplate(src).issues;
}

/** A value for a field: plain text, and optionally ready-made HTML (tables, links). */
export interface MergeValue {
  text: string;
  html?: string;
}

export type MergeValues = Readonly<Record<string, MergeValue | null | undefined>>;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function renderNodes(nodes: readonly Node[], values: MergeValues, mode: 'html' | 'text', out: string[]): void {
  for (const n of nodes) {
    if (n.type === 'text') out.push(n.value);
    else if (n.type === 'field') {
      const v = values[n.name];
      if (!v) continue;
      out.push(mode === 'html' ? (v.html ?? escapeHtml(v.text)) : v.text);
    } else {
      const present = Boolean(values[n.name]?.text);
      if (present !== n.inverted) renderNodes(n.children, values, mode, out);
    }
  }
}

/** Parsed templates by source: a run renders the same few templates thousands of times (bounded; parsing is pure). */
const PARSED = new Map<string, ParsedTemplate>();
const PARSED_MAX = 500;

function parsedOf(src: string): ParsedTemplate {
  let hit = PARSED.get(src);
  if (!hit) {
    hit = parseTemplate(src);
    if (PARSED.size >= PARSED_MAX) PARSED.delete(PARSED.keys().next().value as string);
    PARSED.set(src, hit);
  }
  return hit;
}

export function renderTemplate(src: string | ParsedTemplate, values: MergeValues, mode: 'html' | 'text'): string {
  const parsed = typeof src === 'string' ? parsedOf(src) : src;
  const out: string[] = [];
  renderNodes(parsed.nodes, values, mode, out);
  return out.join('');
}
