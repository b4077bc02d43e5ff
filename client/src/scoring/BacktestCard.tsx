/** "How well Arcus would have predicted your last 6 months" for one organisation. */
import { Badge, Group, Loader, Paper, Table, Text, Title } from '@mantine/core';
import { useBacktest } from './api';
import { longDate } from './format';

function cell(v: number | null, digits: number, unit = '') {
  return v === null ? '—' : `${v.toFixed(digits)}${unit}`;
}

function better(model: number | null, baseline: number | null, higherIsBetter: boolean): boolean | null {
  if (model === null || baseline === null) return null;
  return higherIsBetter ? model > baseline : model < baseline;
}

export function BacktestCard({ organisationId, organisationName, mt }: { organisationId: string; organisationName?: string; mt?: string }) {
  const q = useBacktest(organisationId);
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
      {q.data?.available ? (
        <>
          <Text size="sm" mt="xs">
            Trained on the {q.data.nTrain} invoices paid before {longDate(q.data.split)}, then tested on the {q.data.nTest} invoices issued since and already paid, each predicted from what was known on its issue
            date.
          </Text>
          <Table mt="sm" verticalSpacing={6} striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Measure</Table.Th>
                <Table.Th ta="right">Arcus</Table.Th>
                <Table.Th ta="right">Baseline</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[
                { name: 'Ranks late payers first (AUC, higher is better)', m: q.data.model.auc, b: q.data.baseline.auc, d: 3, unit: '', hi: true },
                { name: 'Late-payment probability error (Brier, lower is better)', m: q.data.model.brier, b: q.data.baseline.brier, d: 3, unit: '', hi: false },
                { name: 'Pay-date error (mean absolute, days)', m: q.data.model.mae, b: q.data.baseline.mae, d: 1, unit: ' d', hi: false },
              ].map((row) => {
                const win = better(row.m, row.b, row.hi);
                return (
                  <Table.Tr key={row.name}>
                    <Table.Td>{row.name}</Table.Td>
                    <Table.Td ta="right" fw={600}>
                      {cell(row.m, row.d, row.unit)}
                    </Table.Td>
                    <Table.Td ta="right">{cell(row.b, row.d, row.unit)}</Table.Td>
                    <Table.Td>
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
          <Group gap="xs" mt="xs">
            <Text size="xs" c="dimmed">
              Baseline: each customer’s past late share (shrunk to the organisation’s) and median days to pay.
              {q.data.intervalCoverage !== null ? ` ${Math.round(q.data.intervalCoverage * 100)}% of pay dates fell inside the predicted range.` : ''}
              {q.data.nUnsettled > 0 ? ` ${q.data.nUnsettled} invoices issued since are still open and not counted.` : ''}
            </Text>
          </Group>
        </>
      ) : null}
    </Paper>
  );
}
