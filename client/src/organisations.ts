/** The Settings › Connections data: GET /api/organisations and its actions. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api';

// The wire shapes are the server's own (type-only imports: nothing of the server is bundled).
export type { Provider } from '../../integrations/ledger/types';
export type { OrganisationView as Organisation, SyncRunView as SyncRun } from '../../server/connections/list';
import type { Provider } from '../../integrations/ledger/types';
import type { OrganisationView as Organisation } from '../../server/connections/list';

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
