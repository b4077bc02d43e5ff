/** Every client organisation at a glance: AR in the reporting currency, overdue %, DSO, CEI, trend, needs help. */
import { Alert, Anchor, Badge, Button, Group, Paper, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { Link, useLocation } from 'wouter';
import { ExportCsvButton, Header, LoadError, Loading, NeedsHelpBadge, PeriodControl, ProviderBadge, TrendArrow } from '../../components/analytics/bits';
import { type Column, DataTable } from '../../components/analytics/DataTable';
import { formatDate, formatDays, formatMoney, formatPct, formatRate } from '../../components/analytics/format';
import type { Portfolio, PortfolioRate, PortfolioRow } from '../../components/analytics/types';
import { useApiQuery, usePeriodQuery, withQuery } from '../../components/analytics/use-api';
import { useSession } from '../../session';
import { PortfolioSettingsButtons, ReportingCurrencyControl } from './PortfolioSettings';
import { ChronicLateCard } from '../../scoring/ChronicLateCard';

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="xl" fw={700}>
        {value}
      </Text>
      {hint && (
        <Text fz="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

export function PortfolioPage() {
  const { days, query, setDays } = usePeriodQuery();
  const path = withQuery('/portfolio', query);
  const portfolio = useApiQuery<Portfolio>(path);
  const [, navigate] = useLocation();
  const isAdmin = useSession().data?.user?.role === 'admin';

  const columns: Column<PortfolioRow>[] = [
    {
      key: 'name',
      label: 'Organisation',
      sort: (r) => r.name.toLowerCase(),
      render: (r) => (
        <Anchor component={Link} href={`/organisations/${r.organisationId}`} fw={600} fz="sm">
          {r.name}
        </Anchor>
      ),
    },
    { key: 'provider', label: 'Ledger', sort: (r) => r.provider, render: (r) => <ProviderBadge provider={r.provider} /> },
    {
      key: 'ar',
      label: 'Receivables',
      align: 'right',
      sort: (r) => (r.note ? null : r.arEnd),
      render: (r) =>
        r.note ? (
          <Tooltip label={r.note} multiline w={280} withArrow>
            <Group gap={6} justify="flex-end" wrap="nowrap">
              <Badge size="xs" color="orange" variant="light">
                no rate to {portfolio.data?.reportingCurrency}
              </Badge>
              <Text fz="sm">{formatMoney(r.arEnd, r.currency)}</Text>
            </Group>
          </Tooltip>
        ) : (
          <Tooltip label={r.converted && r.rate ? `Converted from ${r.baseCurrency} at ${formatRate(r.rate.value)}, ${r.rate.from}` : `In ${r.currency}`} multiline w={300} withArrow>
            <Group gap={6} justify="flex-end" wrap="nowrap">
              {r.rate?.stale && (
                <Badge size="xs" color="orange" variant="light">
                  old rate
                </Badge>
              )}
              <Text fz="sm">{formatMoney(r.arEnd, r.currency)}</Text>
            </Group>
          </Tooltip>
        ),
    },
    { key: 'overdue', label: 'Overdue', align: 'right', sort: (r) => r.overduePct, render: (r) => formatPct(r.overduePct) },
    { key: 'dso', label: 'DSO', align: 'right', sort: (r) => r.dso, render: (r) => formatDays(r.dso) },
    { key: 'cei', label: 'CEI', align: 'right', sort: (r) => r.cei, render: (r) => formatPct(r.cei) },
    { key: 'trend', label: 'DSO trend', align: 'right', sort: (r) => r.trend?.changePct ?? null, render: (r) => <TrendArrow trend={r.trend} compare={r.dsoCompare} /> },
    { key: 'help', label: 'Status', sort: (r) => (r.needsHelp.flag ? 1 : 0), render: (r) => <NeedsHelpBadge verdict={r.needsHelp} /> },
  ];

  return (
    <Stack gap="md">
      <Header
        title={
          <div>
            <Title order={2}>Portfolio</Title>
            <Text c="dimmed">Every client organisation at a glance: AR, overdue share, DSO, CEI and who needs help.</Text>
          </div>
        }
      >
        <ReportingCurrencyControl canChange={isAdmin} />
        <PeriodControl days={days} onChange={setDays} />
        {isAdmin && <PortfolioSettingsButtons />}
        <ExportCsvButton path={path} />
      </Header>
      {portfolio.isPending ? (
        <Loading />
      ) : portfolio.error ? (
        <LoadError error={portfolio.error} />
      ) : portfolio.data.rows.length === 0 ? (
        <Paper withBorder p="xl" radius="md">
          <Text fw={600}>No client organisations yet</Text>
          <Text size="sm" c="dimmed" mb="sm">
            Connect a client’s Xero organisation or QuickBooks company to see its receivables here.
          </Text>
          <Button component={Link} href="/settings" size="xs">
            Connect a ledger
          </Button>
        </Paper>
      ) : (
        <PortfolioBody data={portfolio.data} columns={columns} isAdmin={isAdmin} onOpen={(r) => navigate(`/organisations/${r.organisationId}`)} />
      )}
      {portfolio.data && portfolio.data.rows.length > 0 ? <ChronicLateCard /> : null}
    </Stack>
  );
}

function PortfolioBody({ data, columns, isAdmin, onOpen }: { data: Portfolio; columns: Column<PortfolioRow>[]; isAdmin: boolean; onOpen: (r: PortfolioRow) => void }) {
  const t = data.totals;
  return (
    <>
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat label={`Receivables (${t.currency})`} value={formatMoney(t.arEnd, t.currency)} hint={`${t.organisations} organisation${t.organisations === 1 ? '' : 's'}`} />
        <Stat label="Overdue" value={formatPct(t.overduePct)} hint={formatMoney(t.overdue, t.currency)} />
        <Stat label="Portfolio DSO" value={formatDays(t.dso)} hint={`${formatDate(data.period.from)} – ${formatDate(data.period.to)}`} />
        <Stat label="Need help" value={String(t.needsHelp)} hint={`of ${data.rows.length}`} />
      </SimpleGrid>
      {data.warnings.length > 0 && (
        <Alert color="orange" variant="light" title="Old exchange rates" data-testid="stale-rates">
          {data.warnings.map((w) => (
            <Text key={w} fz="sm">
              {w}
            </Text>
          ))}
          {!isAdmin && (
            <Text fz="xs" c="dimmed" mt={4}>
              Only an admin can change exchange rates.
            </Text>
          )}
        </Alert>
      )}
      {t.note && (
        <Alert color="orange" variant="light" title="Not in the totals" data-testid="missing-rates">
          {t.note}
        </Alert>
      )}
      {data.rates.length > 0 && <RatesUsed rates={data.rates} reportingCurrency={data.reportingCurrency} />}
      <Paper withBorder radius="md" p="xs">
        <DataTable label="Portfolio" columns={columns} rows={data.rows} rowKey={(r) => r.organisationId} initialSort={{ key: 'help', desc: true }} onRowClick={onOpen} />
      </Paper>
    </>
  );
}

/** Each rate the totals use, and where it came from. */
function RatesUsed({ rates, reportingCurrency }: { rates: PortfolioRate[]; reportingCurrency: string }) {
  return (
    <Stack gap={2} data-testid="rates-used">
      <Text fz="xs" c="dimmed" fw={600}>
        Rates used
      </Text>
      {rates.map((r) => (
        <Text key={r.currency} fz="xs" c={r.stale ? 'orange.8' : 'dimmed'}>
          1 {r.currency} = {formatRate(r.value)} {reportingCurrency}, {r.from}
          {r.stale ? ' (more than 45 days old)' : ''}
        </Text>
      ))}
    </Stack>
  );
}
