/** Write-back words for the UI: statuses as badges, kinds and purposes in plain words, amounts. */
import { appNow } from '../clock';
import { Badge, Tooltip } from '@mantine/core';
import { formatMoney } from '../components/analytics/format';
import type { WritebackStatus } from './api';

export const STATUS: Record<WritebackStatus, { label: string; color: string; help: string }> = {
  awaiting_approval: { label: 'Awaiting approval', color: 'yellow', help: 'Above the firm’s approval threshold: an admin approves it under Approvals.' },
  awaiting_client: { label: 'Waiting for the client', color: 'orange', help: 'The organisation asks to approve this itself: it is written once their contact approves it in Arcus.' },
  pending: { label: 'Pending', color: 'gray', help: 'Queued to be written to the ledger.' },
  sending: { label: 'Sending', color: 'blue', help: 'Being written to the ledger now.' },
  sent: { label: 'Sent', color: 'blue', help: 'Written; Arcus is reading it back from the ledger to confirm.' },
  confirmed: { label: 'Confirmed', color: 'teal', help: 'In the ledger, read back and checked.' },
  failed: { label: 'Failed', color: 'red', help: 'The ledger refused it or could not be reached. Retry uses the same key, so it never lands twice.' },
  rejected: { label: 'Rejected', color: 'gray', help: 'Rejected by an admin; nothing was written.' },
  cancelled: { label: 'Cancelled', color: 'gray', help: 'Cancelled before it was written (or declined by the client).' },
};

export function StatusBadge({ status, error }: { status: WritebackStatus; error?: string | null }) {
  const s = STATUS[status] ?? { label: status, color: 'gray', help: '' };
  return (
    <Tooltip label={error ? `${s.help} ${error}` : s.help} multiline w={280} withArrow>
      <Badge size="sm" variant="light" color={s.color} data-testid="writeback-status">
        {s.label}
      </Badge>
    </Tooltip>
  );
}

const KIND: Record<string, string> = {
  pay_link: 'Pay link',
  payment: 'Payment',
  credit_note: 'Credit note',
  late_fee: 'Late fee',
  plan_invoice: 'Instalment invoice',
  fee_invoice: 'Fee invoice',
  void: 'Reversal',
  note: 'Ledger note',
  authorise_invoice: 'Invoice approval',
};

const PURPOSE: Record<string, string> = {
  early_payment_discount: 'early-payment discount',
  goodwill: 'goodwill',
  fee_reversal: 'fee reversal',
  cancellation: 'cancellation',
  plan_transfer: 'moved to a plan',
  late_fee: 'late fee',
  interest: 'interest',
  instalment: 'instalment',
  reversal: 'reversal',
  reminder: 'reminder sent',
};

export function kindLabel(kind: string, purpose?: string | null): string {
  const k = KIND[kind] ?? kind.replace(/_/g, ' ');
  const p = purpose ? PURPOSE[purpose] : undefined;
  return p && p !== k.toLowerCase() ? `${k} · ${p}` : k;
}

/** A decimal string in its currency ("£1,250.00"), or a dash. */
export function money(amount: string | number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  return formatMoney(Number(amount), currency || 'USD');
}

/** Kinds an admin can reverse once confirmed (a fee added as a line is forgiven instead). */
export const REVERSIBLE_KINDS: ReadonlySet<string> = new Set(['payment', 'credit_note', 'late_fee', 'plan_invoice']);

export function todayLocal(): string {
  const d = appNow();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function addDaysTo(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Cents of a decimal string ("12.5" → 1250, "150.0000" → 15000), exact; null when it is not a whole-cent amount. */
export function centsOf(s: string | null | undefined): number | null {
  const m = /^(\d+)(?:\.(\d{1,2})(0*))?$/.exec((s ?? '').trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
