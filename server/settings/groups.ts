/**
 * Settings that carry across clients (issue #17; docs/decisions/028-firm-defaults-and-overrides.md):
 * the setting groups a firm sets once as its default and an organisation may override, their
 * schemas, how a value reads in words, and the resolution — effective = the organisation's
 * override when it has one, else the firm default. Pure: no I/O, no clock.
 */
import { z } from 'zod';
import { EarlyDiscountPolicySchema, LateFeePolicySchema } from '../collections/policy';
import { ReturnedFeePolicySchema } from '../returns/core';

export const SETTING_GROUPS = ['lateFees', 'earlyDiscount', 'approvalThreshold', 'clientApproval', 'sendingWindow', 'returnedPaymentFee'] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];
/** The groups whose overrides live in setting_overrides (the client-approval policy keeps its own table). */
export const OVERRIDE_TABLE_GROUPS = ['lateFees', 'earlyDiscount', 'approvalThreshold', 'sendingWindow', 'returnedPaymentFee'] as const satisfies readonly SettingGroup[];

const Amount = z
  .string()
  .trim()
  .regex(/^\d{1,13}(\.\d{1,2})?$/, { message: 'Enter an amount such as 250 or 99.50.' });

export const ThresholdSettingSchema = z
  .object({
    /** Write-backs moving more than this (the firm's reporting currency) wait for approval; null: none do. */
    amount: Amount.nullable(),
  })
  .strict();

export const ClientApprovalSettingSchema = z
  .object({
    lateFees: z.boolean().default(false),
    creditsAbove: Amount.nullable().default(null),
    paymentPlans: z.boolean().default(false),
    firstReminders: z.boolean().default(false),
    reminderEscalations: z.boolean().default(false),
  })
  .strict();

const minute = z.number().int().min(0).max(24 * 60);
export const SendingWindowSchema = z
  .object({
    startMinute: minute,
    endMinute: minute,
    /** ISO weekdays, 1 = Monday. */
    businessDays: z.array(z.number().int().min(1).max(7)).min(1, 'Choose at least one day.').max(7),
  })
  .strict()
  .refine((w) => w.startMinute < w.endMinute, { message: 'The sending window must end after it starts.', path: ['endMinute'] });

/**
 * The returned-payment (NSF) fee (docs/decisions/046, 056): whether one is charged and how much — a
 * flat amount plus a share of the payment, at most the cap. The firm default is the fee part of
 * the firm's policy (Settings › Collections › Returned payments); an organisation's own setting
 * overrides that part only — where the fee may be charged (the countries), how it is posted and
 * the account stay the firm's. "No fee" is `enabled: false`.
 */
export const ReturnedFeeSettingSchema = ReturnedFeePolicySchema.pick({ enabled: true, amount: true, percent: true, cap: true }).strict();

export const GROUP_SCHEMAS = {
  lateFees: LateFeePolicySchema.strict(),
  earlyDiscount: EarlyDiscountPolicySchema.strict(),
  approvalThreshold: ThresholdSettingSchema,
  clientApproval: ClientApprovalSettingSchema,
  sendingWindow: SendingWindowSchema,
  returnedPaymentFee: ReturnedFeeSettingSchema,
} satisfies Record<SettingGroup, z.ZodType>;

export interface SettingValues {
  lateFees: z.infer<typeof LateFeePolicySchema>;
  earlyDiscount: z.infer<typeof EarlyDiscountPolicySchema>;
  approvalThreshold: z.infer<typeof ThresholdSettingSchema>;
  clientApproval: z.infer<typeof ClientApprovalSettingSchema>;
  sendingWindow: z.infer<typeof SendingWindowSchema>;
  returnedPaymentFee: z.infer<typeof ReturnedFeeSettingSchema>;
}
export type Overrides = Partial<SettingValues>;

