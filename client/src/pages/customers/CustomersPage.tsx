/**
 * Customers of one client organisation (chosen above the table) with balances, risk and payment
 * behaviour. Search (name or email), sorting and paging are done by the server
 * (server/analytics/customer-list-sql.ts): a page of PAGE_SIZE, then "Show more" asks for the next by its cursor.
 */
import { Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { ExportCsvButton, Header, LoadError, Loading, PeriodControl } from '../../components/analytics/bits';
import { CustomersTable } from '../../components/analytics/CustomersTable';
import type { Column } from '../../components/analytics/DataTable';
import { OrganisationSelect, useSelectedOrganisation } from '../../components/analytics/OrganisationSelect';
import type { CustomerSummary } from '../../components/analytics/types';
import { usePeriodQuery, withQuery } from '../../components/analytics/use-api';
import { CustomerRiskPanel, useOrganisationScores } from '../../scoring';
import type { Segment } from '../../scoring/api';
import { riskColor, SEGMENT_LABEL } from '../../scoring/badges';

type CustomerRow = CustomerSummary & { risk: { score: number; segment: Segment } | null };
type CustomerPage = { currency: string; total: number; customers: CustomerRow[]; nextCursor: string | null };

const PAGE_SIZE = 100;

/** The table's column keys → the server's sort keys (a column missing here is not sortable). */
const SERVER_SORT: Record<string, string> = {
  name: 'name',
  risk: 'risk',
  ar: 'balance',
  overdue: 'overdue',
  oldest: 'oldest',
  open: 'open',
  late: 'avgDaysLate',
  add: 'add',
  cbdso: 'dsoCountback',
  cei: 'cei',
  last: 'lastPayment',
};

/** The risk score's band, as the badges colour it (scoring/badges.tsx riskColor). */
function riskBand(score: number): string {
  return score >= 70 ? 'High' : score >= 40 ? 'Elevated' : score >= 20 ? 'Moderate' : 'Low';
}

const RISK_COLUMN: Column<CustomerRow> = {
  key: 'risk',
  label: 'Risk',
  sort: (c) => c.risk?.score ?? null,
  render: (c) =>
    c.risk ? (
      <Text fz="sm" fw={600} c={`${riskColor(c.risk.score)}.8`} title={`Risk score ${c.risk.score} of 100 · ${SEGMENT_LABEL[c.risk.segment]}`}>
        {riskBand(c.risk.score)} · {c.risk.score}
      </Text>
    ) : (
      <Text fz="xs" c="dimmed">
        Not scored yet
      </Text>
    ),
};

export function CustomersPage() {
  const { orgs, selected, select, list } = useSelectedOrganisation();
  const { days, query, setDays } = usePeriodQuery();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: 'ar', desc: true });
  const listQuery = new URLSearchParams({ sort: SERVER_SORT[sort.key] ?? 'balance', dir: sort.desc ? 'desc' : 'asc', limit: String(PAGE_SIZE) });
  if (q) listQuery.set('q', q);
  const path = selected ? withQuery(`/organisations/${selected.id}/customers`, query, listQuery.toString()) : null;
  // The organisation is scored on demand by the scores request (the risk panel's too): the list waits for it, so its risk column is filled.
  const scores = useOrganisationScores(selected?.id);
  const pages = useInfiniteQuery({
    queryKey: ['analytics', path],
    queryFn: ({ pageParam }) => api<CustomerPage>(pageParam ? `${path!}&cursor=${encodeURIComponent(pageParam)}` : path!),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: path !== null && !scores.isPending,
    staleTime: 30_000,
    // The table stays while the next search or order loads.
    placeholderData: keepPreviousData,
  });
  const first = pages.data?.pages[0];
  const customers = { isPending: pages.isPending, error: pages.error, data: first ? { currency: first.currency, total: first.total, customers: pages.data!.pages.flatMap((p) => p.customers) } : undefined };
  return (
    <Stack gap="md">
      <Header
        title={
          <div>
            <Title order={2}>Customers</Title>
            <Text c="dimmed">Customers across your clients’ ledgers, with balances, risk and history.</Text>
          </div>
        }
      >
        <OrganisationSelect orgs={orgs} value={selected?.id ?? null} onChange={select} />
        <TextInput label="Search" placeholder="Name or email" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={220} aria-label="Search customers by name or email" />
        <PeriodControl days={days} onChange={setDays} />
        {path && <ExportCsvButton path={path} />}
      </Header>
      {list.isPending ? (
        <Loading />
      ) : orgs.length === 0 ? (
        <Paper withBorder p="xl" radius="md">
          <Text fw={600}>Nothing to show yet</Text>
          <Text size="sm" c="dimmed">
            Connect a client’s Xero organisation or QuickBooks company under Settings to bring in contacts, invoices and payments.
          </Text>
        </Paper>
      ) : customers.isPending ? (
        <Loading />
      ) : customers.error || !customers.data ? (
        <LoadError error={customers.error ?? new Error("The customers could not be loaded.")} />
      ) : (
        <Paper withBorder radius="md" p="xs">
          {q && customers.data.customers.length === 0 ? (
            <Text c="dimmed" fz="sm" p="sm" data-testid="no-search-match">
              No customer’s name or email contains “{q}”.
            </Text>
          ) : (
            <>
              {q ? (
                <Text c="dimmed" fz="xs" px="xs" data-testid="search-count">
                  {customers.data.customers.length} of {customers.data.total} customers match “{q}”
                </Text>
              ) : null}
              <CustomersTable
                customers={customers.data.customers}
                currency={customers.data.currency}
                timeZone={selected?.timezone}
                extraColumns={[RISK_COLUMN]}
                sort={sort}
                onSortChange={(next) => {
                  if (SERVER_SORT[next.key]) setSort(next);
                }}
              />
              {pages.hasNextPage ? (
                <Group justify="center" p="xs">
                  <Button variant="light" size="xs" loading={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()} data-testid="customers-more">
                    Show more customers ({customers.data.customers.length} of {q ? 'those found' : customers.data.total} shown)
                  </Button>
                </Group>
              ) : null}
            </>
          )}
        </Paper>
      )}
      <CustomerRiskPanel organisationId={selected?.id} />
    </Stack>
  );
}
