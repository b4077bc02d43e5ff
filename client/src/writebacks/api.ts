/**
 * The write-back and collections API for the staff screens: write-backs (approvals queue, log,
 * retry, reverse), staff credit notes, the activity timeline, collector actions (promise,
 * dispute), pay links, late fees, payment plans and the firm's collections policy.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api';

// The wire shapes are the server's own types (type-only imports: nothing of the server is bundled).
export type { WritebackStatus } from '../../../server/writebacks/types';
export type { TimelineEntry, WritebackView } from '../../../server/writebacks/manage';
export type { CreditInput, CreditPurpose } from '../../../server/writebacks/credit';
import type { FeePreview } from '../../../server/collections/late-fees';
import type { PlanInput, PlanPreview, PlanSummary, PlanView } from '../../../server/collections/plans';
import type { CollectionsPolicy } from '../../../server/collections/policy';
import type { TimelineEntry, WritebackView } from '../../../server/writebacks/manage';
import type { CreditInput } from '../../../server/writebacks/credit';
import type { WritebackStatus } from '../../../server/writebacks/types';

/** Who and what an action is about: a customer, and one of its invoices or all of them. */
export interface ActionTarget {
  organisationId: string;
  contactExternalId: string;
  customerName: string;
  invoice?: { id: string; number: string; currency: string; amountDue: number; total?: number };
}

export interface WritebackFilter {
  status?: WritebackStatus;
  organisationId?: string;
  invoiceId?: string;
  contactExternalId?: string;
}

function qs(params: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Refetch every screen a write-back or an action can change. */
export function useInvalidateWritebacks() {
  const qc = useQueryClient();
  return () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ['writebacks'] }),
      qc.invalidateQueries({ queryKey: ['activities'] }),
      qc.invalidateQueries({ queryKey: ['worklist'] }),
      qc.invalidateQueries({ queryKey: ['collections'] }),
      qc.invalidateQueries({ queryKey: ['analytics'] }),
    ]);
}

/** Lists poll while anything in them is still on its way to the ledger. */
const IN_FLIGHT: ReadonlySet<string> = new Set(['pending', 'sending', 'sent']);

export function useWritebacks(filter: WritebackFilter, opts: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: ['writebacks', 'list', filter],
    enabled: opts.enabled ?? true,
    queryFn: () => api<{ writebacks: WritebackView[] }>(`/writebacks${qs({ ...filter })}`).then((r) => r.writebacks),
    refetchInterval: (q) => (q.state.data?.some((w) => IN_FLIGHT.has(w.status)) ? 1500 : false),
  });
}

export function useWritebackCounts() {
  return useQuery({
    queryKey: ['writebacks', 'counts'],
    queryFn: () => api<{ counts: Partial<Record<WritebackStatus, number>> }>('/writebacks/counts').then((r) => r.counts),
    refetchInterval: 30_000,
  });
}

export function useActivities(f: { organisationId: string | undefined; contactExternalId?: string; invoiceId?: string }) {
  return useQuery({
    queryKey: ['activities', f],
    enabled: Boolean(f.organisationId),
    queryFn: () => api<{ activities: TimelineEntry[] }>(`/activities${qs({ organisationId: f.organisationId, contactExternalId: f.contactExternalId, invoiceId: f.invoiceId })}`).then((r) => r.activities),
    refetchInterval: (q) => (q.state.data?.some((a) => a.writebackStatus && IN_FLIGHT.has(a.writebackStatus)) ? 1500 : false),
  });
}

/** A mutation that refreshes the write-back screens afterwards. */
export function useWritebackMutation<V, R>(fn: (v: V) => Promise<R>) {
  const invalidate = useInvalidateWritebacks();
  return useMutation({ mutationFn: fn, onSettled: () => invalidate() });
}

export const approveWritebacks = (ids: string[]) => api<{ approved: string[]; skipped: string[] }>('/writebacks/approve', { method: 'POST', body: { ids } });
export const rejectWritebacks = (v: { ids: string[]; note?: string }) => api<{ rejected: string[]; skipped: string[] }>('/writebacks/reject', { method: 'POST', body: v });
export const retryWriteback = (id: string) => api<{ ok: true }>(`/writebacks/${id}/retry`, { method: 'POST' });
export const reverseWriteback = (id: string) => api<{ id: string; status: WritebackStatus }>(`/writebacks/${id}/reverse`, { method: 'POST' });

