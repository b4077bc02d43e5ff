/**
 * Reminders › Letters: today's print batch of letter steps (docs/decisions/042) — collect the letters
 * due, download the batch PDF and the address list, confirm they went in the post. Blocked letters
 * show why (no postal address a letter can go to).
 */
import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { BatchView } from '../../../../server/letters/service';
import { notify } from '../../writebacks/notify';
import type { ReminderOrg } from './api';
import type { Role } from './RemindersPage';

export function LettersTab({ org, role }: { org: ReminderOrg; role: Role }) {
  const qc = useQueryClient();
  const key = ['letter-batches', org.id];
  const batches = useQuery({ queryKey: key, queryFn: async () => (await api<{ batches: BatchView[] }>(`/letters/batches?organisationId=${org.id}`)).batches });
  const collect = useMutation({
    mutationFn: async () => (await api<{ batch: BatchView }>('/letters/collect', { method: 'POST', body: { organisationId: org.id } })).batch,
    onSuccess: (b) => {
      qc.invalidateQueries({ queryKey: key });
      notify({ title: 'Letters collected', message: `${b.printable} to print${b.blocked ? `, ${b.blocked} blocked` : ''} for ${b.dayText}.` });
    },
  });
  const confirm = useMutation({
    mutationFn: async (id: string) => api<{ batch: BatchView; sent: number }>(`/letters/batches/${id}/confirm`, { method: 'POST' }),
    onSuccess: (r) => {
      qc.invalidateQueries({ queryKey: key });
      notify({ title: 'Batch posted', message: r.sent === 1 ? 'One letter marked as sent.' : `${r.sent} letters marked as sent.` });
    },
  });
  const canAct = role !== 'viewer';
  return (
    <Stack gap="md" data-testid="letters-tab">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Letter steps due today, one letter per customer with its statement attached. Print the batch, post it, then confirm.
        </Text>
        {canAct ? (
          <Button onClick={() => collect.mutate()} loading={collect.isPending}>
            Collect today’s letters
          </Button>
        ) : null}
      </Group>
      {(batches.error ?? collect.error ?? confirm.error) ? <Alert color="red">{(batches.error ?? collect.error ?? confirm.error)?.message}</Alert> : null}
      {batches.data?.length === 0 ? <Text size="sm">No letters yet. A policy step with the channel “Letter” puts customers here on its day.</Text> : null}
      {batches.data?.map((b) => (
        <Stack key={b.id} gap="xs">
          <Group justify="space-between">
            <Group gap="xs">
              <Text fw={600}>{b.dayText}</Text>
              <Badge color={b.status === 'posted' ? 'green' : 'blue'} variant="light">
                {b.statusText}
              </Badge>
            </Group>
            <Group gap="xs">
              <Button component="a" href={`/api/letters/batches/${b.id}/pdf`} variant="default" size="xs" disabled={b.printable === 0}>
                Download letters (PDF)
              </Button>
              <Button component="a" href={`/api/letters/batches/${b.id}/addresses.csv`} variant="default" size="xs" disabled={b.printable === 0}>
                Addresses (CSV)
              </Button>
              {canAct && b.status === 'open' && b.printable > 0 ? (
                <Button size="xs" onClick={() => confirm.mutate(b.id)} loading={confirm.isPending}>
                  Confirm posted
                </Button>
              ) : null}
            </Group>
          </Group>
          <Table striped withTableBorder fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>Letter</Table.Th>
                <Table.Th>Invoices</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {b.letters.map((l) => (
                <Table.Tr key={l.id}>
                  <Table.Td>{l.customerName}</Table.Td>
                  <Table.Td>{l.heading || '—'}</Table.Td>
                  <Table.Td>{l.invoiceCount}</Table.Td>
                  <Table.Td>
                    {l.statusText}
                    {l.blockedReason ? (
                      <Text size="xs" c="red">
                        {l.blockedReason}
                      </Text>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      ))}
    </Stack>
  );
}
