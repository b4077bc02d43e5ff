/** The Reminders API (/api/reminders/*, /api/mailbox) for the Reminders pages. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';

// Wire shapes shared with the server (type-only imports: nothing of the server is bundled).
export type { SendStatus } from '../../../../server/reminders/types';
export type { OutboxItem } from '../../../../server/reminders/outbox';
import type { OutboxItem, SendNote } from '../../../../server/reminders/outbox';
import type { SendStatus } from '../../../../server/reminders/types';
import type { Language } from '../../../../kernel/locale';

export interface ReminderOrg {
  id: string;
  name: string;
  provider: 'xero' | 'quickbooks';
  timezone: string;
  status: string;
  enabled: boolean;
  window: string;
  businessDays: number[];
  dailyLimit: number;
  inWindow: boolean;
  nextWindow: string | null;
  today: string;
  sentToday: number;
  counts: { sent: number; pendingApproval: number; queued: number; failed: number };
}

export interface Settings {
  organisationId: string;
  timezone: string;
  enabled: boolean;
  windowStartMinute: number;
  windowEndMinute: number;
  businessDays: number[];
  dailyLimit: number;
  senderName: string | null;
  replyTo: string | null;
  brandColour: string;
  logoUrl: string | null;
  signature: string;
  customerDailyLimit: number;
  confirmAbove: number;
  /** The organisation's own default language (null: from its country) and the one in force (decision 041). */
  language: Language | null;
  defaultLanguage: Language;
  countryLanguage: Language;
}

/** POST /reminders/run/:id/plan — what "Run now" would send (server/reminders/run-confirm.ts). */
export interface RunPlan {
  organisationName: string;
  enabled: boolean;
  inWindow: boolean;
  customers: number;
  emails: number;
  awaitingApproval: number;
  invoices: number;
  overDailyLimit: number;
  steps: { step: string; emails: number }[];
  samples: { customer: string; step: string; invoiceCount: number; amounts: string[]; needsApproval: boolean }[];
  confirmationRequired: boolean;
  reasonText: string | null;
  confirmation: { token: string; expiresAt: string } | null;
}

export interface Step {
  key?: string;
  offsetDays: number;
  channel: 'email' | 'sms' | 'letter' | 'call';
  templateId: string | null;
  approval: 'auto' | 'manual';
  repeatEveryDays: number | null;
  repeatMax: number;
  /** A text step's message or a call step's script (merge fields); null / absent: the built-in one. */
  message?: string | null;
}

export interface Policy {
  id: string;
  scope: 'firm' | 'organisation' | 'segment' | 'customer';
  organisationId: string | null;
  segment: string | null;
  contactExternalId: string | null;
  name: string;
  grouping: 'invoice' | 'customer';
  steps: Step[];
  enabled: boolean;
}

export interface Template {
  id: string;
  name: string;
  organisationId: string | null;
  subject: string;
  bodyHtml: string;
  bodyText: string;
  builtin: boolean;
  updatedAt: string | null;
  /** The language it is written in (decision 041; shown by name) and the template it translates. */
  language?: Language;
  translationOf?: string | null;
}

export interface TemplateIssue {
  message: string;
  field: string | null;
  index: number;
  line: number;
  column: number;
}

export interface TemplateIssues {
  subject: TemplateIssue[];
  bodyHtml: TemplateIssue[];
  bodyText: TemplateIssue[];
}

export interface MergeField {
  name: string;
  description: string;
  example: string;
}

export interface TemplatePreview {
  subject: string;
  html: string;
  text: string;
  issues: TemplateIssues;
  organisation: string;
  sample: { contactExternalId: string | null; customer: string; invoices: number; recipients: string[]; basis: string };
}

export interface SendDetailResponse extends Omit<OutboxItem, 'notes'> {
  organisation: { id: string; name: string; timezone: string };
  messageId: string;
  bodyText: string | null;
  bodyHtml: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  notes: SendNote[];
}

export interface Preview {
  organisationId: string;
  organisationName: string;
  timezone: string;
  date: string;
  enabled: boolean;
  businessDay: boolean;
  window: string;
  dailyLimit: number;
  sends: { subjectType: string; contactExternalId: string; customer: string; invoices: { number: string; dueDate: string | null; display: string }[]; stepNumber: number; stepLabel: string; approval: string; recipients: string[]; overLimit: boolean }[];
  skips: { contactExternalId: string; customer: string; invoice: string; stepNumber: number; reason: string; reasonText: string }[];
}

