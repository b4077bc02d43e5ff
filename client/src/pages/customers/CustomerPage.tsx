/** One customer: balance, aging, payment history, invoices and a timeline. */
import { Anchor, Badge, Breadcrumbs, Button, Grid, Group, Paper, SimpleGrid, Stack, Text, Timeline, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { ExportCsvButton, Header, LoadError, Loading, PeriodControl, ProviderBadge } from '../../components/analytics/bits';
import { AgingChart, PaymentHistoryChart } from '../../components/analytics/charts';
import { type Column, DataTable } from '../../components/analytics/DataTable';
import { formatDate, formatDays, formatMoney, formatPct } from '../../components/analytics/format';
import type { Finding, InvoiceRow, Provider } from '../../components/analytics/types';
import { useApiQuery, usePeriodQuery, withQuery } from '../../components/analytics/use-api';
import { CustomerRiskLine } from '../../scoring';
import { ActivityTimeline } from '../../writebacks/ActivityTimeline';
import { CustomerActions, InvoiceActionsMenu, useCanAct } from '../../writebacks/actions/Actions';
import { PlansCard } from '../../writebacks/PlansCard';

interface CustomerDetail {
  customer: { id: string; name: string; externalId: string; emails: { address: string }[]; phones: { number: string }[]; link: string };
  organisation: { id: string; name: string; provider: Provider; baseCurrency: string };
  currency: string;
  period: { from: string; to: string };
  balance: number;
  overdue: number;
  metrics: { dso: number | null; cei: number | null; dbt: number | null; avgDaysToPay: number | null; creditSales: number; collected: number };
  aging: { label: string; amount: number }[];
  paymentHistory: { month: string; invoiced: number; collected: number }[];
  invoices: InvoiceRow[];
  dataQuality: Finding[];
  timeline: { at: string; kind: string; summary: string; link: string | null }[];
}

const LEDGER_KINDS: ReadonlySet<string> = new Set(['invoice.issued', 'payment.received', 'credit.applied']);

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="lg" fw={700}>
        {value}
      </Text>
    </Paper>
  );
}

const baseColumns: Column<InvoiceRow>[] = [
  { key: 'number', label: 'Invoice', sort: (r) => r.number, render: (r) => <Anchor href={r.link} target="_blank" rel="noreferrer" fz="sm">{r.number || r.externalId}</Anchor> },
  { key: 'due', label: 'Due', sort: (r) => r.dueDate, render: (r) => formatDate(r.dueDate) },
  { key: 'total', label: 'Total', align: 'right', sort: (r) => r.total, render: (r) => formatMoney(r.total, r.currency) },
  { key: 'balance', label: 'Balance', align: 'right', sort: (r) => r.balance, render: (r) => formatMoney(r.balance, r.currency) },
  { key: 'status', label: 'Status', sort: (r) => r.status, render: (r) => <Badge variant="light" styles={{ label: { overflow: 'visible' } }} color={r.status === 'paid' ? 'teal' : r.status === 'overdue' ? 'red' : 'blue'}>{r.status}</Badge> },
];

function invoiceColumns(d: CustomerDetail): Column<InvoiceRow>[] {
  const actions: Column<InvoiceRow> = {
    key: 'actions',
    label: '',
    align: 'right',
    render: (r) => (r.status === 'paid' ? null : <InvoiceActionsMenu target={{ organisationId: d.organisation.id, contactExternalId: d.customer.externalId, customerName: d.customer.name, invoice: { id: r.id, number: r.number || r.externalId, currency: r.currency, amountDue: r.balance, total: r.total } }} icon />),
  };
  return [...baseColumns, actions];
}

