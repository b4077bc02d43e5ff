/** Chronic late payers across the portfolio (decision 039): the definition, the monthly trend, who they are and what to do. */
import { Anchor, Badge, Group, List, Paper, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import type { PortfolioChronic } from '../../../server/scoring/chronic-load';
import { api } from '../api';
import { shortDate } from './format';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function ChronicLateCard() {
  const q = useQuery({ queryKey: ['chronic-late'], queryFn: () => api<PortfolioChronic>('/portfolio/chronic-late') });
  if (!q.data) return null;
  const d = q.data;
  const latest = d.trend[d.trend.length - 1];
  return (
    <Paper withBorder radius="md" p="md" data-testid="chronic-late">
      <Group justify="space-between" mb={4}>
        <Text fw={600}>Chronic late payers</Text>
        <Badge variant="light" color={d.totalChronic > 0 ? 'red' : 'gray'}>
          {d.totalChronic} {latest?.share != null ? `· ${pct(latest.share)} of customers judged` : ''}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed" mb="sm">
        {d.definition}
      </Text>
      <Group align="flex-start" gap="xl" wrap="wrap">
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Month by month
          </Text>
          <Table withRowBorders={false} verticalSpacing={2} fz="xs" aria-label="Chronic late payers by month">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Month end</Table.Th>
                <Table.Th ta="right">Chronic</Table.Th>
                <Table.Th ta="right">Judged</Table.Th>
                <Table.Th ta="right">Share</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.trend.map((m) => (
                <Table.Tr key={m.asOf}>
                  <Table.Td>{shortDate(m.asOf)}</Table.Td>
                  <Table.Td ta="right">{m.chronic}</Table.Td>
                  <Table.Td ta="right">{m.judged}</Table.Td>
                  <Table.Td ta="right">{pct(m.share)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
        <Stack gap={4} maw={420}>
          <Text size="sm" fw={500}>
            Suggested actions
          </Text>
          <List size="xs" spacing={2}>
            {d.actions.map((a) => (
              <List.Item key={a.title}>
                <Text span fw={500} fz="xs">
                  {a.title}:
                </Text>{' '}
                {a.text}
              </List.Item>
            ))}
          </List>
          <Text size="sm" fw={500} mt="xs">
            Today
          </Text>
          {d.customers.length === 0 ? (
            <Text size="xs" c="dimmed">
              No customer meets the definition today.
            </Text>
          ) : (
            d.customers.slice(0, 10).map((c) => (
              <Text size="xs" key={`${c.organisationId}|${c.contactExternalId}`}>
                {c.contactId ? (
                  <Anchor component={Link} href={`/customers/${c.contactId}`} size="xs">
                    {c.name}
                  </Anchor>
                ) : (
                  c.name
                )}{' '}
                <Text span c="dimmed" fz="xs">
                  {c.organisationName} · late on {pct(c.lateShare)} of the last {c.invoices}, median {c.medianDaysLate} days
                </Text>
              </Text>
            ))
          )}
        </Stack>
      </Group>
    </Paper>
  );
}
