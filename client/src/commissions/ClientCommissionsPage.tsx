/** The client contact's commission statements (docs/decisions/036): each salesperson's month, to approve. */
import { Alert, Container, Loader, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { StatementView } from '../../../server/commissions/statements';
import { api } from '../api';
import { StatementCard } from './StatementCard';

export function ClientCommissionsPage() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['client-commissions'], queryFn: () => api<{ statements: StatementView[] }>('/client/commissions') });
  const approve = useMutation({
    mutationFn: (id: string) => api(`/client/commissions/${id}/approve`, { method: 'POST' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['client-commissions'] }),
  });
  return (
    <Container size="md" px={0}>
      <Stack>
        <Title order={2}>Sales commissions</Title>
        <Text size="sm" c="dimmed">
          Each salesperson’s commission for the month, worked out from the cash your customers paid. Approve a statement to send it to payroll.
        </Text>
        {approve.error && <Alert color="red">{approve.error.message}</Alert>}
        {q.isPending && <Loader aria-label="Loading" />}
        {q.error && <Alert color="red">{q.error.message}</Alert>}
        {q.data && q.data.statements.length === 0 && <Text>No commission statements yet.</Text>}
        {q.data?.statements.map((s) => (
          <StatementCard key={s.id} statement={s} onApprove={() => approve.mutate(s.id)} approving={approve.isPending && approve.variables === s.id} />
        ))}
      </Stack>
    </Container>
  );
}
