/**
 * Fees (server/fees/README.md): the firm's fee statements for a month, one per client with a fee
 * plan, the practice ledger they are invoiced in, and working out every client's fee at once.
 * Each client's plan, working and approval are on its "Service & fees" page.
 */
import { Alert, Anchor, Button, Card, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearch } from 'wouter';
import type { StatementView } from '../../../../server/fees/statements';
import { api, fieldErrors } from '../../api';
import { appNow } from '../../clock';
import { useSession } from '../../session';
import { monthChoices } from './months';

interface FirmFees {
  month: string;
  monthName: string;
  practiceLedger: { organisationId: string; name: string } | null;
  organisations: { id: string; name: string }[];
  statements: StatementView[];
  /** Clients skipped by the last “work out”, in words. */
  problems?: string[];
}

export function FeesPage() {
  const qc = useQueryClient();
  const session = useSession();
  const isAdmin = session.data?.user?.permissions.includes('settings.manage') ?? false;
  const months = monthChoices(appNow());
  const asked = new URLSearchParams(useSearch()).get('month');
  const [month, setMonth] = useState(asked && months.some((m) => m.value === asked) ? asked : months[0]!.value);
  const key = ['fees', month];
  const fees = useQuery({ queryKey: key, queryFn: () => api<FirmFees>(`/fees?month=${month}`) });
  const compute = useMutation({ mutationFn: () => api<FirmFees>('/fees/compute', { method: 'POST', body: { month } }), onSuccess: (d) => qc.setQueryData(key, d) });
  const practice = useMutation({ mutationFn: (organisationId: string) => api('/fees/practice-ledger', { method: 'PUT', body: { organisationId } }), onSuccess: () => qc.invalidateQueries({ queryKey: ['fees'] }) });
  const d = fees.data;
  const total = d ? d.statements.length : 0;

  return (
    <Stack gap="md" maw={1000}>
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={2}>Fees</Title>
          <Text c="dimmed" size="sm">
            What each client owes the firm for its credit control, month by month, with the working shown.
          </Text>
        </div>
        <Select aria-label="Month" data={months} value={month} onChange={(v) => v && setMonth(v)} w={180} allowDeselect={false} />
      </Group>
      {fees.error && <Alert color="red">{fees.error.message}</Alert>}
      {d && (
        <>
          <Card withBorder>
            <Title order={4}>Practice ledger</Title>
            <Text size="sm" c="dimmed">
              The firm’s own Xero organisation or QuickBooks company: approved fees are invoiced there, once each month.
            </Text>
            <Select
              mt="xs"
              aria-label="Practice ledger"
              placeholder="Choose the firm’s own organisation"
              data={d.organisations.map((o) => ({ value: o.id, label: o.name }))}
              value={d.practiceLedger?.organisationId ?? null}
              onChange={(v) => v && practice.mutate(v)}
              disabled={!isAdmin}
              error={fieldErrors(practice.error).organisationId ?? (practice.error ? practice.error.message : undefined)}
              w={{ base: '100%', sm: 360 }}
              allowDeselect={false}
            />
            {!isAdmin && (
              <Text size="xs" c="dimmed" mt={4}>
                Only an administrator can choose the practice ledger.
              </Text>
            )}
          </Card>
          <Card withBorder>
            <Group justify="space-between" wrap="wrap">
              <Title order={4}>{d.monthName}</Title>
              <Button variant="light" onClick={() => compute.mutate()} loading={compute.isPending}>
                Work out every client’s fee
              </Button>
            </Group>
            {(d.problems?.length ?? 0) > 0 && (
              <Alert color="yellow" mt="xs">
                {d.problems!.join(' ')}
              </Alert>
            )}
            {compute.error && (
              <Alert color="red" mt="xs">
                {compute.error.message}
              </Alert>
            )}
            {total === 0 ? (
              <Text size="sm" mt="xs">
                No fees for {d.monthName} yet. Set a client’s fee plan on its Service & fees page, then work the fees out.
              </Text>
            ) : (
              <Table mt="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Client</Table.Th>
                    <Table.Th ta="right">Fee</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.statements.map((s) => (
                    <Table.Tr key={s.organisationId}>
                      <Table.Td>
                        <Anchor component={Link} href={`/organisations/${s.organisationId}/fees?month=${s.month}`}>
                          {s.organisationName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        {s.amountText}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={s.status === 'draft' ? 'orange.8' : s.status === 'invoiced' ? 'green.8' : 'blue.8'}>
                          {s.statusText}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}
