/**
 * Cash forecast: expected collections per week for 13 weeks with a 10–90% band, for the
 * portfolio (reporting currency) or one organisation, last quarter's forecast against what
 * actually came in, and — for an organisation — the in-app backtest.
 */
import { ScoringPending } from '../../scoring/ScoringPending';
import { Alert, Center, Group, Loader, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { type Forecast, type LastQuarter, useOrganisationForecast, usePortfolioForecast } from '../../scoring/api';
import { BacktestCard } from '../../scoring/BacktestCard';
import { ForecastChart } from '../../scoring/ForecastChart';
import { formatMoney, longDate, percent } from '../../scoring/format';

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
      {hint ? (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      ) : null}
    </Paper>
  );
}

function ForecastBlock({ forecast, currency, title }: { forecast: Forecast; currency: string; title: string }) {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 4 }}>
        <Stat label="Expected in 13 weeks" value={formatMoney(forecast.expected13Weeks, currency, 0)} hint={`from ${forecast.invoices} open invoices`} />
        <Stat label="Open balance" value={formatMoney(forecast.open, currency, 0)} />
        <Stat label="Expected later" value={formatMoney(forecast.later, currency, 0)} hint="after the 13 weeks" />
        <Stat label="Expected never paid" value={formatMoney(forecast.neverPaid, currency, 0)} hint="grows with how far past due, the customer’s history and disputes" />
      </SimpleGrid>
      <Paper withBorder p="md" radius="md">
        <Text fw={600}>{title}</Text>
        <Text size="xs" c="dimmed" mb="xs">
          Each open invoice spread over the weeks it is likely to be paid in, from its predicted pay date and the spread of its customer’s history. The band holds 80% of simulated outcomes.
        </Text>
        <ForecastChart weeks={forecast.weeks} currency={currency} label={title} />
      </Paper>
    </Stack>
  );
}

function LastQuarterBlock({ q, currency }: { q: LastQuarter; currency: string }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="last-quarter">
      <Text fw={600}>Last quarter: forecast vs actual</Text>
      <Text size="xs" c="dimmed" mb="xs">
        What Arcus would have forecast on {longDate(q.asOf)} from what was known then, against what was actually collected on those invoices.
      </Text>
      <Group gap="xl" mb="xs">
        <Text size="sm">
          Forecast <b>{formatMoney(q.expected, currency, 0)}</b>
        </Text>
        <Text size="sm">
          Collected <b>{formatMoney(q.actual, currency, 0)}</b>
        </Text>
        {q.bias !== null ? (
          <Text size="sm" data-testid="last-quarter-bias">
            Bias <b>{q.bias >= 0 ? '+' : '−'}{percent(Math.abs(q.bias))}</b> of collected
          </Text>
        ) : null}
        {q.mape !== null ? (
          <Text size="sm" data-testid="last-quarter-mape">
            Weekly MAPE <b>{percent(q.mape)}</b>
          </Text>
        ) : null}
        {q.weeklyError !== null ? <Text size="sm">Weekly error {percent(q.weeklyError)} of collections</Text> : null}
      </Group>
      <ForecastChart weeks={q.weeks} currency={currency} actual label="Last quarter: forecast vs actual" height={240} />
      <Table fz="xs" mt="xs" verticalSpacing={2} aria-label="Last quarter per week">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Week from</Table.Th>
            <Table.Th ta="right">Forecast</Table.Th>
            <Table.Th ta="right">Collected</Table.Th>
            <Table.Th ta="right">Error</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {q.weeks.map((w) => (
            <Table.Tr key={w.weekStart}>
              <Table.Td>{longDate(w.weekStart)}</Table.Td>
              <Table.Td ta="right">{formatMoney(w.expected, currency, 0)}</Table.Td>
              <Table.Td ta="right">{formatMoney(w.actual, currency, 0)}</Table.Td>
              <Table.Td ta="right">{w.actual > 0 ? `${w.expected >= w.actual ? '+' : '−'}${percent(Math.abs(w.expected - w.actual) / w.actual)}` : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function ForecastPage() {
  const [organisationId, setOrganisationId] = useState<string | null>(null);
  const portfolio = usePortfolioForecast();
  const org = useOrganisationForecast(organisationId);
  const orgOptions = (portfolio.data?.organisations ?? []).map((o) => ({ value: o.id, label: o.name }));
  const selectedName = orgOptions.find((o) => o.value === organisationId)?.label;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Cash forecast</Title>
          <Text c="dimmed" size="sm">
            Expected collections per week for the next 13 weeks, with a likely range.
          </Text>
        </div>
        <Select
          label="Show"
          w={280}
          allowDeselect={false}
          value={organisationId ?? ''}
          onChange={(v) => setOrganisationId(v ? v : null)}
          data={[{ value: '', label: 'Portfolio (all organisations)' }, ...orgOptions]}
        />
      </Group>
      {organisationId === null ? (
        <>
          {portfolio.isPending ? (
            <Center py="xl">
              <Loader aria-label="Loading the forecast" />
            </Center>
          ) : null}
          {portfolio.error ? <Alert color="red">{portfolio.error.message}</Alert> : null}
          {portfolio.data ? (
            <>
              <ScoringPending items={portfolio.data.scoringPending} what="the forecast totals" />
              {portfolio.data.excluded.length > 0 ? (
                <Alert color="yellow" variant="light">
                  Not in the portfolio totals (no exchange rate to {portfolio.data.currency}): {portfolio.data.excluded.map((o) => `${o.name} (${o.currency})`).join(', ')}. Choose them above to see their own forecast.
                </Alert>
              ) : null}
              <ForecastBlock forecast={portfolio.data.forecast} currency={portfolio.data.currency} title={`Portfolio: expected collections per week (${portfolio.data.currency})`} />
              <LastQuarterBlock q={portfolio.data.lastQuarter} currency={portfolio.data.currency} />
              <Paper withBorder p="md" radius="md">
                <Text fw={600} mb="xs">
                  By organisation
                </Text>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Organisation</Table.Th>
                      <Table.Th ta="right">Expected in 13 weeks</Table.Th>
                      <Table.Th ta="right">Open</Table.Th>
                      <Table.Th>In portfolio total</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {portfolio.data.organisations.map((o) => (
                      <Table.Tr key={o.id}>
                        <Table.Td>{o.name}</Table.Td>
                        <Table.Td ta="right">{formatMoney(o.expected13Weeks, o.currency, 0)}</Table.Td>
                        <Table.Td ta="right">{formatMoney(o.open, o.currency, 0)}</Table.Td>
                        <Table.Td>{o.included ? (o.rate === '1' ? 'yes' : `yes, at ${o.rate}`) : 'no rate'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Paper>
            </>
          ) : null}
        </>
      ) : (
        <>
          {org.isPending ? (
            <Center py="xl">
              <Loader aria-label="Loading the forecast" />
            </Center>
          ) : null}
          {org.error ? <Alert color="red">{org.error.message}</Alert> : null}
          {org.data ? (
            <>
              <ScoringPending items={org.data.scoringPending} what="the forecast figures" />
              <ForecastBlock forecast={org.data.forecast} currency={org.data.currency} title={`${org.data.organisation.name}: expected collections per week (${org.data.currency})`} />
              <LastQuarterBlock q={org.data.lastQuarter} currency={org.data.currency} />
            </>
          ) : null}
          <BacktestCard organisationId={organisationId} organisationName={selectedName} />
        </>
      )}
    </Stack>
  );
}
