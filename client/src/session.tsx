import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type SessionInfo, setCsrfToken } from './api';
import { syncAppClock } from './clock';

export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      const s = await api<SessionInfo>('/session');
      setCsrfToken(s.csrfToken);
      syncAppClock(s.now);
      return s;
    },
    staleTime: 60_000,
  });
}

export function useRefreshSession() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['session'] });
}
