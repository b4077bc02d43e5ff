/**
 * The reminder model: policies (steps relative to the due date), organisation settings, and
 * the statuses a claimed send moves through. zod schemas double as the API's input checks.
 */
import { z } from 'zod';

export const CHANNELS = ['email', 'sms', 'letter', 'call'] as const;
export type Channel = (typeof CHANNELS)[number];

export const StepSchema = z.object({
  /** Stable across edits: the claim key of every send of this step. */
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'This step’s reference is not valid. Reload the page and try again.')
    .optional(),
  /** Days relative to the due date (−3 = three days before, 7 = a week after). */
  offsetDays: z.number().int().min(-90).max(730),
  channel: z.enum(CHANNELS).default('email'),
  /** A template row's id, a built-in's ('builtin:overdue'), or null for the built-in matching the offset. */
  templateId: z
    .string()
    .regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|builtin:[a-z-]+)$/i, 'Choose a template from the list.')
    .nullable()
    .default(null),
  /** 'auto' sends by itself; 'manual' waits for a collector's approval in the outbox. */
  approval: z.enum(['auto', 'manual']).default('auto'),
  /** A text step's message, or a call step's script (merge fields as in templates); null: the built-in one (docs/decisions/043). */
  message: z.string().trim().max(1000, 'Keep the text under 1,000 characters.').nullable().optional(),
  /** Repeat this step every N days after it … */
  repeatEveryDays: z.number().int().min(1).max(365).nullable().default(null),
  /** … at most this many more times. */
  repeatMax: z.number().int().min(0).max(52).default(0),
});
export type StepInput = z.input<typeof StepSchema>;
export interface Step {
  key: string;
  offsetDays: number;
  channel: Channel;
  templateId: string | null;
  approval: 'auto' | 'manual';
  repeatEveryDays: number | null;
  repeatMax: number;
  /** SMS and call steps: the text or the script; absent or null: the built-in one. */
  message?: string | null;
}

export const GROUPINGS = ['invoice', 'customer'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export const POLICY_SCOPES = ['firm', 'organisation', 'segment', 'customer'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];

export interface Policy {
  id: string;
  scope: PolicyScope;
  scopeKey: string;
  organisationId: string | null;
  segment: string | null;
  contactExternalId: string | null;
  name: string;
  grouping: Grouping;
  steps: Step[];
  enabled: boolean;
}

export interface OrgSettings {
  enabled: boolean;
  windowStartMinute: number;
  windowEndMinute: number;
  /** ISO weekdays, 1 = Monday. */
  businessDays: number[];
  dailyLimit: number;
  senderName: string | null;
  replyTo: string | null;
  brandColour: string;
  logoUrl: string | null;
  signature: string;
  /** At most this many reminders per customer per local day (1–10; a grouped policy sends one a day anyway). */
  customerDailyLimit: number;
  /** A manual run that would send more emails than this shows a preview and needs a confirmation. */
  confirmAbove: number;
  /** The first confirmed run; until then scheduled runs send nothing (cleared when reminders are switched on again). */
  confirmedAt: Date | null;
}

export const DEFAULT_SETTINGS: OrgSettings = {
  enabled: false,
  windowStartMinute: 9 * 60,
  windowEndMinute: 17 * 60,
  businessDays: [1, 2, 3, 4, 5],
  dailyLimit: 200,
  senderName: null,
  replyTo: null,
  brandColour: '#1c7ed6',
  logoUrl: null,
  signature: '',
  customerDailyLimit: 1,
  confirmAbove: 20,
  confirmedAt: null,
};

export const SEND_STATUSES = ['pending_approval', 'awaiting_client', 'claimed', 'sending', 'sent', 'failed_temporary', 'failed_permanent', 'skipped', 'grouped'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];

/** Why a send did not happen; every skip is recorded with one of these. */
export const SKIP_REASONS = {
  superseded: 'A later step was due before this one went out',
  invoice_excluded: 'The invoice is excluded from reminders',
  customer_excluded: 'The customer is excluded from reminders',
  invoice_paused: 'Reminders for the invoice are paused',
  customer_paused: 'Reminders for the customer are paused',
  disputed: 'The invoice is disputed',
  promise_to_pay: 'The customer promised to pay',
  payment_plan: 'The invoice is on a payment plan',
  // Autopay (docs/decisions/049): the card is charged on the due date; a failed charge lifts this.
  autopay: 'The customer pays by autopay: reminders wait unless a charge fails',
  unsubscribed: 'Every recipient unsubscribed',
  no_recipients: 'The customer has no email address for invoices',
  // Text steps (docs/decisions/043): the number comes from the ledger, made E.164 with the organisation's country.
  no_phone: 'The customer has no phone number that can take texts',
  invalid_phone: 'The customer’s phone number is not valid',
  opted_out: 'The number replied STOP: no more texts until it replies START',
  channel_unavailable: 'This channel is not available yet',
  paid: 'The invoice was paid',
  credited: 'The invoice was credited in full',
  voided: 'The invoice was voided or deleted',
  closed: 'Nothing is owed any more',
  rejected_by_collector: 'A collector decided not to send it',
  declined_by_client: 'The client declined it',
  policy_removed: 'The step is no longer in the policy',
  disabled: 'Reminders were turned off for the organisation',
  ledger_disconnected: 'The ledger connection needs attention: without fresh data, reminders wait',
  // Read again from the ledger just before sending (server/reminders/presend.ts): "the ledger" reads as Xero / QuickBooks.
  paid_since_sync: 'Paid in the ledger since the last sync',
  part_paid_since_sync: 'Part-paid in the ledger since the last sync',
  credited_since_sync: 'Credited in the ledger since the last sync',
  voided_since_sync: 'Voided or deleted in the ledger since the last sync',
  changed_since_sync: 'The amount due changed in the ledger since the last sync',
} as const;
export type SkipReason = keyof typeof SKIP_REASONS;

const LEDGER_NAME = { xero: 'Xero', quickbooks: 'QuickBooks' } as const;

/** A skip reason in words, naming the organisation's ledger where the reason is about it ("Paid in Xero since the last sync"). */
export function skipReasonText(reason: string, provider?: string | null): string {
  const text: string = SKIP_REASONS[reason as SkipReason] ?? reason;
  const name = provider ? LEDGER_NAME[provider as keyof typeof LEDGER_NAME] : undefined;
  return name && reason.endsWith('_since_sync') ? text.replace('the ledger', name) : text;
}

/** Reasons that lift by themselves (a pause ends, a recipient is added): the skip can be revived while its step is current. */
export const REVIVABLE: ReadonlySet<SkipReason> = new Set<SkipReason>([
  'invoice_excluded',
  'customer_excluded',
  'invoice_paused',
  'customer_paused',
  'disputed',
  'promise_to_pay',
  'payment_plan',
  'autopay',
  'unsubscribed',
  'no_recipients',
  'no_phone',
  'invalid_phone',
  'opted_out',
  'disabled',
  'ledger_disconnected',
  // The ledger was ahead of Arcus: once the sync has caught up, the planner decides again with the ledger's figures.
  'paid_since_sync',
  'part_paid_since_sync',
  'credited_since_sync',
  'voided_since_sync',
  'changed_since_sync',
]);

/** How long a worker holds a send before another may take it over. */
export const LEASE_MS = 10 * 60_000;
/** SMTP attempts (temporary failures) before a send is given up as failed_permanent. */
export const MAX_SEND_ATTEMPTS = 6;
