/** The Settings › Connections data: GET /api/organisations and its actions. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api';

export type Provider = 'xero' | 'quickbooks';

export interface SyncRun {
  id: string;
  kind: 'full' | 'incremental' | 'webhook';
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'deferred';
  /** Estimated percent (entity types done out of four). */
  progress: number;
  /** Records written so far. */
  records: number;
  stage: 'contacts' | 'invoices' | 'creditNotes' | 'payments' | null;
  counts: Record<string, number>;
  apiCalls: number;
  errors: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  deferredUntil: string | null;
}

export interface Organisation {
  id: string;
  provider: Provider;
  providerLabel: string;
  name: string;
  tenantId: string;
  baseCurrency: string;
  timezone: string;
  countryCode: string | null;
  status: 'active' | 'needs_reauth' | 'disconnected';
  statusText: string;
  statusReason: string | null;
  connectionStatus: 'active' | 'needs_reauth' | 'revoked' | null;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
  syncing: boolean;
  latestRun: SyncRun | null;
  documents: { contacts: number; invoices: number };
}

const KEY = ['organisations'];

export function useOrganisations() {
  return useQuery({
    queryKey: KEY,
    queryFn: async () => (await api<{ organisations: Organisation[] }>('/organisations')).organisations,
    // Live progress: poll while anything is queued or running.
    refetchInterval: (q) => (q.state.data?.some((o) => o.syncing) ? 1500 : false),
  });
}

function useOrganisationAction<V>(fn: (v: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: KEY }) });
}

export const useSyncNow = () => useOrganisationAction((v: { id: string; full?: boolean }) => api(`/organisations/${v.id}/sync`, { method: 'POST', body: v.full ? { full: true } : {} }));
export const useDisconnect = () => useOrganisationAction((v: { id: string }) => api<{ warnings: string[] }>(`/organisations/${v.id}/disconnect`, { method: 'POST', body: {} }));
export const useDeleteData = () => useOrganisationAction((v: { id: string; confirm: string }) => api(`/organisations/${v.id}/data`, { method: 'DELETE', body: { confirm: v.confirm } }));
export const useSetTimezone = () => useOrganisationAction((v: { id: string; timezone: string }) => api(`/organisations/${v.id}`, { method: 'PATCH', body: { timezone: v.timezone } }));

export const connectUrl = (provider: Provider, organisationId?: string) => `/oauth/${provider}/connect${organisationId ? `?organisation=${encodeURIComponent(organisationId)}` : ''}`;
export const signInUrl = (provider: Provider) => `/oauth/${provider}/sign-in`;
