/** One commission statement in words: who, which month, where it stands, its totals and its lines. */
import { Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { StatementView } from '../../../server/commissions/statements';

function amount(value: string, currency: string): string {
  const n = Number(value);
  return `${n < 0 ? '−' : ''}${Math.abs(n).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

export function StatementCard({ statement: s, showPerson = true, onApprove, approving }: { statement: StatementView; showPerson?: boolean; onApprove?: () => void; approving?: boolean }) {
  const c = s.currency;
  return (
    <Card withBorder padding="md" data-testid="commission-statement">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={3} size="h4">
            {showPerson ? `${s.salespersonName} — ` : ''}
            {s.monthText}
          </Title>
          <Badge variant="light" color={s.canApprove ? 'orange' : 'teal'}>
            {s.statusText}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {s.organisationName}
        </Text>
        <Group gap="lg" wrap="wrap">
          <Text size="sm">Cash collected: {amount(s.totals.collected, c)}</Text>
          <Text size="sm">Commission earned: {amount(s.totals.earned, c)}</Text>
          {Number(s.totals.held) !== 0 && <Text size="sm">Held back: {amount(s.totals.held, c)}</Text>}
          {Number(s.totals.released) !== 0 && <Text size="sm">Released: {amount(s.totals.released, c)}</Text>}
          {Number(s.totals.clawedBack) !== 0 && <Text size="sm">Clawed back: {amount(s.totals.clawedBack, c)}</Text>}
          <Text size="sm" fw={700}>
            To pay: {amount(s.totals.total, c)}
          </Text>
        </Group>
        {s.lines.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing collected or reversed this month.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={520}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Invoice</Table.Th>
                  <Table.Th>Date</Table.Th>
                  <Table.Th ta="right">Cash</Table.Th>
                  <Table.Th ta="right">To pay</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.lines.map((l) => (
                  <Table.Tr key={l.lineNo}>
                    <Table.Td>
                      {l.kindText}
                      {l.releaseText && (
                        <Text size="xs" c="dimmed">
                          {l.releaseText}: {amount(l.held, c)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{l.invoiceNumber}</Table.Td>
                    <Table.Td>{l.dateText}</Table.Td>
                    <Table.Td ta="right">{Number(l.base) === 0 ? '' : amount(l.base, c)}</Table.Td>
                    <Table.Td ta="right">{amount(l.payable, c)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {onApprove && s.canApprove && (
          <Group>
            <Button onClick={onApprove} loading={approving}>
              Approve {s.salespersonName}’s statement
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
