/** An organisation's outbox and sent log: every reminder with its status, and the collector's actions. */
import { Alert, Anchor, Badge, Button, Group, Pagination, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api';
import { type OutboxItem, type ReminderOrg, STATUS, shortTime, useOutbox, useReminderMutation } from './api';
import type { Role } from './RemindersPage';
import { RunNowButton } from './RunNowButton';

const FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'attention', label: 'Needs attention' },
  { value: 'queued', label: 'Queued' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
  { value: 'skipped', label: 'Skipped' },
];

function StatusCell({ item }: { item: OutboxItem }) {
  const s = STATUS[item.status];
  const why = item.status === 'skipped' ? item.skipText : item.status.startsWith('failed') ? item.error : item.rejected.length ? `Refused by the mail server: ${item.rejected.join(', ')}` : null;
  return (
    <Stack gap={2}>
      <Badge color={s.color} variant="light" style={{ flexShrink: 0, overflow: 'visible' }} w="fit-content">
        {s.label}
      </Badge>
      {why && (
        <Text size="xs" c={item.status === 'failed_permanent' ? 'red' : 'dimmed'} maw={320} lineClamp={3} title={why}>
          {why}
        </Text>
      )}
    </Stack>
  );
}

export function OutboxTab({ org, role }: { org: ReminderOrg; role: Role }) {
  const [filter, setFilter] = useState('all');
  const [page, setPage] = useState(1);
  const [pollUntil, setPollUntil] = useState(0);
  const outbox = useOutbox(org.id, filter, (page - 1) * 25, pollUntil);
  const act = useReminderMutation((v: { id: string; action: 'approve' | 'skip' | 'retry' }) => api(`/reminders/sends/${v.id}/${v.action}`, { method: 'POST', body: {} }));
  const canAct = role !== 'viewer';
  const data = outbox.data;
  // The organisation's counts (sent today, waiting) move with the outbox.
  const qc = useQueryClient();
  const updated = outbox.dataUpdatedAt;
  useEffect(() => {
    if (updated) void qc.invalidateQueries({ queryKey: ['reminders', 'orgs'] });
  }, [updated, qc]);
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <SegmentedControl
          value={filter}
          onChange={(v) => {
            setFilter(v);
            setPage(1);
          }}
          data={FILTERS.map((f) => ({
            value: f.value,
            label: f.value === 'attention' && data && (data.counts.pending_approval ?? 0) + (data.counts.failed_permanent ?? 0) > 0 ? `${f.label} (${(data.counts.pending_approval ?? 0) + (data.counts.failed_permanent ?? 0)})` : f.label,
          }))}
          aria-label="Show"
        />
        {role === 'admin' && <RunNowButton org={org} onQueued={() => setPollUntil(Date.now() + 30_000)} />}
      </Group>
      {act.error && <Alert color="red">{act.error.message}</Alert>}
      {outbox.error && <Alert color="red">{outbox.error.message}</Alert>}
      {data && data.items.length === 0 && (
        <Text c="dimmed" py="lg">
          {filter === 'all' ? (org.enabled ? 'No reminders yet. They appear here as the policy makes them due, inside the sending window.' : 'Reminders are off for this organisation. Switch them on under Settings.') : 'Nothing here.'}
        </Text>
      )}
      {data && data.items.length > 0 && (
        <Table striped highlightOnHover verticalSpacing="xs" aria-label="Reminders">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When ({org.timezone})</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Invoices</Table.Th>
              <Table.Th>Reminder</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>
                  <Anchor component={Link} href={`/reminders/sends/${i.id}`} size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {shortTime(i.sentAt ?? i.claimedAt, org.timezone)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Anchor component={Link} href={`/reminders/customers/${org.id}/${encodeURIComponent(i.contactExternalId)}`} size="sm">
                    {i.customer}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{i.invoices.length > 3 ? `${i.invoices.slice(0, 3).join(', ')} +${i.invoices.length - 3}` : i.invoices.join(', ')}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {i.subjectType === 'customer' ? `Statement · step ${i.stepNumber}` : `Reminder ${i.stepNumber}`}
                  </Text>
                  {i.notes.total > 0 && (
                    <Text size="xs" c="dimmed">
                      Ledger note {i.notes.written === i.notes.total ? 'written' : 'pending'}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{i.recipients.join(', ') || '—'}</Text>
                </Table.Td>
                <Table.Td miw={170}>
                  <StatusCell item={i} />
                </Table.Td>
                <Table.Td>
                  {canAct && (
                    <Group gap={4} wrap="nowrap">
                      {i.status === 'pending_approval' && (
                        <Button size="xs" onClick={() => act.mutate({ id: i.id, action: 'approve' })}>
                          Approve
                        </Button>
                      )}
                      {(i.status === 'pending_approval' || i.status === 'claimed') && (
                        <Button size="xs" variant="default" onClick={() => act.mutate({ id: i.id, action: 'skip' })}>
                          Skip
                        </Button>
                      )}
                      {i.status.startsWith('failed') && (
                        <Button size="xs" variant="default" onClick={() => act.mutate({ id: i.id, action: 'retry' })}>
                          Retry
                        </Button>
                      )}
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {data && data.total > 25 && <Pagination total={Math.ceil(data.total / 25)} value={page} onChange={setPage} />}
    </Stack>
  );
}
