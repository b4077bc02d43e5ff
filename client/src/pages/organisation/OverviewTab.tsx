/** KPI tiles (formula on hover), aging, DSO and CEI over 24 months, top overdue customers, data quality and targets. */
import { Grid, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { ExportCsvButton } from '../../components/analytics/bits';
import { AgingChart, TrendChart } from '../../components/analytics/charts';
import { CustomersTable } from '../../components/analytics/CustomersTable';
import { KpiTile } from '../../components/analytics/KpiTile';
import type { Dashboard } from '../../components/analytics/types';
import { formatDate } from '../../components/analytics/format';
import { DataQualitySummary } from './DataQualityPanel';
import { TargetsCard } from './TargetsCard';

function Card({ title, children, action }: { title: string; children: React.ReactNode; action?: React.ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Text fw={600}>{title}</Text>
        {action}
      </Group>
      {children}
    </Paper>
  );
}

export function OverviewTab({ dashboard: d, isAdmin }: { dashboard: Dashboard; isAdmin: boolean }) {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
        {d.kpis.map((k) => (
          <KpiTile key={k.key} kpi={k} currency={d.currency} />
        ))}
      </SimpleGrid>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card title={`Aging at ${formatDate(d.period.to)}`}>
            <AgingChart aging={d.aging} currency={d.currency} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card title="DSO by month, days (24 months)">
            <TrendChart
              series={d.series}
              unit=" d"
              lines={[
                { key: 'dso', label: 'DSO', color: 'blue.6' },
                { key: 'bestPossibleDso', label: 'Best-possible DSO', color: 'gray.5' },
              ]}
            />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card title="Top overdue customers" action={<ExportCsvButton path={`/organisations/${d.organisation.id}/customers?from=${d.period.from}&to=${d.period.to}`} label="Export all customers" />}>
            <CustomersTable customers={d.topOverdue} currency={d.currency} timeZone={d.organisation.timezone} label="Top overdue customers" compact />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card title="CEI by month, % (24 months)">
            <TrendChart series={d.series} unit="%" lines={[{ key: 'cei', label: 'CEI', color: 'teal.6' }]} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card title="Targets">
            <TargetsCard organisationId={d.organisation.id} isAdmin={isAdmin} compact />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card title="Data quality">
            <DataQualitySummary organisationId={d.organisation.id} />
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
