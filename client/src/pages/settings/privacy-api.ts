/** Settings › Privacy: calls to /api/privacy (wire types from the server, type-only). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AuditRow } from '../../../../server/privacy/audit';
import type { DebtorMatch } from '../../../../server/privacy/debtor';
import type { ErasureResult, ErasureRow } from '../../../../server/privacy/erase';
import type { Retention } from '../../../../server/privacy/policy';
import { api } from '../../api';

export type { AuditRow, DebtorMatch, ErasureResult, ErasureRow, Retention };
export type RetentionState = Retention & { lastRunAt: string | null };
export type ErasureReasonKey = 'debtor_request' | 'no_longer_needed' | 'objection' | 'other';

export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: ['privacy', 'customers', q],
    queryFn: () => api<{ customers: DebtorMatch[] }>(`/privacy/customers?q=${encodeURIComponent(q)}`).then((r) => r.customers),
    enabled: q.trim().length > 0,
  });
}

export function useErasures() {
  return useQuery({ queryKey: ['privacy', 'erasures'], queryFn: () => api<{ erasures: ErasureRow[] }>('/privacy/erasures').then((r) => r.erasures) });
}

export function useRetention() {
  return useQuery({ queryKey: ['privacy', 'retention'], queryFn: () => api<{ retention: RetentionState }>('/privacy/retention').then((r) => r.retention) });
}

export function useAudit() {
  return useQuery({ queryKey: ['privacy', 'audit'], queryFn: () => api<{ entries: AuditRow[] }>('/privacy/audit?limit=200').then((r) => r.entries) });
}

function usePrivacyMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: ['privacy'] }) });
}

export function useErase() {
  return usePrivacyMutation((p: { contactId: string; reason: ErasureReasonKey }) =>
    api<{ erasure: ErasureResult }>(`/privacy/customers/${p.contactId}/erase`, { method: 'POST', body: { reason: p.reason } }).then((r) => r.erasure),
  );
}

export function useSaveRetention() {
  return usePrivacyMutation((r: Retention) => api<{ retention: RetentionState }>('/privacy/retention', { method: 'PUT', body: r }).then((x) => x.retention));
}

export function useCloseFirm() {
  return useMutation({ mutationFn: (confirm: string) => api<{ closed: true; warnings: string[] }>('/privacy/firm/close', { method: 'POST', body: { confirm } }) });
}
