/**
 * On the firm's Approvals page: what waits for a client's own approval, and what clients decided
 * lately — who, and a decline's comment (docs/decisions/024-client-approvals.md).
 */
import { Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useWritebacks, type WritebackView } from '../writebacks/api';
import { kindLabel, money, StatusBadge } from '../writebacks/labels';

function Row({ w, decision }: { w: WritebackView; decision: boolean }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={500}>
          {kindLabel(w.kind, w.purpose)} · {money(w.amount, w.currency)}
        </Text>
        <Text size="xs" c="dimmed">
          {w.contactName ?? '—'} · {w.organisationName}
          {w.invoiceNumber ? ` · ${w.invoiceNumber}` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        {decision ? (
          <Text size="sm">
            {w.status === 'cancelled' ? 'Declined' : 'Approved'} by {w.clientDecidedByName ?? 'the client'} (client contact)
            {w.clientDecisionNote ? `: “${w.clientDecisionNote}”` : ''}
          </Text>
        ) : (
          <StatusBadge status={w.status} />
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export function ClientDecisions() {
  const waiting = useWritebacks({ status: 'awaiting_client' });
  const recent = useWritebacks({});
  const waitingRows = waiting.data ?? [];
  const decided = (recent.data ?? []).filter((w) => w.clientDecidedByName || w.clientDecidedAt).slice(0, 20);
  if (!waitingRows.length && !decided.length) return null;
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Title order={3} size="h4">
          The clients’ approvals
        </Title>
        <Text size="sm" c="dimmed">
          Organisations that asked to approve some changes themselves: these are written once their contact approves them in Arcus.
        </Text>
        <Table>
          <Table.Tbody>
            {waitingRows.map((w) => (
              <Row key={w.id} w={w} decision={false} />
            ))}
            {decided.map((w) => (
              <Row key={w.id} w={w} decision />
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Paper>
  );
}
