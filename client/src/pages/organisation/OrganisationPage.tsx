/** One client organisation: dashboard, customers, invoices, segments, data quality and targets. */
import { Alert, Anchor, Breadcrumbs, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { Link, useParams } from 'wouter';
import { ExportCsvButton, Header, LoadError, Loading, PeriodControl, ProviderBadge } from '../../components/analytics/bits';
import { CustomersTable } from '../../components/analytics/CustomersTable';
import { formatDate } from '../../components/analytics/format';
import { InvoicesTable } from '../../components/analytics/InvoicesTable';
import type { CustomerSummary, Dashboard } from '../../components/analytics/types';
import { useApiQuery, usePeriodQuery, withQuery } from '../../components/analytics/use-api';
import { BacktestCard, CustomerRiskPanel, InvoiceRiskPanel } from '../../scoring';
import { useSession } from '../../session';
import { DataQualityPanel } from './DataQualityPanel';
import { OverviewTab } from './OverviewTab';
import { SegmentsTab } from './SegmentsTab';
import { ActionPlanCard } from './ActionPlanCard';
import { TargetsCard } from './TargetsCard';
import { BillingAccuracyCard } from './BillingAccuracyCard';

export function OrganisationPage() {
  const { id } = useParams<{ id: string }>();
  const { days, query, setDays } = usePeriodQuery();
  const dashboard = useApiQuery<Dashboard>(withQuery(`/organisations/${id}/dashboard`, query));
  const isAdmin = useSession().data?.user?.role === 'admin';
  if (dashboard.isPending) return <Loading />;
  if (dashboard.error) return <LoadError error={dashboard.error} />;
  const d = dashboard.data;
  return (
    <Stack gap="md">
      <Breadcrumbs>
        <Anchor component={Link} href="/portfolio" fz="sm">
          Portfolio
        </Anchor>
        <Text fz="sm">{d.organisation.name}</Text>
      </Breadcrumbs>
      <Header
        title={
          <div>
            <Group gap="sm">
              <Title order={2}>{d.organisation.name}</Title>
              <ProviderBadge provider={d.organisation.provider} />
            </Group>
            <Text c="dimmed" fz="sm">
              {formatDate(d.period.from)} – {formatDate(d.period.to)} · amounts in {d.currency}
              {d.foreignCurrencies.length > 0 ? ` (invoices in ${d.foreignCurrencies.join(', ')} converted at the ledger’s rates)` : ''} · {d.counts.invoices} invoices,{' '}
              {d.counts.customers} customers
            </Text>
          </div>
        }
      >
        <Group gap="sm" wrap="wrap">
          <Anchor component={Link} href={`/organisations/${d.organisation.id}/report`} fz="sm">
            Monthly report
          </Anchor>
          <Anchor component={Link} href={`/organisations/${d.organisation.id}/fees`} fz="sm">
            Service & fees
          </Anchor>
          <Anchor component={Link} href={`/organisations/${d.organisation.id}/commissions`} fz="sm">
            Commissions
          </Anchor>
          <Anchor component={Link} href={`/exceptions?organisation=${d.organisation.id}`} fz="sm">
            Exceptions
          </Anchor>
          <Anchor component={Link} href={`/billing-review?organisation=${d.organisation.id}`} fz="sm">
            Billing review
          </Anchor>
          <PeriodControl days={days} onChange={setDays} />
        </Group>
      </Header>
      {d.needsHelp.flag && (
        <Alert color="red" variant="light" title="Needs help">
          {d.needsHelp.reasons.join(' · ')}
        </Alert>
      )}
      <Tabs defaultValue="overview" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="customers">Customers</Tabs.Tab>
          <Tabs.Tab value="invoices">Invoices</Tabs.Tab>
          <Tabs.Tab value="segments">Segments</Tabs.Tab>
          <Tabs.Tab value="quality">Data quality</Tabs.Tab>
          <Tabs.Tab value="targets">Targets</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <OverviewTab dashboard={d} isAdmin={isAdmin} />
          <BacktestCard organisationId={d.organisation.id} mt="md" />
          <BillingAccuracyCard organisationId={d.organisation.id} />
        </Tabs.Panel>
        <Tabs.Panel value="customers" pt="md">
          <CustomersTab organisationId={d.organisation.id} timeZone={d.organisation.timezone} query={query} />
        </Tabs.Panel>
        <Tabs.Panel value="invoices" pt="md">
          <InvoicesTable organisationId={d.organisation.id} timeZone={d.organisation.timezone} />
          <InvoiceRiskPanel organisationId={d.organisation.id} />
        </Tabs.Panel>
        <Tabs.Panel value="segments" pt="md">
          <SegmentsTab organisationId={d.organisation.id} currency={d.currency} query={query} />
        </Tabs.Panel>
        <Tabs.Panel value="quality" pt="md">
          <DataQualityPanel organisationId={d.organisation.id} />
        </Tabs.Panel>
        <Tabs.Panel value="targets" pt="md">
          <Stack gap="lg">
            <TargetsCard organisationId={d.organisation.id} isAdmin={isAdmin} />
            <ActionPlanCard organisationId={d.organisation.id} />
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function CustomersTab({ organisationId, timeZone, query }: { organisationId: string; timeZone: string; query: string }) {
  const path = withQuery(`/organisations/${organisationId}/customers`, query);
  const list = useApiQuery<{ currency: string; customers: CustomerSummary[] }>(path);
  if (list.isPending) return <Loading />;
  if (list.error) return <LoadError error={list.error} />;
  return (
    <Stack gap="sm">
      <Group justify="flex-end">
        <ExportCsvButton path={path} />
      </Group>
      <CustomersTable customers={list.data.customers} currency={list.data.currency} timeZone={timeZone} />
      <CustomerRiskPanel organisationId={organisationId} />
    </Stack>
  );
}