/** The built-in defaults: what every firm had before firm defaults existed. */
export const BUILTIN_WINDOW: SettingValues['sendingWindow'] = { startMinute: 9 * 60, endMinute: 17 * 60, businessDays: [1, 2, 3, 4, 5] };
export const BUILTIN_CLIENT_APPROVAL: SettingValues['clientApproval'] = { lateFees: false, creditsAbove: null, paymentPlans: false, firstReminders: false, reminderEscalations: false };

export type Effective = { [G in SettingGroup]: { value: SettingValues[G]; overridden: boolean } };

/** The effective settings of one organisation: each group its override when present, else the firm default. */
export function resolveEffective(defaults: SettingValues, overrides: Overrides): Effective {
  const pick = <G extends SettingGroup>(g: G) => {
    const o = overrides[g];
    return o === undefined ? { value: defaults[g], overridden: false } : { value: o as SettingValues[G], overridden: true };
  };
  return {
    lateFees: pick('lateFees'),
    earlyDiscount: pick('earlyDiscount'),
    approvalThreshold: pick('approvalThreshold'),
    clientApproval: pick('clientApproval'),
    sendingWindow: pick('sendingWindow'),
    returnedPaymentFee: pick('returnedPaymentFee'),
  };
}

/** Whether two values of a group say the same thing (key order, day order and number formatting aside). */
export function sameValue(group: SettingGroup, a: unknown, b: unknown): boolean {
  return canonical(group, a) === canonical(group, b);
}

function canonical(group: SettingGroup, v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return group === 'sendingWindow' ? [...x].sort() : x.map(norm);
    if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, norm((x as Record<string, unknown>)[k])]));
    if (typeof x === 'string' && /^\d+(\.\d+)?$/.test(x)) return String(Number(x));
    return x;
  };
  return JSON.stringify(norm(v));
}

// ---- words ------------------------------------------------------------------------------------------

