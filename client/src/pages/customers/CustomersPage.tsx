/** Customers of one client organisation (chosen above the table) with balances and payment behaviour. */
import { Paper, Stack, Text, Title } from '@mantine/core';
import { ExportCsvButton, Header, LoadError, Loading, PeriodControl } from '../../components/analytics/bits';
import { CustomersTable } from '../../components/analytics/CustomersTable';
import { OrganisationSelect, useSelectedOrganisation } from '../../components/analytics/OrganisationSelect';
import type { CustomerSummary } from '../../components/analytics/types';
import { useApiQuery, usePeriodQuery, withQuery } from '../../components/analytics/use-api';
import { CustomerRiskPanel } from '../../scoring';

export function CustomersPage() {
  const { orgs, selected, select, list } = useSelectedOrganisation();
  const { days, query, setDays } = usePeriodQuery();
  const path = selected ? withQuery(`/organisations/${selected.id}/customers`, query) : null;
  const customers = useApiQuery<{ currency: string; customers: CustomerSummary[] }>(path);
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
      ) : customers.error ? (
        <LoadError error={customers.error} />
      ) : (
        <Paper withBorder radius="md" p="xs">
          <CustomersTable customers={customers.data.customers} currency={customers.data.currency} />
        </Paper>
      )}
      <CustomerRiskPanel organisationId={selected?.id} />
    </Stack>
  );
}
