/**
 * Approvals: write-backs above the firm's threshold waiting for an admin, across every client
 * organisation — select some or all, approve or reject (with a note) — and a second tab with
 * the firm's write-back log of every status.
 */
import { Alert, Badge, Button, Checkbox, Group, Modal, Paper, Select, Stack, Table, Tabs, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { dateTimeLocal, relativeTime } from '../format';
import { approveWritebacks, rejectWritebacks, retryWriteback, useWritebackCounts, useWritebackMutation, useWritebacks, type WritebackStatus, type WritebackView } from './api';
import { useCanAct } from './actions/Actions';
import { centsOf, kindLabel, money, STATUS, StatusBadge } from './labels';
import { notify, notifyError } from './notify';
import { ClientDecisions } from '../client-approvals/ClientDecisions';

function When({ iso }: { iso: string }) {
  return (
    <Text size="sm" title={dateTimeLocal(iso)} style={{ whiteSpace: 'nowrap' }}>
      {relativeTime(iso)}
    </Text>
  );
}

function Who({ w }: { w: WritebackView }) {
  return <Text size="sm">{w.requestedByName ?? (w.requestedBy === 'system' ? 'Arcus (policy)' : w.requestedBy === 'debtor' ? 'The customer' : w.requestedBy)}</Text>;
}

function Subject({ w }: { w: WritebackView }) {
  return (
    <>
      <Text size="sm" fw={500}>
        {w.contactName ?? w.contactExternalId ?? '—'}
      </Text>
      <Text size="xs" c="dimmed">
        {w.organisationName}
        {w.invoiceNumber ? ` · ${w.invoiceNumber}` : ''}
      </Text>
    </>
  );
}

function Queue() {
  const { admin } = useCanAct();
  const list = useWritebacks({ status: 'awaiting_approval' });
  const [selected, setSelected] = useState<string[]>([]);
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState('');
  const approve = useWritebackMutation(approveWritebacks);
  const reject = useWritebackMutation(rejectWritebacks);
  const rows = useMemo(() => list.data ?? [], [list.data]);
  useEffect(() => setSelected((s) => s.filter((id) => rows.some((r) => r.id === id))), [rows]);
  if (list.error) return <Alert color="red">{list.error.message}</Alert>;
  if (list.isPending) return null;
  if (rows.length === 0)
    return (
      <Paper withBorder p="xl" radius="md">
        <Text fw={600}>Nothing waiting for approval</Text>
        <Text size="sm" c="dimmed">
          Credits, fees and plan invoices above the firm’s approval threshold (Settings › Collections) wait here until an admin approves them.
        </Text>
      </Paper>
    );
  const all = selected.length === rows.length;
  const some = selected.length > 0 && !all;
  const outcome = (verb: string, done: string[], skipped: string[]) =>
    notify({ title: `${done.length} ${verb}`, message: skipped.length ? `${skipped.length} had already been decided by someone else.` : verb === 'approved' ? 'They are on their way to the ledgers.' : 'Nothing was written to the ledgers.', color: verb === 'approved' ? 'green' : 'blue' });
  const total = new Map<string, number>();
  for (const r of rows.filter((r) => selected.includes(r.id))) {
    const c = centsOf(r.amount);
    if (c !== null && r.currency) total.set(r.currency, (total.get(r.currency) ?? 0) + c);
  }
  return (
    <Stack gap="sm">
      {!admin ? <Alert color="blue">Only firm admins approve or reject write-backs.</Alert> : null}
      {admin ? (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {selected.length ? `${selected.length} selected · ${[...total].map(([c, cents]) => money(`${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, c)).join(' + ')}` : 'Select write-backs to approve or reject.'}
          </Text>
          <Group gap="xs">
            <Button variant="default" color="red" disabled={!selected.length} onClick={() => setRejecting(true)}>
              Reject selected
            </Button>
            <Button disabled={!selected.length} loading={approve.isPending} onClick={() => approve.mutate(selected, { onSuccess: (r) => {
                    outcome('approved', r.approved, r.skipped);
                    setSelected([]);
                  }, onError: (e) => notifyError(e, 'Could not approve') })}>
              Approve selected
            </Button>
          </Group>
        </Group>
      ) : null}
      <Paper withBorder radius="md">
        <Table highlightOnHover verticalSpacing="xs" aria-label="Awaiting approval">
          <Table.Thead>
            <Table.Tr>
              {admin ? (
                <Table.Th w={40}>
                  <Checkbox aria-label="Select all" checked={all} indeterminate={some} onChange={() => setSelected(all ? [] : rows.map((r) => r.id))} />
                </Table.Th>
              ) : null}
              <Table.Th>Customer</Table.Th>
              <Table.Th>What</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th>Requested by</Table.Th>
              <Table.Th>When</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((w) => (
              <Table.Tr key={w.id} data-testid="approval-row" bg={selected.includes(w.id) ? 'var(--mantine-color-blue-light)' : undefined}>
                {admin ? (
                  <Table.Td>
                    <Checkbox aria-label={`Select ${w.summary ?? kindLabel(w.kind, w.purpose)}`} checked={selected.includes(w.id)} onChange={(e) => setSelected((s) => (e.currentTarget.checked ? [...s, w.id] : s.filter((x) => x !== w.id)))} />
                  </Table.Td>
                ) : null}
                <Table.Td>
                  <Subject w={w} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{kindLabel(w.kind, w.purpose)}</Text>
                  {w.summary ? (
                    <Text size="xs" c="dimmed" lineClamp={2} maw={360}>
                      {w.summary.replace(/ — waiting for approval$/, '')}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm" fw={600}>
                    {money(w.amount, w.currency)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Who w={w} />
                </Table.Td>
                <Table.Td>
                  <When iso={w.createdAt} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Modal opened={rejecting} onClose={() => setRejecting(false)} title={`Reject ${selected.length} write-back${selected.length === 1 ? '' : 's'}`}>
        <Stack gap="sm">
          <Text size="sm">Nothing is written to the ledger. The note goes on the activity timeline so the collector sees why.</Text>
          <Textarea label="Note" placeholder="e.g. Too large without the partner’s OK" value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} maxLength={500} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRejecting(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={reject.isPending}
              onClick={() =>
                reject.mutate(
                  { ids: selected, note: note.trim() || undefined },
                  {
                    onSuccess: (r) => {
                      outcome('rejected', r.rejected, r.skipped);
                      setSelected([]);
                      setNote('');
                      setRejecting(false);
                    },
                    onError: (e) => notifyError(e, 'Could not reject'),
                  },
                )
              }
            >
              Reject
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function Log() {
  const [status, setStatus] = useState<WritebackStatus | ''>('');
  const list = useWritebacks(status ? { status } : {});
  const retry = useWritebackMutation(retryWriteback);
  const { canAct } = useCanAct();
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Every change Arcus made or asked to make in the client ledgers, newest first.
        </Text>
        <Select
          aria-label="Status"
          placeholder="Any status"
          w={200}
          size="xs"
          clearable
          value={status || null}
          onChange={(v) => setStatus((v ?? '') as WritebackStatus | '')}
          data={Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }))}
        />
      </Group>
      {list.error ? <Alert color="red">{list.error.message}</Alert> : null}
      <Paper withBorder radius="md">
        <Table highlightOnHover verticalSpacing="xs" aria-label="Write-back log">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Customer</Table.Th>
              <Table.Th>What</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Requested by</Table.Th>
              <Table.Th>When</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(list.data ?? []).map((w) => (
              <Table.Tr key={w.id} data-testid="log-row">
                <Table.Td>
                  <Subject w={w} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{kindLabel(w.kind, w.purpose)}</Text>
                  {w.error ? (
                    <Text size="xs" c="red.7" lineClamp={2} maw={360}>
                      {w.error}
                    </Text>
                  ) : w.decidedByName ? (
                    <Text size="xs" c="dimmed">
                      {w.status === 'rejected' ? 'rejected' : 'approved'} by {w.decidedByName}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                  {money(w.amount, w.currency)}
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <StatusBadge status={w.status} error={w.error} />
                    {w.reversedById ? (
                      <Badge size="sm" variant="outline" color="gray">
                        reversed
                      </Badge>
                    ) : null}
                    {canAct && w.status === 'failed' ? (
                      <Button size="compact-xs" variant="light" color="red" loading={retry.isPending && retry.variables === w.id} onClick={() => retry.mutate(w.id, { onSuccess: () => notify({ title: 'Trying again', color: 'blue' }), onError: (e) => notifyError(e, 'Could not retry') })}>
                        Retry
                      </Button>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Who w={w} />
                </Table.Td>
                <Table.Td>
                  <When iso={w.createdAt} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {list.data && list.data.length === 0 ? (
          <Text size="sm" c="dimmed" p="md">
            No write-backs{status ? ` with status “${STATUS[status].label}”` : ''} yet.
          </Text>
        ) : null}
      </Paper>
    </Stack>
  );
}

export function ApprovalsPage() {
  const counts = useWritebackCounts();
  const waiting = counts.data?.awaiting_approval ?? 0;
  const [tab, setTab] = useState<string | null>('queue');
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Approvals</Title>
        <Text c="dimmed" size="sm">
          Changes to client ledgers above the firm’s approval threshold wait here for an admin. Approved ones are written at once, exactly once.
        </Text>
      </div>
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="queue" rightSection={waiting ? <Badge size="sm" circle={waiting < 10} color="yellow">{waiting}</Badge> : null}>
            Awaiting approval
          </Tabs.Tab>
          <Tabs.Tab value="log">Write-back log</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="queue" pt="md">
          <Stack gap="md">
            <Queue />
            <ClientDecisions />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="log" pt="md">
          {tab === 'log' ? <Log /> : null}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
