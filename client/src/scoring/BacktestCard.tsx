/**
 * "How well Arcus would have predicted your last 6 months" for one organisation: the method,
 * the measures against the baseline, the calibration chart (predicted chance of paying late
 * vs the share that did, bin by bin, with counts) and the measures in words.
 */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Badge, Group, List, Loader, Paper, Table, Text, Title } from '@mantine/core';
import { type Backtest, type CalibrationBin, useBacktest } from './api';
import { longDate } from './format';

function cell(v: number | null, digits: number, unit = '') {
  return v === null ? '—' : `${v.toFixed(digits)}${unit}`;
}

function better(model: number | null, baseline: number | null, higherIsBetter: boolean): boolean | null {
  if (model === null || baseline === null) return null;
  return higherIsBetter ? model > baseline : model < baseline;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The calibration chart: per bin of predicted chance, the mean predicted and the share actually paid late. */
export function CalibrationChart({ bins }: { bins: CalibrationBin[] }) {
  const data = bins.map((b) => ({
    bin: `${Math.round(b.from * 100)}–${Math.round(b.to * 100)}%`,
    count: `${b.n} invoice${b.n === 1 ? '' : 's'}`,
    predicted: Math.round(b.predicted * 1000) / 10,
    observed: Math.round(b.observed * 1000) / 10,
  }));
  return (
    <div data-testid="calibration-chart">
      <BarChart
        h={220}
        data={data}
        dataKey="bin"
        series={[
          { name: 'predicted', label: 'Predicted chance of paying late', color: 'blue.4' },
          { name: 'observed', label: 'Share actually paid late', color: 'orange.6' },
        ]}
        withLegend
        legendProps={{ verticalAlign: 'bottom' }}
        valueFormatter={(v) => `${v.toFixed(0)}%`}
        yAxisProps={{ domain: [0, 100], width: 40 }}
        xAxisProps={{ interval: 0, angle: -30, textAnchor: 'end', height: 48, fontSize: 11 }}
        tickLine="y"
        tooltipProps={{
          content: ({ label, payload }) => {
            const row = data.find((d) => d.bin === label);
            if (!row || !payload?.length) return null;
            return (
              <Paper withBorder p="xs" shadow="sm">
                <Text size="sm" fw={600}>
                  Predicted {label}: {row.count}
                </Text>
                <Text size="sm">Predicted on average: {row.predicted.toFixed(0)}%</Text>
                <Text size="sm">Actually paid late: {row.observed.toFixed(0)}%</Text>
              </Paper>
            );
          },
        }}
      />
      <Table mt="xs" verticalSpacing={2} fz="xs" withTableBorder data-testid="calibration-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Predicted chance</Table.Th>
            <Table.Th ta="right">Invoices</Table.Th>
            <Table.Th ta="right">Predicted</Table.Th>
            <Table.Th ta="right">Paid late</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.map((d) => (
            <Table.Tr key={d.bin}>
              <Table.Td>{d.bin}</Table.Td>
              <Table.Td ta="right">{d.count.split(' ')[0]}</Table.Td>
              <Table.Td ta="right">{d.predicted.toFixed(0)}%</Table.Td>
              <Table.Td ta="right">{d.observed.toFixed(0)}%</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** The measures in sentences. */
function inWords(b: Extract<Backtest, { available: true }>): string[] {
  const out: string[] = [];
  if (b.model.auc !== null) out.push(`Picked a late payer over an on-time one ${pct(b.model.auc)} of the time (AUC ${b.model.auc.toFixed(2)}; 50% is chance).`);
  if (b.ece !== null) out.push(`Predicted chances of paying late were off by ${(b.ece * 100).toFixed(1)} percentage points on average (calibration error, lower is better).`);
  if (b.model.mae !== null) out.push(`Predicted pay dates were ${b.model.mae.toFixed(1)} days from the real ones on average.`);
  if (b.intervalCoverage !== null) out.push(`${pct(b.intervalCoverage)} of pay dates fell inside the predicted range, which aims to hold 80% of them.`);
  return out;
}

export function BacktestCard({ organisationId, organisationName, mt }: { organisationId: string; organisationName?: string; mt?: string }) {
  const q = useBacktest(organisationId);
  const b = q.data?.available ? q.data : null;
  return (
    <Paper withBorder p="lg" radius="md" mt={mt} data-testid="backtest-card">
      <Title order={4}>How well Arcus would have predicted your last 6 months</Title>
      {organisationName ? (
        <Text size="sm" c="dimmed">
          {organisationName}
        </Text>
      ) : null}
      {q.isPending ? <Loader size="sm" mt="md" aria-label="Loading backtest" /> : null}
      {q.error ? (
        <Text c="red" size="sm" mt="sm">
          {q.error.message}
        </Text>
      ) : null}
      {q.data && !q.data.available ? (
        <Text size="sm" mt="sm">
          Not enough history yet: {q.data.reason}.
        </Text>
      ) : null}
      {b ? (
        <>
          <Text size="sm" mt="xs" data-testid="backtest-method">
            {b.method === 'nofit'
              ? `Method: fixed rules, nothing trained. Each of the ${b.nTest} invoices issued since ${longDate(b.split)} and already paid was predicted from the customer’s own payment history as it stood on its issue date, with fixed starting figures and weights (data from Xero is never used to train a model).`
              : `Method: a model trained on the ${b.nTrain} invoices paid before ${longDate(b.split)}, then tested on the ${b.nTest} invoices issued since and already paid, each predicted from what was known on its issue date.`}
          </Text>
          <Table mt="sm" verticalSpacing={6} striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Measure</Table.Th>
                <Table.Th ta="right">Arcus</Table.Th>
                <Table.Th ta="right">Baseline</Table.Th>
                <Table.Th visibleFrom="sm" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[
                { name: 'Ranks late payers first (AUC, higher is better)', m: b.model.auc, b: b.baseline.auc, d: 3, unit: '', hi: true },
                { name: 'Late-payment probability error (Brier, lower is better)', m: b.model.brier, b: b.baseline.brier, d: 3, unit: '', hi: false },
                { name: 'Pay-date error (mean absolute, days)', m: b.model.mae, b: b.baseline.mae, d: 1, unit: ' d', hi: false },
              ].map((row) => {
                const win = better(row.m, row.b, row.hi);
                return (
                  <Table.Tr key={row.name}>
                    <Table.Td>{row.name}</Table.Td>
                    <Table.Td ta="right" fw={600}>
                      {cell(row.m, row.d, row.unit)}
                    </Table.Td>
                    <Table.Td ta="right">{cell(row.b, row.d, row.unit)}</Table.Td>
                    <Table.Td visibleFrom="sm">
                      {win === null ? null : (
                        <Badge size="xs" color={win ? 'teal' : 'gray'} variant="light">
                          {win ? 'better' : 'not better'}
                        </Badge>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <Text size="sm" fw={600} mt="md">
            Predicted chance of paying late against what happened
          </Text>
          <Text size="xs" c="dimmed">
            Invoices grouped by the chance Arcus gave them; where the two bars match, the chances can be taken at their word.
          </Text>
          {b.calibration.length > 0 ? <CalibrationChart bins={b.calibration} /> : null}
          <List size="sm" mt="sm" spacing={2} data-testid="backtest-words">
            {inWords(b).map((w) => (
              <List.Item key={w}>{w}</List.Item>
            ))}
          </List>
          <Group gap="xs" mt="xs">
            <Text size="xs" c="dimmed">
              Baseline: each customer’s past late share (shrunk to the organisation’s) and median days to pay.
              {b.nUnsettled > 0 ? ` ${b.nUnsettled} invoices issued since are still open and not counted.` : ''}
            </Text>
          </Group>
        </>
      ) : null}
    </Paper>
  );
}