export interface CustomerDetail {
  organisation: { id: string; name: string; timezone: string };
  customer: { externalId: string; name: string; contactId: string };
  ledgerRecipients: string[];
  ledgerEmails: string[];
  settings: { excluded: boolean; pausedUntil: string | null; pauseReason: string | null; segment: string | null; recipients: string[] | null; language: Language | null };
  /** The organisation's default language and the one this customer's reminders use (decision 041). */
  language: { organisation: Language; effective: Language };
  segment: string | null;
  recipients: string[];
  recipientSource: 'ledger' | 'arcus';
  unsubscribed: { address: string; source: string; at: string }[];
  block: string | null;
  openInvoices: { externalId: string; number: string; dueDate: string | null; amountDue: string; excluded: boolean; pausedUntil: string | null; block: string | null; blockText: string | null }[];
  timeline: { id: string; status: SendStatus; stepNumber: number; subjectType: string; invoices: string[]; subjectLine: string | null; recipients: string[]; skipText: string | null; error: string | null; at: string }[];
}

export const useReminderOrgs = () =>
  useQuery({ queryKey: ['reminders', 'orgs'], queryFn: () => api<{ organisations: ReminderOrg[]; embedded: boolean }>('/reminders/organisations') });

export const useSettings = (orgId: string | null) =>
  useQuery({ queryKey: ['reminders', 'settings', orgId], enabled: !!orgId, queryFn: async () => (await api<{ settings: Settings }>(`/reminders/settings/${orgId}`)).settings });

export const usePolicies = () => useQuery({ queryKey: ['reminders', 'policies'], queryFn: async () => (await api<{ policies: Policy[] }>('/reminders/policies')).policies });

export const useTemplates = (orgId: string | null) =>
  useQuery({ queryKey: ['reminders', 'templates', orgId], queryFn: async () => (await api<{ templates: Template[] }>(`/reminders/templates${orgId ? `?organisationId=${orgId}` : ''}`)).templates });

export const useMergeFields = () => useQuery({ queryKey: ['reminders', 'fields'], staleTime: Number.POSITIVE_INFINITY, queryFn: async () => (await api<{ fields: MergeField[] }>('/reminders/merge-fields')).fields });

/** Polls while anything is on its way out, and for a while after `pollUntil` (e.g. "Run now"). */
export const useOutbox = (orgId: string | null, filter: string, offset: number, pollUntil = 0) =>
  useQuery({
    queryKey: ['reminders', 'outbox', orgId, filter, offset],
    enabled: !!orgId,
    queryFn: () => api<{ total: number; counts: Partial<Record<SendStatus, number>>; items: OutboxItem[] }>(`/reminders/outbox?organisationId=${orgId}&filter=${filter}&limit=25&offset=${offset}`),
    refetchInterval: (q) => (Date.now() < pollUntil || q.state.data?.items.some((i) => i.status === 'claimed' || i.status === 'sending' || i.status === 'failed_temporary') ? 1500 : false),
  });

export const useSend = (id: string) => useQuery({ queryKey: ['reminders', 'send', id], queryFn: async () => (await api<{ send: SendDetailResponse }>(`/reminders/sends/${id}`)).send });

export const usePreviewDay = (orgId: string | null, date: string | null) =>
  useQuery({ queryKey: ['reminders', 'preview', orgId, date], enabled: !!orgId, queryFn: async () => (await api<{ preview: Preview }>(`/reminders/preview?organisationId=${orgId}${date ? `&date=${date}` : ''}`)).preview });

export const useCustomer = (orgId: string, contact: string) =>
  useQuery({ queryKey: ['reminders', 'customer', orgId, contact], queryFn: async () => (await api<{ customer: CustomerDetail }>(`/reminders/customers/${orgId}/${encodeURIComponent(contact)}`)).customer });

export function useInvalidate() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['reminders'] });
}

export function useReminderMutation<V, R = unknown>(fn: (v: V) => Promise<R>) {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: fn, onSuccess: () => invalidate() });
}

export const STATUS: Record<SendStatus, { label: string; color: string }> = {
  pending_approval: { label: 'Needs approval', color: 'yellow' },
  awaiting_client: { label: 'Waiting for the client', color: 'grape' },
  claimed: { label: 'Queued', color: 'blue' },
  sending: { label: 'Sending', color: 'blue' },
  sent: { label: 'Sent', color: 'green' },
  failed_temporary: { label: 'Retrying', color: 'orange' },
  failed_permanent: { label: 'Failed', color: 'red' },
  skipped: { label: 'Skipped', color: 'gray' },
  grouped: { label: 'In a statement', color: 'gray' },
};

/** '22 Nov, 15:18' in the organisation's zone. */
export function shortTime(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso));
  } catch {
    return iso.slice(0, 16).replace('T', ' ');
  }
}

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function minuteText(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function textMinute(t: string): number {
  const [h, m] = t.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function offsetText(days: number): string {
  if (days === 0) return 'On the due date';
  const n = Math.abs(days);
  return `${n} day${n === 1 ? '' : 's'} ${days < 0 ? 'before' : 'after'} due`;
}
