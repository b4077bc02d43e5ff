/** A customer's reminders: who gets them, pauses and exclusions, open invoices, and the reminder timeline. */
import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, Loader, Stack, Table, TagsInput, Text, TextInput, Timeline, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api';
import { dateTimeIn } from '../../format';
import type { Segment } from '../../scoring/api';
import { SEGMENT_LABEL } from '../../scoring/badges';
import { STATUS, useCustomer, useReminderMutation } from './api';
import type { Role } from './RemindersPage';

export function CustomerReminders({ organisationId, contactExternalId, role }: { organisationId: string; contactExternalId: string; role: Role }) {
  const customer = useCustomer(organisationId, contactExternalId);
  const c = customer.data;
  const [draft, setDraft] = useState({ excluded: false, pausedUntil: '', pauseReason: '', segment: '', recipients: [] as string[] });
  useEffect(() => {
    if (c) setDraft({ excluded: c.settings.excluded, pausedUntil: c.settings.pausedUntil ?? '', pauseReason: c.settings.pauseReason ?? '', segment: c.settings.segment ?? '', recipients: c.settings.recipients ?? [] });
  }, [c]);
  const base = `/reminders/customers/${organisationId}/${encodeURIComponent(contactExternalId)}`;
  const save = useReminderMutation(() => api(base, { method: 'PUT', body: { excluded: draft.excluded, pausedUntil: draft.pausedUntil || null, pauseReason: draft.pauseReason || null, segment: draft.segment || null, recipients: draft.recipients.length ? draft.recipients : null } }));
  const hold = useReminderMutation((v: { invoice: string; excluded?: boolean; pausedUntil?: string | null }) => api(`/reminders/invoices/${organisationId}/${encodeURIComponent(v.invoice)}/hold`, { method: 'PUT', body: { excluded: v.excluded, pausedUntil: v.pausedUntil } }));
  const resub = useReminderMutation((address: string) => api(`${base}/unsubscribes/${encodeURIComponent(address)}`, { method: 'DELETE' }));
  if (customer.isPending) return <Loader />;
  if (customer.error || !c) return <Alert color="red">{customer.error?.message}</Alert>;
  const canEdit = role !== 'viewer';
  return (
    <Stack gap="md">
      <Anchor component={Link} href={`/reminders/outbox?org=${organisationId}`} size="sm">
        ← {c.organisation.name} reminders
      </Anchor>
      <Group justify="space-between">
        <div>
          <Title order={2}>{c.customer.name}</Title>
          <Text c="dimmed" size="sm">
            Reminders from {c.organisation.name} ·{' '}
            <Anchor component={Link} href={`/customers/${c.customer.contactId}`}>
              customer page
            </Anchor>
          </Text>
        </div>
        {c.block ? <Badge color="yellow">On hold</Badge> : c.recipients.length ? <Badge color="green">Receiving reminders</Badge> : <Badge color="gray">No address</Badge>}
      </Group>
      <Group align="flex-start" grow>
        <Card withBorder>
          <Stack gap="sm">
            <Title order={5}>Recipients</Title>
            <Text size="sm">{c.recipients.length ? c.recipients.join(', ') : 'Nobody: reminders are skipped.'}</Text>
            <Text size="xs" c="dimmed">
              {c.recipientSource === 'arcus' ? 'Set in Arcus.' : `From the ledger contact (primary and “include in emails”): ${c.ledgerRecipients.join(', ') || 'none'}.`}
            </Text>
            <TagsInput label="Send to instead (Arcus)" placeholder="Type an address and press Enter" value={draft.recipients} onChange={(v) => setDraft({ ...draft, recipients: v })} disabled={!canEdit} />
            {c.unsubscribed.length > 0 && (
              <Stack gap={4}>
                <Text size="sm" fw={500}>
                  Unsubscribed
                </Text>
                {c.unsubscribed.map((u) => (
                  <Group key={u.address} gap="xs">
                    <Text size="sm">{u.address}</Text>
                    <Text size="xs" c="dimmed">
                      {u.source === 'link' ? 'by the link in a reminder' : 'by staff'}, {dateTimeIn(u.at, c.organisation.timezone)}
                    </Text>
                    {role === 'admin' && (
                      <Button size="compact-xs" variant="subtle" onClick={() => resub.mutate(u.address)}>
                        Re-subscribe
                      </Button>
                    )}
                  </Group>
                ))}
              </Stack>
            )}
          </Stack>
        </Card>
        <Card withBorder>
          <Stack gap="sm">
            <Title order={5}>Hold</Title>
            <Checkbox label="Exclude this customer from reminders" checked={draft.excluded} onChange={(e) => setDraft({ ...draft, excluded: e.currentTarget.checked })} disabled={!canEdit} />
            <Group grow>
              <TextInput type="date" label="Pause until" value={draft.pausedUntil} onChange={(e) => setDraft({ ...draft, pausedUntil: e.currentTarget.value })} disabled={!canEdit} />
              <TextInput label="Why" value={draft.pauseReason} onChange={(e) => setDraft({ ...draft, pauseReason: e.currentTarget.value })} disabled={!canEdit} />
            </Group>
            <TextInput label="Customer group" description={c.segment && !c.settings.segment ? `Scoring segment: ${SEGMENT_LABEL[c.segment as Segment] ?? c.segment}` : 'Policies can target a group'} value={draft.segment} onChange={(e) => setDraft({ ...draft, segment: e.currentTarget.value })} disabled={!canEdit} />
            {canEdit && (
              <Group>
                <Button onClick={() => save.mutate(undefined)} loading={save.isPending}>
                  Save
                </Button>
              </Group>
            )}
            {save.error && <Alert color="red">{save.error.message}</Alert>}
          </Stack>
        </Card>
      </Group>
      <Card withBorder>
        <Title order={5} mb="xs">
          Open invoices
        </Title>
        {c.openInvoices.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing open.
          </Text>
        ) : (
          <Table verticalSpacing={4}>
            <Table.Tbody>
              {c.openInvoices.map((i) => (
                <Table.Tr key={i.externalId}>
                  <Table.Td>{i.number}</Table.Td>
                  <Table.Td>due {i.dueDate}</Table.Td>
                  <Table.Td>{i.amountDue}</Table.Td>
                  <Table.Td>{i.blockText && <Badge color="yellow">{i.blockText}</Badge>}</Table.Td>
                  <Table.Td>
                    {canEdit && (
                      <Checkbox size="xs" label="Exclude" checked={i.excluded} onChange={(e) => hold.mutate({ invoice: i.externalId, excluded: e.currentTarget.checked })} />
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Card withBorder>
        <Title order={5} mb="sm">
          Reminder timeline
        </Title>
        {c.timeline.length === 0 ? (
          <Text size="sm" c="dimmed">
            No reminders yet.
          </Text>
        ) : (
          <Timeline bulletSize={14} lineWidth={2}>
            {c.timeline.map((t) => (
              <Timeline.Item key={t.id} color={STATUS[t.status].color} title={<Anchor component={Link} href={`/reminders/sends/${t.id}`} size="sm">{t.subjectLine ?? `${t.subjectType === 'customer' ? 'Statement' : 'Reminder'} ${t.stepNumber} — ${t.invoices.join(', ')}`}</Anchor>}>
                <Text size="xs" c="dimmed">
                  {STATUS[t.status].label} · {dateTimeIn(t.at, c.organisation.timezone)}
                  {t.recipients.length ? ` · ${t.recipients.join(', ')}` : ''}
                </Text>
                {(t.skipText || t.error) && (
                  <Text size="xs" c={t.error ? 'red' : 'dimmed'}>
                    {t.skipText ?? t.error}
                  </Text>
                )}
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </Card>
    </Stack>
  );
}
