/**
 * Settings › Connections › an organisation › Sync log: its recent sync runs, newest first, 20 a
 * page — kind, start and end (in the organisation's time zone), what was read, API calls, and any
 * API error in words with the provider's reference for its support team.
 */
import { Alert, Anchor, Badge, Group, Loader, Pagination, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import type { SyncLogPage as SyncLog } from '../../../../server/connections/sync-log';
import { api } from '../../api';
import { ProviderBadge } from '../../components/ProviderButtons';
import { count, dateTimeIn } from '../../format';
import type { Organisation } from '../../organisations';

export function SyncLogPage({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const org = useQuery({ queryKey: ['organisation', id], queryFn: () => api<{ organisation: Organisation }>(`/organisations/${id}`) });
  const log = useQuery({ queryKey: ['sync-log', id, page], queryFn: () => api<SyncLog>(`/organisations/${id}/sync-runs?page=${page}`), refetchInterval: 5_000 });
  const o = org.data?.organisation;
  const zone = o?.timezone ?? 'UTC';
  const pages = log.data ? Math.max(1, Math.ceil(log.data.total / log.data.pageSize)) : 1;
  return (
    <Stack gap="md" component="section" aria-labelledby="sync-log-heading">
      <Anchor component={Link} href="/settings/connections" size="sm">
        ← Connections
      </Anchor>
      <Group gap="sm" align="center">
        <Title order={2} id="sync-log-heading">
          Sync log{o ? ` — ${o.name}` : ''}
        </Title>
        {o && <ProviderBadge provider={o.provider} />}
      </Group>
      <Text size="sm" c="dimmed">
        Every sync of this organisation, newest first, with times in the organisation’s own time zone. When {o?.providerLabel ?? 'the ledger'} answers with an error, it is explained here with the reference its support team asks for.
      </Text>
      {(org.error || log.error) && (
        <Alert color="red" variant="light">
          {(org.error ?? log.error)?.message}
        </Alert>
      )}
      {log.isPending && <Loader aria-label="Loading the sync log" />}
      {log.data && log.data.total === 0 && <Text>No syncs yet. The first one starts as soon as the organisation is connected.</Text>}
      {log.data && log.data.runs.length > 0 && (
        <Paper withBorder radius="md">
          <Table verticalSpacing="sm" striped aria-label="Sync runs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Sync</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Finished</Table.Th>
                <Table.Th>Read</Table.Th>
                <Table.Th ta="right">API calls</Table.Th>
                <Table.Th>Problems</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.data.runs.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Stack gap={2}>
                      <Text size="sm" fw={500}>
                        {r.kind}
                      </Text>
                      <Badge size="sm" variant="light" color={r.failed ? 'red' : r.status === 'Completed' ? 'green' : 'gray'} styles={{ root: { textTransform: 'none' } }}>
                        {r.status}
                      </Badge>
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{dateTimeIn(r.startedAt ?? r.createdAt, zone)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.finishedAt ? dateTimeIn(r.finishedAt, zone) : '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.read}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm">{count(r.apiCalls)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {r.errors.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        None
                      </Text>
                    ) : (
                      <Stack gap={6}>
                        {r.errors.map((e) => (
                          <div key={`${e.at}-${e.words}-${e.reference ?? ''}`}>
                            <Text size="sm">
                              {dateTimeIn(e.at, zone)}: {e.words}
                            </Text>
                            {e.reference && (
                              <Text size="xs" c="dimmed" ff="monospace">
                                {e.reference}
                              </Text>
                            )}
                          </div>
                        ))}
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Sync log pages" />}
    </Stack>
  );
}