export function CustomerPage() {
  const { id } = useParams<{ id: string }>();
  const { canAct } = useCanAct();
  const { days, query, setDays } = usePeriodQuery();
  const detail = useApiQuery<CustomerDetail>(withQuery(`/customers/${id}`, query));
  const [shown, setShown] = useState(12);
  if (detail.isPending) return <Loading />;
  if (detail.error) return <LoadError error={detail.error} />;
  const d = detail.data;
  // What Arcus and people did is in the Activity card: this one keeps what happened in the ledger.
  const ledgerHistory = d.timeline.filter((t) => LEDGER_KINDS.has(t.kind));
  const m = d.metrics;
  return (
    <Stack gap="md">
      <Breadcrumbs>
        <Anchor component={Link} href="/portfolio" fz="sm">Portfolio</Anchor>
        <Anchor component={Link} href={`/organisations/${d.organisation.id}`} fz="sm">{d.organisation.name}</Anchor>
        <Text fz="sm">{d.customer.name}</Text>
      </Breadcrumbs>
      <Header
        title={
          <div>
            <Group gap="sm">
              <Title order={2}>{d.customer.name}</Title>
              <ProviderBadge provider={d.organisation.provider} />
            </Group>
            <Text c="dimmed" fz="sm">
              {d.customer.emails[0]?.address ?? 'no email'} · {d.customer.phones[0]?.number ?? 'no phone'} ·{' '}
              <Anchor href={d.customer.link} target="_blank" rel="noreferrer" fz="sm">Open in ledger ↗</Anchor>
            </Text>
            <CustomerRiskLine organisationId={d.organisation.id} contactExternalId={d.customer.externalId} />
          </div>
        }
      >
        <Stack gap="xs" align="flex-end">
          <PeriodControl days={days} onChange={setDays} />
          <CustomerActions
            target={{ organisationId: d.organisation.id, contactExternalId: d.customer.externalId, customerName: d.customer.name }}
            openInvoices={d.invoices.filter((i) => i.status !== 'paid' && i.balance > 0).map((i) => ({ id: i.id, number: i.number || i.externalId, currency: i.currency, amountDue: i.balance, dueDate: i.dueDate }))}
          />
        </Stack>
      </Header>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
        <Fact label="Balance" value={formatMoney(d.balance, d.currency)} />
        <Fact label="Overdue" value={formatMoney(d.overdue, d.currency)} />
        <Fact label="DSO" value={formatDays(m.dso)} />
        <Fact label="Avg days to pay" value={formatDays(m.avgDaysToPay)} />
        <Fact label="DBT" value={formatDays(m.dbt)} />
        <Fact label="CEI" value={formatPct(m.cei)} />
      </SimpleGrid>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" radius="md">
            <Text fw={600} mb="sm">Aging at {d.period.to}</Text>
            <AgingChart aging={d.aging} currency={d.currency} />
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder p="md" radius="md">
            <Text fw={600} mb="sm">Payment history (24 months)</Text>
            <PaymentHistoryChart history={d.paymentHistory} currency={d.currency} />
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder p="md" radius="md">
            <Group justify="space-between" mb="sm">
              <Text fw={600}>Invoices</Text>
              <ExportCsvButton path={`/organisations/${d.organisation.id}/invoices?status=all&customer=${encodeURIComponent(d.customer.externalId)}&asOf=${d.period.to}`} />
            </Group>
            <DataTable label="Customer invoices" minWidth={480} columns={invoiceColumns(d)} rows={d.invoices} rowKey={(r) => r.id} empty={<Text c="dimmed">No invoices.</Text>} />
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <PlansCard organisationId={d.organisation.id} contactExternalId={d.customer.externalId} canAct={canAct} />
            <Paper withBorder p="md" radius="md" data-testid="customer-activity">
              <Text fw={600} mb="sm">Activity</Text>
              <ActivityTimeline organisationId={d.organisation.id} contactExternalId={d.customer.externalId} />
            </Paper>
            <Paper withBorder p="md" radius="md">
              <Text fw={600} mb="sm">Ledger history</Text>
              {d.dataQuality.length > 0 && (
                <Text fz="xs" c="orange.8" mb="xs">
                  {d.dataQuality.map((f) => f.detail).join(' · ')} — <Anchor href={d.customer.link} target="_blank" rel="noreferrer" fz="xs">fix in ledger</Anchor>
                </Text>
              )}
              <Timeline bulletSize={14} lineWidth={2} active={-1}>
                {ledgerHistory.slice(0, shown).map((t) => (
                  <Timeline.Item key={`${t.at}-${t.kind}-${t.summary}`} title={<Text fz="sm">{t.summary}</Text>} color={t.kind.startsWith('payment') ? 'teal' : t.kind.startsWith('credit') ? 'grape' : 'blue'}>
                    <Text fz="xs" c="dimmed">{formatDate(t.at)}</Text>
                  </Timeline.Item>
                ))}
              </Timeline>
              {ledgerHistory.length > shown && (
                <Button variant="subtle" size="xs" mt="xs" onClick={() => setShown((n) => n + 25)}>
                  Show more ({ledgerHistory.length - shown})
                </Button>
              )}
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
