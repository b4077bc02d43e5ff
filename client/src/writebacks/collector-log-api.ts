/**
 * The collector's log: notes, calls and their follow-ups (server/writebacks/collector-log.ts),
 * and the form checks the dialogs run before sending (every field's problem at once, in words).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api';
import type { CallOutcome, FollowUpView, LogResult } from '../../../server/writebacks/collector-log';
import { useInvalidateWritebacks } from './api';

export type { CallOutcome, FollowUpView, LogResult } from '../../../server/writebacks/collector-log';

/** The outcomes a person picks from, in the order they happen most. */
export const OUTCOME_OPTIONS: { value: CallOutcome; label: string }[] = [
  { value: 'reached', label: 'Spoke to them' },
  { value: 'left_voicemail', label: 'Left a voicemail' },
  { value: 'no_answer', label: 'No answer' },
  { value: 'wrong_number', label: 'Wrong number' },
  { value: 'promised_to_pay', label: 'Promised to pay' },
  { value: 'disputed', label: 'Disputed the invoice' },
];

type Target = { organisationId: string; contactExternalId: string; invoiceId?: string; requestKey: string };
export type NoteBody = Target & { text: string };
export type CallBody = Target & { outcome: CallOutcome; summary?: string; nextStep?: string; followUpOn?: string };

export const addNote = (v: NoteBody) => api<LogResult>('/collector/note', { method: 'POST', body: v });
export const logCall = (v: CallBody) => api<LogResult>('/collector/call', { method: 'POST', body: v });
export const completeFollowUp = (id: string) => api<{ id: string; status: 'done'; changed: boolean }>(`/collector/follow-ups/${id}/done`, { method: 'POST' });

export function useFollowUps(f: { organisationId: string; contactExternalId?: string; invoiceId?: string }) {
  const p = new URLSearchParams({ organisationId: f.organisationId });
  if (f.contactExternalId) p.set('contactExternalId', f.contactExternalId);
  if (f.invoiceId) p.set('invoiceId', f.invoiceId);
  return useQuery({ queryKey: ['follow-ups', f], queryFn: () => api<{ followUps: FollowUpView[] }>(`/collector/follow-ups?${p}`).then((r) => r.followUps) });
}

/** A log mutation: afterwards the timelines, worklist and follow-ups are read again. */
export function useLogMutation<V, R>(fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  const invalidate = useInvalidateWritebacks();
  return useMutation({ mutationFn: fn, onSettled: () => Promise.all([invalidate(), qc.invalidateQueries({ queryKey: ['follow-ups'] })]) });
}

export type FieldErrors = Partial<Record<string, string>>;

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

/**
 * A server refusal as messages by field (`error.fields`, or an older "field: words" message);
 * null when it names no field the form shows, so the form shows the message above its fields.
 */
export function serverFieldError(err: unknown, shown: readonly string[]): FieldErrors | null {
  if (!(err instanceof ApiError) || err.code !== 'validation_failed') return null;
  const out: FieldErrors = {};
  const fields = (err as { fields?: unknown }).fields;
  if (Array.isArray(fields)) for (const f of fields as { field?: unknown; message?: unknown }[]) if (typeof f.field === 'string' && typeof f.message === 'string' && shown.includes(f.field)) out[f.field] = out[f.field] ? `${out[f.field]} ${f.message}` : f.message;
  const m = /^([A-Za-z]+): (.+)$/.exec(err.message);
  if (m && shown.includes(m[1]!) && !out[m[1]!]) out[m[1]!] = sentence(m[2]!);
  return Object.keys(out).length ? out : null;
}

export function checkNote(text: string): FieldErrors {
  const t = text.trim();
  if (!t) return { text: 'Write the note.' };
  if (t.length > 1000) return { text: 'Keep the note under 1,000 characters.' };
  return {};
}

/** Every problem of a call form at once; `today` and `latest` bound the follow-up day. */
export function checkCall(v: { outcome: string | null; summary: string; nextStep: string; followUpOn: string }, today: string, latest: string): FieldErrors {
  const e: FieldErrors = {};
  if (!v.outcome) e['outcome'] = 'Choose what happened on the call.';
  if (v.summary.trim().length > 1000) e['summary'] = 'Keep the summary under 1,000 characters.';
  const step = v.nextStep.trim();
  if (step.length > 200) e['nextStep'] = 'Keep the next step under 200 characters.';
  if (v.followUpOn && !step) e['nextStep'] = 'Say what the next step is, or clear the follow-up day.';
  if (step && !v.followUpOn) e['followUpOn'] = 'Choose the day to follow up.';
  else if (v.followUpOn && (v.followUpOn < today || v.followUpOn > latest)) e['followUpOn'] = v.followUpOn < today ? 'The follow-up day has passed: choose today or later.' : 'Choose a day within the next year.';
  return e;
}
