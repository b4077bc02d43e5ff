/**
 * Settings › Billing (firm admins): what the firm bought in the Xero App Store — the plan, its
 * status in words, the limit of connected clients and how many are connected, a banner when the
 * subscription is past due or cancelled (connected clients keep working; new ones are refused),
 * and the usage reported each period. See docs/decisions/019-app-store-billing.md.
 */
import { Alert, Badge, Button, Group, Loader, Paper, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BillingView } from '../../../../server/routes/billing';
import { api } from '../../api';
import { notifyError } from '../../writebacks/notify';

function useBilling() {
  return useQuery({ queryKey: ['billing'], queryFn: () => api<BillingView>('/billing') });
}

function useRefreshBilling() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => api<BillingView>('/billing/refresh', { method: 'POST' }), onSuccess: (v) => qc.setQueryData(['billing'], v), onError: (e) => notifyError(e) });
}

export function BillingSection({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  const billing = useBilling();
  const refresh = useRefreshBilling();
  if (role !== 'admin') return <Text c="dimmed">Only an administrator can see the firm’s billing.</Text>;
  if (billing.isLoading) return <Loader size="sm" aria-label="Loading billing" />;
  if (billing.isError || !billing.data) return <Alert color="red">Billing could not be loaded. Try again in a moment.</Alert>;
  const b = billing.data;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="billing-heading">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={4} id="billing-heading">
              Billing
            </Title>
            <Text size="sm" c="dimmed">
              Your Arcus subscription in the Xero App Store. Plan changes and payments are made in the Xero App Store.
            </Text>
          </div>
          {b.subscribed ? (
            <Button variant="light" size="xs" loading={refresh.isPending} onClick={() => refresh.mutate()}>
              Check again
            </Button>
          ) : null}
        </Group>
        {!b.subscribed ? (
          <Text>This firm did not subscribe through the Xero App Store, so no App Store plan limits apply. {b.connectedClients === 1 ? '1 client is' : `${b.connectedClients} clients are`} connected.</Text>
        ) : (
          <>
            {b.banner ? (
              <Alert color="orange" title="New connections are paused">
                {b.banner}
              </Alert>
            ) : null}
            {b.planWarning ? <Alert color="yellow">{b.planWarning}</Alert> : null}
            <Group gap="md">
              <Text fw={600}>{b.plan} plan</Text>
              <Badge color={b.standing === 'good' ? 'green' : 'orange'} variant="light">
                {b.status}
              </Badge>
              {b.period ? (
                <Text size="sm" c="dimmed">
                  {b.period}
                </Text>
              ) : null}
            </Group>
            <Stack gap={4}>
              <Text size="sm">
                {b.limit}: {b.connectedClients} connected{b.maxClients !== null ? ` of ${b.maxClients}` : ''}.
              </Text>
              {b.maxClients !== null ? <Progress value={Math.min(100, (b.connectedClients / b.maxClients) * 100)} color={b.connectedClients >= b.maxClients ? 'orange' : 'blue'} aria-label="Connected clients against the plan’s limit" /> : null}
            </Stack>
            {b.usage.length ? (
              <Table striped withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Period</Table.Th>
                    <Table.Th>Connected clients billed</Table.Th>
                    <Table.Th>Reported to Xero</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {b.usage.map((u) => (
                    <Table.Tr key={u.period}>
                      <Table.Td>{u.period}</Table.Td>
                      <Table.Td>{u.clients}</Table.Td>
                      <Table.Td>{u.reported}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : (
              <Text size="sm" c="dimmed">
                Connected clients are reported to Xero in the last days of each billing period.
              </Text>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
