/**
 * Which policy applies to a customer, and the occurrences its steps expand to. Resolution,
 * most specific first: the customer's own policy, its segment in the organisation, its segment
 * firm-wide, the organisation's, the firm's, and finally the built-in default. Pure.
 */
import { addDays, type CalendarDate } from '../../kernel/dates';
import type { Grouping, Policy, Step, StepInput } from './types';
import { StepSchema } from './types';

export const scopeKeys = {
  firm: () => 'firm',
  organisation: (organisationId: string) => `org:${organisationId}`,
  segment: (segment: string, organisationId: string | null) => (organisationId ? `org:${organisationId}:segment:${segment}` : `segment:${segment}`),
  customer: (organisationId: string, contactExternalId: string) => `org:${organisationId}:customer:${contactExternalId}`,
};

/** −3, 0, +7, +14, +30, then every 14 days up to 6 more times. */
export const DEFAULT_STEPS: Step[] = [
  { key: 'before-3', offsetDays: -3, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { key: 'due', offsetDays: 0, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { key: 'after-7', offsetDays: 7, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { key: 'after-14', offsetDays: 14, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { key: 'after-30', offsetDays: 30, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: 14, repeatMax: 6 },
];

export function defaultPolicy(): Policy {
  return { id: 'default', scope: 'firm', scopeKey: 'default', organisationId: null, segment: null, contactExternalId: null, name: 'Arcus default', grouping: 'customer', steps: DEFAULT_STEPS, enabled: true };
}

/** Validate steps, give new ones a stable key, sort by offset; refuses duplicate keys and offsets. */
export function normaliseSteps(input: StepInput[]): Step[] {
  const used = new Set<string>();
  const steps = input.map((raw) => StepSchema.parse(raw));
  for (const s of steps) if (s.key) used.add(s.key);
  const offsets = new Set<number>();
  const out: Step[] = [];
  for (const s of steps) {
    if (offsets.has(s.offsetDays)) throw new PolicyError(`Two steps are ${describeOffset(s.offsetDays)}; each step needs its own day.`);
    offsets.add(s.offsetDays);
    let key = s.key;
    if (!key) {
      const base = s.offsetDays < 0 ? `before-${-s.offsetDays}` : s.offsetDays === 0 ? 'due' : `after-${s.offsetDays}`;
      key = base;
      for (let i = 2; used.has(key); i++) key = `${base}-${i}`;
      used.add(key);
    }
    out.push({ key, offsetDays: s.offsetDays, channel: s.channel, templateId: s.templateId, approval: s.approval, repeatEveryDays: s.repeatEveryDays, repeatMax: s.repeatEveryDays ? s.repeatMax : 0, ...(s.message ? { message: s.message } : {}) });
  }
  const keys = out.map((s) => s.key);
  if (new Set(keys).size !== keys.length) throw new PolicyError('Two steps share a key.');
  return out.sort((a, b) => a.offsetDays - b.offsetDays);
}

export class PolicyError extends Error {
  override name = 'PolicyError';
}

export function describeOffset(days: number): string {
  if (days === 0) return 'on the due date';
  const n = Math.abs(days);
  return `${n} day${n === 1 ? '' : 's'} ${days < 0 ? 'before' : 'after'} the due date`;
}

/** One dated occurrence of a step for an invoice (a repeat is its own occurrence). */
export interface Occurrence {
  /** The claim key: the step's key, `.rN` for its Nth repeat. */
  key: string;
  step: Step;
  /** 1-based position in the sequence: "reminder 2". */
  number: number;
  /** Days after the due date. */
  offsetDays: number;
  day: CalendarDate;
  repeat: number;
}

export function occurrences(steps: readonly Step[], dueDate: CalendarDate): Occurrence[] {
  const out: Omit<Occurrence, 'number'>[] = [];
  for (const step of steps) {
    out.push({ key: step.key, step, offsetDays: step.offsetDays, day: addDays(dueDate, step.offsetDays), repeat: 0 });
    if (step.repeatEveryDays) {
      for (let r = 1; r <= step.repeatMax; r++) {
        const offset = step.offsetDays + r * step.repeatEveryDays;
        out.push({ key: `${step.key}.r${r}`, step, offsetDays: offset, day: addDays(dueDate, offset), repeat: r });
      }
    }
  }
  out.sort((a, b) => a.offsetDays - b.offsetDays || a.key.localeCompare(b.key));
  return out.map((o, i) => ({ ...o, number: i + 1 }));
}

/** What happened to one occurrence of an invoice's sequence, as the planner needs it. */
export interface StepHistory {
  /** It went out (sent; for a grouped email, its statement was sent), or a person decided against it. */
  passed: boolean;
  /** The local day it went out (or was decided), for the spacing of the next escalation. */
  on: CalendarDate | null;
}

/**
 * The occurrence due today under the escalation rule, and the earlier ones it supersedes.
 *
 * Notices (on or before the due date) and the first overdue step may be sent once their day has
 * come, the latest of them superseding the rest. Every later step is an escalation: it is due
 * only when the occurrence just before it went out (`passed`), and no sooner than the policy's
 * spacing after that day — so after a pause, a late start or a failed send the sequence goes on
 * from where the customer really is, one step at a time, and a "final notice" never goes to
 * someone who did not get the reminder before it.
 */
export function dueOccurrence(all: readonly Occurrence[], today: CalendarDate, history: (o: Occurrence) => StepHistory | undefined): { current: Occurrence | null; earlier: Occurrence[] } {
  let last = -1;
  for (let i = 0; i < all.length; i++) if (history(all[i]!)?.passed) last = i;
  const firstEscalation = all.findIndex((o) => o.offsetDays > 0);
  let idx = -1;
  for (let i = last + 1; i < all.length; i++) {
    const o = all[i]!;
    if (o.day > today) break;
    if (o.offsetDays > 0 && i !== firstEscalation) {
      if (i !== last + 1) break;
      const prev = all[last]!;
      const on = history(prev)?.on ?? null;
      if (on && addDays(on, o.offsetDays - prev.offsetDays) > today) break;
    }
    idx = i;
  }
  return { current: idx >= 0 ? all[idx]! : null, earlier: idx > 0 ? all.slice(0, idx) : [] };
}

export interface PolicyIndex {
  byKey: Map<string, Policy>;
}

export function indexPolicies(policies: readonly Policy[]): PolicyIndex {
  return { byKey: new Map(policies.filter((p) => p.enabled).map((p) => [p.scopeKey, p])) };
}

/** The policy for one customer of an organisation. */
export function resolvePolicy(index: PolicyIndex, params: { organisationId: string; contactExternalId: string; segment: string | null }): Policy {
  const keys = [scopeKeys.customer(params.organisationId, params.contactExternalId)];
  if (params.segment) keys.push(scopeKeys.segment(params.segment, params.organisationId), scopeKeys.segment(params.segment, null));
  keys.push(scopeKeys.organisation(params.organisationId), scopeKeys.firm());
  for (const k of keys) {
    const p = index.byKey.get(k);
    if (p) return p;
  }
  return defaultPolicy();
}

export function groupingLabel(g: Grouping): string {
  return g === 'customer' ? 'One email per customer listing all overdue invoices' : 'One email per invoice';
}
