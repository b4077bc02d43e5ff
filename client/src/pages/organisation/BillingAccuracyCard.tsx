/**
 * Billing accuracy on the organisation dashboard (issue #21, server/billing-review/accuracy.ts): the
 * share of last month's invoices not voided, credited or amended within 30 days, the reasons by category and
 * the 12-month trend, all in the server's words.
 */
import { Badge, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { LoadError, Loading } from '../../components/analytics/bits';
import { useApiQuery } from '../../components/analytics/use-api';
import type { BillingAccuracy } from '../../../../server/billing-review/accuracy-load';

export function BillingAccuracyCard({ organisationId }: { organisationId: string }) {
  const q = useApiQuery<BillingAccuracy>(`/organisations/${organisationId}/billing-accuracy`);
  if (q.isPending) return <Loading />;
  if (q.error) return <LoadError error={q.error} />;
  const a = q.data;
  const months = a.trend.filter((m) => m.counted > 0);
  return (
    <Paper withBorder p="md" radius="md" mt="md" data-testid="billing-accuracy">
      <Stack gap="xs">
        <Title order={4}>Billing accuracy</Title>
        <Text fz="xs" c="dimmed">
          {a.periodText}. {a.explanation}
        </Text>
        <Text fw={700} data-testid="billing-accuracy-rate">
          {a.figure.rateText}
        </Text>
        {a.figure.reasons.length > 0 && (
          <Group gap="xs" wrap="wrap">
            {a.figure.reasons.map((r) => (
              <Badge key={r.reason} variant="light" color="orange">
                {r.reasonText}: {r.count}
              </Badge>
            ))}
          </Group>
        )}
        {a.figure.pending > 0 && (
          <Text fz="xs" c="dimmed">
            {a.figure.pending} more invoice{a.figure.pending === 1 ? ' is' : 's are'} still within {a.windowDays} days of issue.
          </Text>
        )}
        {months.length > 0 && (
          <Table.ScrollContainer minWidth={260}>
            <Table fz="xs" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Month issued</Table.Th>
                  <Table.Th>Accurate</Table.Th>
                  <Table.Th>Invoices</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {months.map((m) => (
                  <Table.Tr key={m.month}>
                    <Table.Td>{m.monthText}</Table.Td>
                    <Table.Td>{m.rate === null ? '—' : `${(m.rate * 100).toFixed(1)}%`}</Table.Td>
                    <Table.Td>{m.counted}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}
