/** Analytics queries: GET /api… through react-query, and the period kept in the URL. */
import { appNow } from '../../clock';
import { useQuery } from '@tanstack/react-query';
import { useLocation, useSearch } from 'wouter';
import { api } from '../../api';

export function useApiQuery<T>(path: string | null) {
  return useQuery({ queryKey: ['analytics', path], queryFn: () => api<T>(path!), enabled: path !== null, staleTime: 30_000 });
}

export const PERIOD_PRESETS = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '180', label: '6 months' },
  { value: '365', label: '12 months' },
];

function utcToday(): string {
  return appNow().toISOString().slice(0, 10);
}

function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * `?days=` in the URL (default 90) as an explicit `from&to` query string ending today in UTC,
 * so the portfolio and every organisation's pages show the same dates (the server's own
 * default would end on "today" in each organisation's time zone).
 */
export function usePeriodQuery(): { days: string; query: string; setDays: (days: string) => void; params: URLSearchParams } {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const days = params.get('days') ?? '90';
  const n = Number(days);
  const span = Number.isInteger(n) && n > 0 && n <= 3650 ? n : 90;
  const query = `from=${daysBefore(utcToday(), span - 1)}&to=${utcToday()}`;
  const setDays = (d: string) => {
    const next = new URLSearchParams(search);
    if (d === '90') next.delete('days');
    else next.set('days', d);
    const qs = next.toString();
    navigate(`${location}${qs ? `?${qs}` : ''}`, { replace: true });
  };
  return { days, query, setDays, params };
}

export function withQuery(path: string, ...parts: string[]): string {
  const qs = parts.filter(Boolean).join('&');
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}
