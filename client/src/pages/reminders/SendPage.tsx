/** One reminder: status, recipients, what was sent (HTML and text), its ledger notes, and actions. */
import { Alert, Anchor, Badge, Button, Card, Group, Loader, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api';
import { dateTimeIn } from '../../format';
import { STATUS, useReminderMutation, useSend } from './api';
import type { Role } from './RemindersPage';

export function SendPage({ id, role }: { id: string; role: Role }) {
  const send = useSend(id);
  const [view, setView] = useState<'html' | 'text'>('html');
  const act = useReminderMutation((action: 'approve' | 'skip' | 'retry') => api(`/reminders/sends/${id}/${action}`, { method: 'POST', body: {} }));
  if (send.isPending) return <Loader />;
  if (send.error) return <Alert color="red">{send.error.message}</Alert>;
  const s = send.data;
  const st = STATUS[s.status];
  const tz = s.organisation.timezone;
  return (
    <Stack gap="md">
      <Anchor component={Link} href={`/reminders/outbox?org=${s.organisation.id}`} size="sm">
        ← {s.organisation.name} reminders
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{s.subjectLine ?? (s.subjectType === 'customer' ? 'Overdue statement' : `Reminder ${s.stepNumber}`)}</Title>
          <Group gap="xs" mt={4}>
            <Badge color={st.color}>{st.label}</Badge>
            <Text size="sm" c="dimmed">
              {s.subjectType === 'customer' ? `Statement (step ${s.stepNumber})` : `Reminder ${s.stepNumber}`} to{' '}
              <Anchor component={Link} href={`/reminders/customers/${s.organisation.id}/${encodeURIComponent(s.contactExternalId)}`}>
                {s.customer}
              </Anchor>{' '}
              for {s.invoices.join(', ')}
            </Text>
          </Group>
        </div>
        {role !== 'viewer' && (
          <Group gap="xs">
            {s.status === 'pending_approval' && <Button onClick={() => act.mutate('approve')}>Approve and send</Button>}
            {(s.status === 'pending_approval' || s.status === 'claimed') && (
              <Button variant="default" onClick={() => act.mutate('skip')}>
                Skip
              </Button>
            )}
            {s.status.startsWith('failed') && (
              <Button variant="default" onClick={() => act.mutate('retry')}>
                Retry
              </Button>
            )}
          </Group>
        )}
      </Group>
      {act.error && <Alert color="red">{act.error.message}</Alert>}
      {s.status === 'failed_permanent' && (
        <Alert color="red" title="Not delivered">
          {s.error}
        </Alert>
      )}
      {s.status === 'skipped' && <Alert color="gray">{s.skipText}</Alert>}
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            To
          </Text>
          <Text size="sm">{s.recipients.join(', ') || '—'}</Text>
          {s.rejected.length > 0 && (
            <Text size="xs" c="red">
              Refused: {s.rejected.join(', ')}
            </Text>
          )}
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            {s.sentAt ? 'Sent' : 'Planned for'}
          </Text>
          <Text size="sm">{s.sentAt ? dateTimeIn(s.sentAt, tz) : s.plannedFor}</Text>
          <Text size="xs" c="dimmed">
            {s.attempts} attempt{s.attempts === 1 ? '' : 's'}
            {s.approvedBy ? ` · approved by ${s.approvedBy}` : ''}
          </Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Message-ID
          </Text>
          <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
            {s.messageId}
          </Text>
        </Card>
      </SimpleGrid>
      {s.notes.length > 0 && (
        <Card withBorder>
          <Title order={5} mb="xs">
            Notes in the ledger
          </Title>
          <Table verticalSpacing={4}>
            <Table.Tbody>
              {s.notes.map((n) => (
                <Table.Tr key={n.id}>
                  <Table.Td w={110}>
                    <Badge color={n.status === 'written' ? 'green' : n.status === 'failed' ? 'red' : 'gray'} variant="light" w="fit-content" style={{ overflow: 'visible' }}>
                      {n.status === 'written' ? 'Written' : n.status === 'failed' ? 'Failed' : 'Pending'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {n.text}
                    </Text>
                    {n.error && n.status !== 'written' && (
                      <Text size="xs" c="dimmed">
                        {n.error}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {(s.bodyHtml || s.bodyText) && (
        <Card withBorder padding={0}>
          <Group justify="space-between" p="sm">
            <Title order={5}>What was sent</Title>
            <SegmentedControl
              size="xs"
              value={view}
              onChange={(v) => setView(v as 'html' | 'text')}
              data={[
                { value: 'html', label: 'HTML' },
                { value: 'text', label: 'Text' },
              ]}
            />
          </Group>
          {view === 'html' ? <iframe title="Sent email" sandbox="" srcDoc={s.bodyHtml ?? ''} style={{ width: '100%', height: 560, border: 0, background: '#f4f5f7' }} /> : <Text component="pre" size="sm" p="sm" style={{ whiteSpace: 'pre-wrap' }}>{s.bodyText}</Text>}
        </Card>
      )}
    </Stack>
  );
}
