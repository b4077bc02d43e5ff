/**
 * The client contact's own dashboard (docs/decisions/029-client-dashboard.md), read-only: for each
 * of their organisations, the headline figures the firm's organisation dashboard shows (AR, overdue
 * share, DSO, CEI, aging), what the firm did for them this month, and what waits for their approval.
 */
import { Alert, Anchor, Badge, Card, Center, Container, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../api';
import { formatMoney, formatPct } from '../components/analytics/format';
import type { ClientKpi, ClientOrganisationView } from '../../../server/analytics/client-dashboard';

export function useClientDashboard() {
  return useQuery({ queryKey: ['client-dashboard'], queryFn: () => api<{ organisations: ClientOrganisationView[] }>('/client/dashboard').then((r) => r.organisations) });
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

function kpiText(k: ClientKpi, currency: string): string {
  if (k.value === null) return '—';
  return k.unit === 'amount' ? formatMoney(k.value, currency) : k.unit === 'days' ? `${k.value.toLocaleString('en-GB', { maximumFractionDigits: 1 })} days` : formatPct(k.value);
}

export function ClientDashboardPage({ firmName }: { firmName: string }) {
  const q = useClientDashboard();
  return (
    <Container size="md" px={0}>
      <Stack gap="md">
        <div>
          <Title order={2}>Your receivables</Title>
          <Text c="dimmed" size="sm">
            What your customers owe you and what {firmName} did to collect it. Read-only: your accounts are changed only with your approval.
          </Text>
        </div>
        {q.isPending && (
          <Center py="xl">
            <Loader aria-label="Loading" />
          </Center>
        )}
        {q.error && <Alert color="red">{q.error.message}</Alert>}
        {q.data && q.data.length === 0 && <Alert color="gray">{firmName} has not linked an organisation to your sign-in yet.</Alert>}
        {q.data?.map((o) => (
          <OrganisationCard key={o.id} o={o} firmName={firmName} />
        ))}
      </Stack>
    </Container>
  );
}

function OrganisationCard({ o, firmName }: { o: ClientOrganisationView; firmName: string }) {
  return (
    <Card withBorder radius="md" padding="md" data-testid="client-organisation">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
          <Title order={3} size="h4" style={{ overflowWrap: 'anywhere' }}>
            {o.name}
          </Title>
          <Text size="xs" c="dimmed">
            As at {o.asOf}
          </Text>
        </Group>
        {o.waitingForApproval > 0 ? (
          <Alert color="orange" data-testid="client-waiting">
            <Group justify="space-between" wrap="wrap" gap="xs">
              <Text size="sm">{plural(o.waitingForApproval, 'change waits', 'changes wait')} for your approval.</Text>
              <Anchor component={Link} href="/approvals" size="sm" fw={600}>
                Review them
              </Anchor>
            </Group>
          </Alert>
        ) : (
          <Text size="sm" c="dimmed" data-testid="client-waiting">
            Nothing waits for your approval.
          </Text>
        )}
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
          {o.kpis.map((k) => (
            <Card key={k.key} withBorder radius="sm" padding="xs" data-kpi={k.label} title={k.name}>
              <Text size="xs" c="dimmed" fw={600}>
                {k.name}
              </Text>
              <Text fw={700} size="lg">
                {kpiText(k, o.currency)}
              </Text>
              {k.why ? (
                <Text size="xs" c="dimmed">
                  {k.why}
                </Text>
              ) : null}
            </Card>
          ))}
        </SimpleGrid>
        <Text size="xs" c="dimmed">
          Sales outstanding and collection effectiveness are over {o.periodWords}.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <div>
            <Text fw={600} size="sm" mb={4}>
              How old what you are owed is
            </Text>
            <Table fz="sm" verticalSpacing={2} aria-label={`Aging of ${o.name}`}>
              <Table.Tbody>
                {o.aging.map((a) => (
                  <Table.Tr key={a.label}>
                    <Table.Td>{a.label === 'Current' ? 'Not yet due' : `${a.label} overdue`}</Table.Td>
                    <Table.Td ta="right">{formatMoney(a.amount, o.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          <div data-testid="client-month">
            <Text fw={600} size="sm" mb={4}>
              What {firmName} did in {o.month.name}
            </Text>
            <Stack gap={4}>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm">Reminders sent</Text>
                <Badge variant="light" color="blue">
                  {o.month.remindersSent.toLocaleString('en-GB')}
                </Badge>
              </Group>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm">Promises to pay recorded</Text>
                <Badge variant="light" color="blue">
                  {o.month.promisesRecorded.toLocaleString('en-GB')}
                </Badge>
              </Group>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm">Paid through a payment link</Text>
                <Badge variant="light" color="blue">
                  {o.month.paidOnline.toLocaleString('en-GB')}
                </Badge>
              </Group>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm">Collected this month</Text>
                <Text size="sm" fw={700}>
                  {formatMoney(o.month.collected, o.currency)}
                </Text>
              </Group>
            </Stack>
          </div>
        </SimpleGrid>
      </Stack>
    </Card>
  );
}