export const GROUP_TITLES: Record<SettingGroup, string> = {
  lateFees: 'Late fees and interest',
  earlyDiscount: 'Early-payment discounts',
  approvalThreshold: 'Approval of ledger changes',
  clientApproval: 'What waits for the client',
  sendingWindow: 'Reminder sending hours',
  returnedPaymentFee: 'Returned-payment fee',
};

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function amountWords(a: string): string {
  const [whole = '0', frac = ''] = a.split('.');
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}.${frac.padEnd(2, '0').slice(0, 2)}`;
}

function percentWords(p: string): string {
  return `${Number(p)}%`;
}

function timeWords(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export function daysWords(days: readonly number[]): string {
  const d = [...new Set(days)].sort();
  if (d.length === 7) return 'every day';
  // A run of three or more consecutive days reads "Monday to Friday".
  if (d.length >= 3 && d[d.length - 1]! - d[0]! === d.length - 1) return `${DAY_NAMES[d[0]! - 1]} to ${DAY_NAMES[d[d.length - 1]! - 1]}`;
  const names = d.map((n) => DAY_NAMES[n - 1]!);
  return names.length <= 1 ? (names[0] ?? 'no day') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function listWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** One group's value in a sentence a person reads (no keys, no enum values). `currency`: the firm's reporting currency, for the threshold. */
export function describeValue<G extends SettingGroup>(group: G, value: SettingValues[G], currency = ''): string {
  const cur = currency ? `${currency} ` : '';
  switch (group) {
    case 'lateFees': {
      const v = value as SettingValues['lateFees'];
      if (!v.enabled) return 'Off: no late fees or interest are charged';
      const what = v.kind === 'flat' ? `A fee of ${amountWords(v.amount)}` : v.kind === 'percentage' ? `A fee of ${percentWords(v.percent)} of the overdue amount` : `Interest at ${percentWords(v.annualRatePct)} a year`;
      const when = v.graceDays === 0 ? 'once an invoice is overdue' : `${v.graceDays} day${v.graceDays === 1 ? '' : 's'} after the due date`;
      const repeat = v.kind === 'annual_rate' ? '' : v.period === 'monthly' ? ', then every month' : ', once';
      const cap = v.cap === null ? '' : `, at most ${amountWords(v.cap)} an invoice`;
      return `${what}, ${when}${repeat}${cap}`;
    }
    case 'earlyDiscount': {
      const v = value as SettingValues['earlyDiscount'];
      if (!v.enabled) return 'Off: no early-payment discounts are offered';
      return `${percentWords(v.ratePct)} off when paid within ${v.withinDays} day${v.withinDays === 1 ? '' : 's'} of the invoice date`;
    }
    case 'approvalThreshold': {
      const v = value as SettingValues['approvalThreshold'];
      return v.amount === null ? 'No ledger change waits for approval' : `Ledger changes above ${cur}${amountWords(v.amount)} wait for an administrator’s approval`;
    }
    case 'clientApproval': {
      const v = value as SettingValues['clientApproval'];
      const items: string[] = [];
      if (v.lateFees) items.push('late fees');
      if (v.creditsAbove !== null) items.push(Number(v.creditsAbove) === 0 ? 'every credit' : `credits above ${amountWords(v.creditsAbove)}`);
      if (v.paymentPlans) items.push('payment plans');
      if (v.firstReminders) items.push('the first reminder to a new customer');
      if (v.reminderEscalations) items.push('escalating reminders');
      return items.length ? `The client approves ${listWords(items)}` : 'Nothing waits for the client';
    }
    case 'sendingWindow': {
      const v = value as SettingValues['sendingWindow'];
      return `${timeWords(v.startMinute)} to ${timeWords(v.endMinute)}, ${daysWords(v.businessDays)}`;
    }
    case 'returnedPaymentFee': {
      const v = value as SettingValues['returnedPaymentFee'];
      if (!v.enabled) return 'No fee: nothing is charged when a payment comes back';
      const parts = [Number(v.amount) > 0 ? amountWords(v.amount) : null, Number(v.percent) > 0 ? `${percentWords(v.percent)} of the payment` : null].filter((x): x is string => x !== null);
      const cap = v.cap === null ? '' : `, at most ${amountWords(v.cap)}`;
      return `A fee of ${parts.join(' plus ') || 'nothing'}${cap} when a payment comes back, where the firm’s countries allow it`;
    }
  }
  return '';
}

/** What changes for one organisation, in a sentence: "Late fees and interest: from “…” to “…”." */
export function changeWords(group: SettingGroup, before: unknown, after: unknown, currency = ''): string {
  return `${GROUP_TITLES[group]}: from “${describeValue(group, before as never, currency)}” to “${describeValue(group, after as never, currency)}”.`;
}

export interface OrganisationState {
  id: string;
  name: string;
  /** The organisation's override of the group, when it has one. */
  override: unknown;
}

export interface PlannedChange {
  organisationId: string;
  organisationName: string;
  before: string;
  after: string;
  words: string;
  /** It had its own setting, which is removed. */
  clearsOverride: boolean;
}

/**
 * "Apply to all clients": every organisation ends up on the firm default (`nextDefault`, or the
 * current one): overrides are removed. Lists the organisations whose effective setting changes,
 * with the change in words; an override equal to the default is removed without being listed.
 */
export function planApplyToAll(group: SettingGroup, currentDefault: unknown, nextDefault: unknown, orgs: readonly OrganisationState[], currency = ''): { changes: PlannedChange[]; overridesToClear: string[] } {
  const changes: PlannedChange[] = [];
  const overridesToClear: string[] = [];
  for (const o of orgs) {
    const hasOverride = o.override !== undefined && o.override !== null;
    if (hasOverride) overridesToClear.push(o.id);
    const before = hasOverride ? o.override : currentDefault;
    if (sameValue(group, before, nextDefault)) continue;
    changes.push({
      organisationId: o.id,
      organisationName: o.name,
      before: describeValue(group, before as never, currency),
      after: describeValue(group, nextDefault as never, currency),
      words: changeWords(group, before, nextDefault, currency),
      clearsOverride: hasOverride,
    });
  }
  return { changes, overridesToClear };
}
