/** One customer: balance, aging, payment history, invoices and a timeline. */
import { Anchor, Badge, Breadcrumbs, Button, Grid, Group, Paper, SimpleGrid, Stack, Text, Timeline, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { ExportCsvButton, Figure, Header, LoadError, Loading, PeriodControl, ProviderBadge } from '../../components/analytics/bits';
import { AgingChart, PaymentHistoryChart } from '../../components/analytics/charts';
import { type Column, DataTable } from '../../components/analytics/DataTable';
import { figureOrReason, formatDate, formatDays, formatListDate, formatMoney, formatPct, INVOICE_STATUS_WORDS, invoiceChoiceLabel, invoiceName } from '../../components/analytics/format';
import type { CustomerFigureKey, Finding, InvoiceRow, Provider } from '../../components/analytics/types';
import { useApiQuery, usePeriodQuery, withQuery } from '../../components/analytics/use-api';
import { ConversationCard } from '../../replies/ConversationCard';
import { CustomerPredictionsCard, CustomerRiskLine } from '../../scoring';
import { ActivityTimeline } from '../../writebacks/ActivityTimeline';
import { CustomerActions, InvoiceActionsMenu, useCanAct } from '../../writebacks/actions/Actions';
import { CollectorLogCard } from '../../writebacks/CollectorLogCard';
import { PlansCard } from '../../writebacks/PlansCard';
import { AutopayCard } from './AutopayCard';
import { CancelServiceButton } from './CancelService';
import { CustomerLanguage } from './CustomerLanguage';
import { PaymentsCard } from './PaymentsCard';
import { SmsHistoryCard } from './SmsHistoryCard';

interface CustomerDetail {
  customer: { id: string; name: string; externalId: string; emails: { address: string }[]; phones: { number: string }[]; link: string };
  organisation: { id: string; name: string; provider: Provider; baseCurrency: string; timezone: string };
  currency: string;
  period: { from: string; to: string };
  balance: number;
  overdue: number;
  metrics: Record<CustomerFigureKey, number | null> & { dbt: number | null; creditSales: number; collected: number; why: Partial<Record<CustomerFigureKey, string>> };
  aging: { label: string; amount: number }[];
  paymentHistory: { month: string; invoiced: number; collected: number }[];
  invoices: InvoiceRow[];
  dataQuality: Finding[];
  timeline: { at: string; kind: string; summary: string; link: string | null }[];
}

const LEDGER_KINDS: ReadonlySet<string> = new Set(['invoice.issued', 'payment.received', 'credit.applied']);

function Fact({ label, value, why = null, hint }: { label: string; value: string; why?: string | null; hint?: string }) {
  return (
    <Paper withBorder p="sm" radius="md" data-fact={label} title={hint}>
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="lg" fw={700}>
        <Figure text={value} why={why} fz="lg" />
      </Text>
      {why && (
        <Text fz="xs" c="dimmed">
          {why}
        </Text>
      )}
    </Paper>
  );
}

function MetricFact({ d, k, label, hint, format }: { d: CustomerDetail; k: CustomerFigureKey; label: string; hint: string; format: (v: number | null) => string }) {
  const f = figureOrReason(d.metrics[k], format, d.metrics.why[k]);
  return <Fact label={label} value={f.text} why={f.why} hint={hint} />;
}

const baseColumns = (timeZone: string): Column<InvoiceRow>[] => [
  { key: 'number', label: 'Invoice', sort: (r) => r.number, render: (r) => <Anchor href={r.link} target="_blank" rel="noreferrer" fz="sm">{invoiceName(r)}</Anchor> },
  { key: 'due', label: 'Due', sort: (r) => r.dueDate, render: (r) => formatListDate(r.dueDate, timeZone) },
  { key: 'total', label: 'Total', align: 'right', sort: (r) => r.total, render: (r) => formatMoney(r.total, r.currency) },
  { key: 'balance', label: 'Balance', align: 'right', sort: (r) => r.balance, render: (r) => formatMoney(r.balance, r.currency) },
  { key: 'status', label: 'Status', sort: (r) => r.status, render: (r) => <Badge variant="light" tt="none" styles={{ label: { overflow: 'visible' } }} color={r.status === 'paid' ? 'teal' : r.status === 'overdue' ? 'red' : 'blue'}>{INVOICE_STATUS_WORDS[r.status] ?? 'Other'}</Badge> },
];

function invoiceColumns(d: CustomerDetail): Column<InvoiceRow>[] {
  const actions: Column<InvoiceRow> = {
    key: 'actions',
    label: '',
    align: 'right',
    render: (r) => (r.status === 'paid' ? null : <InvoiceActionsMenu target={{ organisationId: d.organisation.id, contactExternalId: d.customer.externalId, customerName: d.customer.name, invoice: { id: r.id, number: invoiceName(r), currency: r.currency, amountDue: r.balance, total: r.total } }} icon />),
  };
  return [...baseColumns(d.organisation.timezone), actions];
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
              <Anchor href={d.customer.link} target="_blank" rel="noreferrer" fz="sm">Open in ledger ↗</Anchor> ·{' '}
              <Anchor component={Link} href={`/customers/${id}/statement`} fz="sm">Statement</Anchor>
            </Text>
            <CustomerRiskLine organisationId={d.organisation.id} contactExternalId={d.customer.externalId} />
            <CustomerLanguage organisationId={d.organisation.id} contactExternalId={d.customer.externalId} />
          </div>
        }
      >
        <Stack gap="xs" align="flex-end" maw="100%">
          <PeriodControl days={days} onChange={setDays} />
          <CustomerActions
            target={{ organisationId: d.organisation.id, contactExternalId: d.customer.externalId, customerName: d.customer.name }}
            openInvoices={d.invoices.filter((i) => i.status !== 'paid' && i.balance > 0).map((i) => ({ id: i.id, number: invoiceName(i), currency: i.currency, amountDue: i.balance, dueDate: i.dueDate }))}
          />
          {canAct ? <CancelServiceButton organisationId={d.organisation.id} customerId={id} /> : null}
        </Stack>
      </Header>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
        <Fact label="Balance" value={formatMoney(d.balance, d.currency)} />
        <Fact label="Overdue" value={formatMoney(d.overdue, d.currency)} />
        <MetricFact d={d} k="avgDaysLate" label="Avg days late" format={formatDays} hint="Days past the due date that the invoices paid in this period were paid, weighted by amount" />
        <MetricFact d={d} k="add" label="ADD" format={formatDays} hint="Average days delinquent: how many days of this customer's most recent sales the overdue balance stands for" />
        <MetricFact d={d} k="dsoCountback" label="Countback DSO" format={formatDays} hint="How many days of this customer's most recent sales the balance stands for, counted back month by month" />
        <MetricFact d={d} k="cei" label="CEI" format={formatPct} hint="Collection effectiveness: the share of what could be collected in this period that was" />
      </SimpleGrid>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" radius="md">
            <Text fw={600} mb="sm">Aging at {formatDate(d.period.to)}</Text>
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
          <CustomerPredictionsCard customerId={d.customer.id} mt="md" />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <CollectorLogCard
              target={{ organisationId: d.organisation.id, contactExternalId: d.customer.externalId, customerName: d.customer.name }}
              invoices={d.invoices.filter((i) => i.status !== 'paid' && i.balance > 0).map((i) => ({ id: i.id, label: invoiceChoiceLabel(i) }))}
            />
            <PlansCard organisationId={d.organisation.id} contactExternalId={d.customer.externalId} canAct={canAct} />
            <ConversationCard organisationId={d.organisation.id} contactExternalId={d.customer.externalId} />
            <SmsHistoryCard customerId={id} />
            <PaymentsCard customerId={id} customerName={d.customer.name} canAct={canAct} />
            <AutopayCard customerId={id} canCollect={canAct} />
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
                    <Text fz="xs" c="dimmed">{formatListDate(t.at, d.organisation.timezone)}</Text>
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
