/**
 * The pure core of privacy: retention periods and what is due under them, erasure reasons and
 * what an erasure keeps, and the words the audit log uses. No I/O.
 */
import { z } from 'zod';

export const DAY_MS = 86_400_000;
export const MIN_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;

const Days = z
  .number({ message: 'must be a number of days' })
  .int({ message: 'must be a whole number of days' })
  .min(MIN_RETENTION_DAYS, { message: `must be at least ${MIN_RETENTION_DAYS} days` })
  .max(MAX_RETENTION_DAYS, { message: `must be at most ${MAX_RETENTION_DAYS} days` })
  .nullable();

/** Retention periods in days; null keeps the data while the account exists. */
export const RetentionSchema = z
  .object({
    /** Subject and body of reminder emails sent (and the demo mailbox's copies). */
    emailBodyDays: Days,
    /** Timeline entries: notes, promises, disputes, reminders sent, sync events. */
    activityNoteDays: Days,
    /** Customers with nothing open and no activity for this long are erased (de-identified). */
    closedDebtorDays: Days,
  })
  .strict();
export type Retention = z.infer<typeof RetentionSchema>;

export const NO_RETENTION: Retention = { emailBodyDays: null, activityNoteDays: null, closedDebtorDays: null };

export interface RetentionCutoffs {
  /** Email bodies sent before this instant are removed. */
  emailBodiesBefore: Date | null;
  /** Timeline entries created before this instant are deleted. */
  activitiesBefore: Date | null;
  /** Customers whose last invoice, payment or activity is before this day are erased. */
  closedDebtorsBefore: string | null;
}

/** The instants before which each kind of data is due for deletion, as of `now`. */
export function retentionCutoffs(r: Retention, now: Date): RetentionCutoffs {
  const before = (days: number | null) => (days === null ? null : new Date(now.getTime() - days * DAY_MS));
  const closed = before(r.closedDebtorDays);
  return { emailBodiesBefore: before(r.emailBodyDays), activitiesBefore: before(r.activityNoteDays), closedDebtorsBefore: closed ? closed.toISOString().slice(0, 10) : null };
}

export const ERASURE_REASONS = ['debtor_request', 'no_longer_needed', 'objection', 'other'] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number] | 'retention';

export const ERASURE_REASON_TEXT: Record<ErasureReason, string> = {
  debtor_request: 'the customer asked for their personal data to be erased',
  no_longer_needed: 'the personal data is no longer needed',
  objection: 'the customer objected to the processing',
  other: 'another reason',
  retention: 'the firm’s retention period for closed customers ran out',
};

/** What an erasure keeps and why, in words recorded with it. */
export function retainedStatement(counts: { invoices: number; payments: number; creditNotes: number }): string {
  const parts = [plural(counts.invoices, 'invoice'), plural(counts.payments, 'payment'), plural(counts.creditNotes, 'credit note')];
  return `Kept ${parts.join(', ')} with their amounts and dates, without the customer’s name or contact details: accounting records the law requires to be kept (GDPR Art. 17(3)(b)).`;
}

export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? noun : many}`;
}

/** A short, stable reference for an erasure that names nobody (shown instead of the customer's name). */
export function erasureReference(erasureId: string): string {
  return erasureId.replace(/-/g, '').slice(0, 6).toUpperCase();
}

/** What the audit log's actions are called in words. */
export const AUDIT_ACTION_TEXT: Record<string, string> = {
  'auth.sign_in': 'Signed in',
  'writeback.approved': 'Approved a ledger change',
  'writeback.rejected': 'Rejected a ledger change',
  'organisation.connected': 'Connected an organisation',
  'organisation.disconnected': 'Disconnected an organisation',
  'organisation.data_deleted': 'Deleted an organisation’s synced data',
  'organisation.settings_changed': 'Changed an organisation’s settings',
  'member.added': 'Added a member',
  'member.removed': 'Removed a member',
  'member.role_changed': 'Changed a member’s role',
  'member.invited': 'Invited a member',
  'member.invitation_revoked': 'Withdrew an invitation',
  'member.organisations_changed': 'Changed a client contact’s organisations',
  'firm.settings_changed': 'Changed the firm’s settings',
  'privacy.debtor_exported': 'Exported a customer’s personal data',
  'privacy.debtor_erased': 'Erased a customer’s personal data',
  'privacy.retention_changed': 'Changed retention periods',
  'privacy.retention_applied': 'Deleted data past its retention period',
  'privacy.audit_exported': 'Exported the audit log',
  'privacy.firm_exported': 'Exported all of the firm’s data',
};

export function auditActionText(action: string): string {
  return AUDIT_ACTION_TEXT[action] ?? 'Other';
}
