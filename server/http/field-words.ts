/**
 * Words for input problems. A zod issue becomes a sentence a person reads beside the field
 * ("The due date is required."), never a field key, an enum value or zod's own wording; the key
 * travels separately (`FieldError.field`) for the client to find its field.
 *
 * A schema's own message is used when it is a sentence (a capital letter … a full stop); a
 * fragment ("must be …") is replaced by the generated sentence, so zod's defaults and old
 * fragments can never reach a person.
 */
import type { z } from 'zod';
import type { FieldError } from '../../kernel/errors';

/** How a field's key reads in a sentence (lower case; the sentence capitalises). */
const LABELS: Record<string, string> = {
  organisationId: 'organisation',
  organisationIds: 'organisations',
  contactExternalId: 'customer',
  contactId: 'customer',
  invoiceId: 'invoice',
  invoiceIds: 'invoices',
  invoiceExternalId: 'invoice',
  writebackId: 'write-back',
  templateId: 'template',
  userIds: 'people',
  ids: 'selection',
  id: 'item',
  from: 'start date',
  to: 'end date',
  asOf: 'date',
  dueDate: 'due date',
  startDate: 'start date',
  baselineDate: 'baseline date',
  baselineValue: 'baseline value',
  goalValue: 'goal',
  metric: 'measure',
  q: 'search',
  limit: 'number of rows',
  offset: 'page',
  bodyHtml: 'HTML body',
  bodyText: 'plain-text body',
  timezone: 'time zone',
  segment: 'customer group',
  count: 'number of instalments',
  instalmentAmount: 'instalment amount',
  frequency: 'how often',
  rateToReporting: 'exchange rate',
  rate: 'rate',
  rateBp: 'rate',
  approvalThreshold: 'approval threshold',
  windowStartMinute: 'start of the sending window',
  windowEndMinute: 'end of the sending window',
  delayDays: 'days',
  replyTo: 'reply-to address',
  fromName: 'sender name',
  brandColour: 'brand colour',
  logoUrl: 'logo address',
  confirmAbove: 'confirmation threshold',
  confirm: 'confirmation',
  followUpOn: 'follow-up date',
  pausedUntil: 'pause end date',
  pauseReason: 'reason for the pause',
  by: 'breakdown',
  enabled: 'on or off setting',
  excluded: 'exclusion setting',
  full: 'full amount setting',
  grouped: 'grouping setting',
  wait: 'wait setting',
  requestKey: 'form reference',
  annualRatePct: 'annual interest rate',
  ratePct: 'discount rate',
  percent: 'percentage',
  withinDays: 'days to pay for the discount',
  maxInstalments: 'most instalments in a plan',
  needsHelp: 'needs-help thresholds',
};

/** Labels one form gives its own keys (e.g. `to` is a recipient there, not the end of a period). */
export type FieldLabels = Readonly<Record<string, string>>;

/** A key as words: `dueDate` → "due date", `late_fee` → "late fee", `templateId` → "template". */
export function fieldLabel(key: string, own: FieldLabels = {}): string {
  const known = own[key] ?? LABELS[key];
  if (known) return known;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length > 1 && (words.at(-1) === 'id' || words.at(-1) === 'ids')) words.pop();
  return words.join(' ') || 'value';
}

/** Where an issue sits, as words: the last named key, and the list entry it is in ("in step 2"). */
function labelOf(path: readonly PropertyKey[], own: FieldLabels): string {
  const keys = path.filter((p): p is string => typeof p === 'string');
  const last = keys.at(-1);
  const label = last === undefined ? 'value' : fieldLabel(last, own);
  const at = path.findLastIndex((p) => typeof p === 'number');
  if (at > 0 && typeof path[at - 1] === 'string' && at < path.length - 1) {
    const list = fieldLabel(path[at - 1] as string, own).replace(/s$/, '');
    return `${label} in ${list} ${(path[at] as number) + 1}`;
  }
  return label;
}

/** "is" or "are" for a label ("the invoices are", "the address is"). */
const be = (label: string) => (/people$|[^su]s$/.test(label.split(' in ')[0]!) ? 'are' : 'is');
const num = (n: unknown) => (typeof n === 'number' || typeof n === 'bigint' ? n.toLocaleString('en-GB') : String(n));
/** A schema's own message is used only when it is already a sentence. */
export const isSentence = (s: string) => /^[A-Z“"‘(0-9]/.test(s) && /[.?!]$/.test(s.trim());

/** The marker the per-parse error map leaves on issues it words itself (schema messages win over it). */
const GENERATED = '\u0000generated';
const MISSING = `${GENERATED}:missing`;

/** zod's per-parse error map: marks the issues that carry no message of the schema's own. */
export const markGenerated = (iss: { input?: unknown }) => (iss.input === undefined || iss.input === null ? MISSING : GENERATED);

type Issue = z.core.$ZodIssue;

function generated(issue: Issue, missing: boolean, own: FieldLabels): string {
  const label = labelOf(issue.path, own);
  const The = `The ${label}`;
  const is = be(label);
  if (missing) return `${The} ${is} required.`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int' || issue.expected === 'bigint') return `${The} must be a number.`;
      if (issue.expected === 'boolean') return `${The} must be yes or no.`;
      return `${The} ${is} not valid.`;
    case 'too_small': {
      const n = issue.minimum;
      if (issue.origin === 'string') return Number(n) <= 1 ? `${The} ${is} required.` : `${The} must be at least ${num(n)} characters long.`;
      if (issue.origin === 'array' || issue.origin === 'set') return Number(n) <= 1 ? `Give at least one entry for the ${label}.` : `Give at least ${num(n)} entries for the ${label}.`;
      if (issue.origin === 'date') return `${The} ${is} too early.`;
      return issue.inclusive ? `${The} must be at least ${num(n)}.` : `${The} must be more than ${num(n)}.`;
    }
    case 'too_big': {
      const n = issue.maximum;
      if (issue.origin === 'string') return `${The} must be at most ${num(n)} characters long.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Give at most ${num(n)} entries for the ${label}.`;
      if (issue.origin === 'date') return `${The} ${is} too late.`;
      return issue.inclusive ? `${The} must be at most ${num(n)}.` : `${The} must be less than ${num(n)}.`;
    }
    case 'invalid_format':
      if (issue.format === 'email') return `${The} must be an email address.`;
      if (issue.format === 'url') return `${The} must be a web address.`;
      if (issue.format === 'date' || issue.format === 'datetime') return `${The} must be a date.`;
      if (issue.format === 'uuid' || issue.format === 'guid') return `${The} ${is} not known here. Reload the page and choose again.`;
      return `${The} ${is} not in the right form.`;
    case 'not_multiple_of':
      return Number(issue.divisor) < 1 ? `${The} has too many decimal places.` : `${The} must be a multiple of ${num(issue.divisor)}.`;
    case 'invalid_value':
      return `Choose one of the options for the ${label}.`;
    case 'unrecognized_keys':
      return 'The form sent something this page does not expect. Reload the page and try again.';
    default:
      return `${The} ${is} not valid.`;
  }
}

/** One zod issue as a field key and a sentence. */
export function fieldErrorOf(issue: Issue, labels: FieldLabels = {}): FieldError {
  const field = issue.code === 'unrecognized_keys' ? '' : issue.path.map(String).join('.');
  const own = issue.message.startsWith(GENERATED) ? null : issue.message;
  const message = own && isSentence(own) ? own : generated(issue, issue.message === MISSING, labels);
  return { field, message };
}
