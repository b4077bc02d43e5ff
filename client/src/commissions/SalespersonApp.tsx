/**
 * A salesperson's Arcus (docs/decisions/036): their own commission statements, and nothing else.
 * They sign in with an emailed link, like a client contact.
 */
import { Alert, Container, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { StatementView } from '../../../server/commissions/statements';
import { api } from '../api';
import { GuestShell } from '../components/GuestShell';
import { StatementCard } from './StatementCard';

export function SalespersonApp({ user, firm }: { user: { name: string }; firm: { name: string } }) {
  const q = useQuery({ queryKey: ['my-commissions'], queryFn: () => api<{ statements: StatementView[] }>('/my/commissions') });
  return (
    <GuestShell user={user} firm={firm}>
      <Container size="md" px={0}>
        <Stack>
          <Title order={2}>Your commission statements</Title>
          {q.isPending && <Loader aria-label="Loading" />}
          {q.error && <Alert color="red">{q.error.message}</Alert>}
          {q.data && q.data.statements.length === 0 && <Text>You have no commission statements yet.</Text>}
          {q.data?.statements.map((s) => (
            <StatementCard key={s.id} statement={s} showPerson={false} />
          ))}
        </Stack>
      </Container>
    </GuestShell>
  );
}
