/** Picks one of the firm's organisations, kept in the URL as `?org=`. */
import { Select } from '@mantine/core';
import { useEffect } from 'react';
import { useLocation, useSearch } from 'wouter';
import type { OrganisationInfo } from './types';
import { useApiQuery } from './use-api';

export function useSelectedOrganisation() {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const list = useApiQuery<{ organisations: OrganisationInfo[] }>('/analytics/organisations');
  const orgs = list.data?.organisations ?? [];
  const wanted = new URLSearchParams(search).get('org');
  const selected = orgs.find((o) => o.id === wanted) ?? orgs[0] ?? null;
  const select = (id: string | null) => {
    const next = new URLSearchParams(search);
    if (id) next.set('org', id);
    else next.delete('org');
    navigate(`${location}?${next.toString()}`, { replace: true });
  };
  useEffect(() => {
    if (selected && wanted !== selected.id) select(selected.id);
  });
  return { list, orgs, selected, select };
}

export function OrganisationSelect({ orgs, value, onChange }: { orgs: OrganisationInfo[]; value: string | null; onChange: (id: string | null) => void }) {
  return (
    <Select
      size="xs"
      w={260}
      aria-label="Organisation"
      placeholder="Organisation"
      data={orgs.map((o) => ({ value: o.id, label: `${o.name} (${o.baseCurrency})` }))}
      value={value}
      onChange={onChange}
      allowDeselect={false}
      searchable
    />
  );
}