export const issueCredit = (v: CreditInput) => api<{ id: string; status: WritebackStatus; created: boolean; amount: string }>('/writebacks/credit-notes', { method: 'POST', body: v });

type Target = { organisationId: string; contactExternalId: string; invoiceId?: string };
export const recordPromise = (v: Target & { date: string; note?: string }) => api<{ activityId: string; notes: number }>('/collector/promise', { method: 'POST', body: v });
export const markDisputed = (v: Target & { reason: string }) => api<{ activityId: string; notes: number }>('/collector/dispute', { method: 'POST', body: v });
export const resolveDispute = (v: Target & { resolution?: string }) => api<{ activityId: string; notes: number }>('/collector/resolve-dispute', { method: 'POST', body: v });
export const createPayLink = (v: { organisationId: string; invoiceId: string } | { organisationId: string; contactExternalId: string }) => api<{ token: string; url: string }>('/pay-links', { method: 'POST', body: v });
export const sendPayLink = (v: { organisationId: string; contactExternalId: string; invoiceId?: string; note?: string; requestKey: string }) => api<{ sent: boolean; to: string; url: string }>('/pay-links/send', { method: 'POST', body: v });

// ── Collections (late fees, plans, policy) ────────────────────────────────────────────────

export type { ChargedFeeView as ChargedFee, FeePreview } from '../../../server/collections/late-fees';

export function useFeePreview(organisationId: string, invoiceId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['collections', 'late-fees', organisationId, invoiceId],
    enabled,
    queryFn: () => api<{ preview: FeePreview }>(`/collections/late-fees/preview${qs({ organisationId, invoiceId })}`).then((r) => r.preview),
  });
}
export const applyLateFee = (v: { organisationId: string; invoiceId: string }) => api<{ requested: { periodKey: string; amount: string; writebackId: string; status: WritebackStatus; created: boolean }[] }>('/collections/late-fees/apply', { method: 'POST', body: v });
export const forgiveFee = (writebackId: string) => api<{ writebackId: string; status: WritebackStatus; created: boolean; amount: string }>('/collections/late-fees/forgive', { method: 'POST', body: { writebackId } });

export type { Frequency } from '../../../server/domain/collections/plans';
export type { PlanInput, PlanPreview, PlanSummary, PlanView } from '../../../server/collections/plans';
export const previewPlan = (v: PlanInput) => api<{ preview: PlanPreview }>('/collections/plans/preview', { method: 'POST', body: v }).then((r) => r.preview);
export const createPlan = (v: PlanInput) => api<{ plan: PlanView }>('/collections/plans', { method: 'POST', body: v }).then((r) => r.plan);
export const cancelPlan = (id: string) => api<{ plan: PlanView }>(`/collections/plans/${id}/cancel`, { method: 'POST' }).then((r) => r.plan);

export function usePlans(organisationId: string | undefined, contactExternalId: string | undefined) {
  return useQuery({
    queryKey: ['collections', 'plans', organisationId, contactExternalId],
    enabled: Boolean(organisationId && contactExternalId),
    queryFn: () => api<{ plans: PlanSummary[] }>(`/collections/plans${qs({ organisationId, contactExternalId })}`).then((r) => r.plans),
  });
}

export function usePlan(id: string | null) {
  return useQuery({ queryKey: ['collections', 'plan', id], enabled: Boolean(id), queryFn: () => api<{ plan: PlanView }>(`/collections/plans/${id}`).then((r) => r.plan) });
}

export type { CollectionsPolicy } from '../../../server/collections/policy';

export function useCollectionsPolicy() {
  return useQuery({ queryKey: ['collections', 'policy'], queryFn: () => api<{ policy: CollectionsPolicy }>('/collections/policy').then((r) => r.policy) });
}
export const saveCollectionsPolicy = (p: Partial<CollectionsPolicy>) => api<{ policy: CollectionsPolicy }>('/collections/policy', { method: 'PUT', body: p }).then((r) => r.policy);
