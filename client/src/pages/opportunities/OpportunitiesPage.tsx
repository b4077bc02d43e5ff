/**
 * Opportunities (server/opportunities/): every client of the firm, managed or not, ranked by the
 * cash a benchmark DSO would release, with its numbers against the benchmark of similar clients,
 * why it was flagged, the proposed tier and fee, the pitch PDF and where the pitch stands; and
 * Benchmarks — the clients by quartile and the firm's average gain month by month. Every text
 * comes from the server in words.
 */
import { Alert, Badge, Button, Card, Center, Container, Group, List, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { BenchmarksView } from '../../../../server/opportunities/benchmarks';
import type { OpportunitiesView, OpportunityRow } from '../../../../server/opportunities/opportunities';
import { api } from '../../api';
import { useSession } from '../../session';
import { notify, notifyError } from '../../writebacks/notify';

const figure = (v: number | null, unit: 'days' | '%') => (v === null ? '—' : `${v.toFixed(2)}${unit === '%' ? '%' : ' days'}`);
const gain = (v: number | null, unit: 'days' | 'points') => (v === null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)} ${unit}`);
const STATUS_COLOUR = { none: 'gray', pitched: 'blue', won: 'green', declined: 'red' } as const;
const QUARTER_COLOUR = { 1: 'green', 2: 'teal', 3: 'yellow', 4: 'red' } as const;

function usePitch() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: { organisationId: string; name: string; status: 'pitched' | 'won' | 'declined'; note: string }) => api<{ statusText: string; serviceText: string | null }>(`/organisations/${p.organisationId}/pitch`, { method: 'POST', body: { status: p.status, note: p.note } }),
    onSuccess: (out, p) => {
      notify({ title: p.name, message: out.serviceText ? `${out.statusText}. ${out.serviceText}: the baseline is frozen.` : `${out.statusText}.`, color: 'green' });
      void qc.invalidateQueries({ queryKey: ['opportunities'] });
    },
    onError: (e) => notifyError(e),
  });
}

function OpportunityCard({ row, canMark }: { row: OpportunityRow; canMark: boolean }) {
  const pitch = usePitch();
  const [note, setNote] = useState(row.note);
  const busy = pitch.isPending && pitch.variables?.organisationId === row.organisationId;
  return (
    <Card withBorder aria-label={row.name} component="section">
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <div>
            <Title order={3} size="h4">
              {row.rank}. {row.name}
            </Title>
            <Text size="sm" c="dimmed">
              {row.serviceText} · {row.benchmark.groupName}
            </Text>
          </div>
          <Badge color={STATUS_COLOUR[row.status]} variant="light" size="lg" tt="none">
            {row.statusText}
          </Badge>
        </Group>
        <Group gap="xl" wrap="wrap" align="flex-end">
          <div>
            <Text size="xs" c="dimmed">
              Cash a benchmark DSO would release
            </Text>
            <Text fz={24} fw={700} c={row.cashReleased && row.cashReleased.amount > 0 ? 'green.8' : undefined}>
              {row.cashReleased?.text ?? '—'}
            </Text>
          </div>
          {row.proposal && (
            <div>
              <Text size="xs" c="dimmed">
                Proposed tier
              </Text>
              <Text fw={600}>
                {row.proposal.tierName}, {row.proposal.monthlyFee.text} a month
              </Text>
            </div>
          )}
        </Group>
        <Text size="sm">{row.cashSentence}</Text>
        <Table.ScrollContainer minWidth={300}>
          <Table striped withTableBorder aria-label={`${row.name} against the benchmark`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Measure</Table.Th>
                <Table.Th ta="right">Client</Table.Th>
                <Table.Th ta="right">Benchmark</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {row.metrics.map((m) => (
                <Table.Tr key={m.name}>
                  <Table.Td>{m.name}</Table.Td>
                  <Table.Td ta="right" c={m.worse === true ? 'red.8' : m.worse === false ? 'green.8' : undefined}>
                    {figure(m.value, m.unit)}
                  </Table.Td>
                  <Table.Td ta="right">{figure(m.benchmark, m.unit)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Text size="xs" c="dimmed">
          {row.benchmark.sentence}
        </Text>
        {row.reasons.length > 0 ? (
          <List size="sm" spacing={2}>
            {row.reasons.map((r) => (
              <List.Item key={r}>{r}</List.Item>
            ))}
          </List>
        ) : (
          <Text size="sm" c="dimmed">
            Nothing flagged: at or better than the benchmark and within the firm’s limits.
          </Text>
        )}
        {row.note && (
          <Text size="sm" fs="italic">
            Note: {row.note}
          </Text>
        )}
        <Group gap="xs" wrap="wrap">
          <Button component="a" variant="light" size="xs" href={`/api/organisations/${row.organisationId}/pitch/pdf`} download>
            Pitch PDF
          </Button>
          {canMark && (
            <>
              <TextInput size="xs" aria-label={`Note about the pitch to ${row.name}`} placeholder="Note (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={1000} w={220} />
              <Button size="xs" variant="default" loading={busy && pitch.variables?.status === 'pitched'} disabled={busy} onClick={() => pitch.mutate({ organisationId: row.organisationId, name: row.name, status: 'pitched', note })}>
                Mark pitched
              </Button>
              <Button size="xs" variant="default" color="green" loading={busy && pitch.variables?.status === 'won'} disabled={busy} onClick={() => pitch.mutate({ organisationId: row.organisationId, name: row.name, status: 'won', note })}>
                Mark won
              </Button>
              <Button size="xs" variant="default" color="red" loading={busy && pitch.variables?.status === 'declined'} disabled={busy} onClick={() => pitch.mutate({ organisationId: row.organisationId, name: row.name, status: 'declined', note })}>
                Mark declined
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

function Benchmarks() {
  const q = useQuery({ queryKey: ['opportunities', 'benchmarks'], queryFn: () => api<BenchmarksView>('/opportunities/benchmarks') });
  if (q.isLoading) return <Loader size="sm" aria-label="Loading benchmarks" />;
  if (q.error || !q.data) return <Alert color="red">{q.error?.message ?? 'The benchmarks could not be loaded.'}</Alert>;
  const b = q.data;
  return (
    <Stack gap="sm">
      <Title order={2}>Benchmarks</Title>
      <Text size="sm" c="dimmed">
        The firm’s clients compared with each other, {b.periodText}. {b.method}
      </Text>
      <Table.ScrollContainer minWidth={560}>
        <Table withTableBorder aria-label="Quartiles">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Measure</Table.Th>
              <Table.Th ta="right">First quartile</Table.Th>
              <Table.Th ta="right">Median</Table.Th>
              <Table.Th ta="right">Third quartile</Table.Th>
              <Table.Th ta="right">Clients</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {b.metrics.map((m) => (
              <Table.Tr key={m.name}>
                <Table.Td>
                  {m.name}
                  <Text size="xs" c="dimmed">
                    {m.lowerIsBetter ? 'Lower is better' : 'Higher is better'}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{figure(m.q1, m.unit)}</Table.Td>
                <Table.Td ta="right">{figure(m.median, m.unit)}</Table.Td>
                <Table.Td ta="right">{figure(m.q3, m.unit)}</Table.Td>
                <Table.Td ta="right">{m.clients}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Table.ScrollContainer minWidth={640}>
        <Table withTableBorder striped aria-label="Each client’s quarter">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Client</Table.Th>
              {b.metrics.map((m) => (
                <Table.Th key={m.name}>{m.name}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {b.clients.map((c) => (
              <Table.Tr key={c.organisationId}>
                <Table.Td>{c.name}</Table.Td>
                {c.cells.map((cell, i) => (
                  <Table.Td key={b.metrics[i]!.name}>
                    <Text size="sm">{figure(cell.value, b.metrics[i]!.unit)}</Text>
                    <Badge size="sm" variant="light" tt="none" color={cell.quarter ? QUARTER_COLOUR[cell.quarter] : 'gray'}>
                      {cell.quarterText}
                    </Badge>
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Title order={3} size="h4">
        The firm’s performance over time
      </Title>
      <Text size="sm" c="dimmed">
        {b.performance.sentence}
      </Text>
      {b.performance.months.length > 0 && (
        <Table.ScrollContainer minWidth={520}>
          <Table withTableBorder aria-label="The firm’s performance over time">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Month</Table.Th>
                <Table.Th ta="right">Managed clients</Table.Th>
                <Table.Th ta="right">DSO down by</Table.Th>
                <Table.Th ta="right">Collection effectiveness up by</Table.Th>
                <Table.Th ta="right">Overdue share down by</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {b.performance.months.map((m) => (
                <Table.Tr key={m.monthName}>
                  <Table.Td>{m.monthName}</Table.Td>
                  <Table.Td ta="right">{m.clients}</Table.Td>
                  <Table.Td ta="right">{gain(m.dsoReduction, 'days')}</Table.Td>
                  <Table.Td ta="right">{gain(m.ceiGain, 'points')}</Table.Td>
                  <Table.Td ta="right">{gain(m.overdueReduction, 'points')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

export function OpportunitiesPage() {
  const session = useSession();
  const canMark = session.data?.user?.permissions.includes('opportunities.manage') ?? false;
  const q = useQuery({ queryKey: ['opportunities', 'list'], queryFn: () => api<OpportunitiesView>('/opportunities') });
  const v = q.data;
  return (
    <Container size="lg" px={0}>
      <Stack gap="md">
        <div>
          <Title order={2}>Opportunities</Title>
          <Text size="sm" c="dimmed">
            Clients who need help, managed or not, ranked by the cash that reaching the benchmark DSO of similar clients would release{v ? `, ${v.periodText}. Amounts in ${v.currency}.` : '.'}
          </Text>
        </div>
        {q.isLoading && (
          <Center py="xl">
            <Loader aria-label="Loading" />
          </Center>
        )}
        {q.error && <Alert color="red">{q.error.message}</Alert>}
        {v && v.rows.length === 0 && <Alert>There is no client organisation yet.</Alert>}
        {v && v.rows.length > 0 && (
          <>
            <Text size="xs" c="dimmed">
              {v.groupsNote} {v.proposalRule}
            </Text>
            {v.rows.map((row) => (
              <OpportunityCard key={row.organisationId} row={row} canMark={canMark} />
            ))}
          </>
        )}
        <Benchmarks />
      </Stack>
    </Container>
  );
}
