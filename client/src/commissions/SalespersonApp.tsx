/**
 * A salesperson's Arcus (docs/decisions/036): their own commission statements, and nothing else.
 * They sign in with an emailed link, like a client contact.
 */
import { Alert, AppShell, Button, Container, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { StatementView } from '../../../server/commissions/statements';
import { api } from '../api';
import { useRefreshSession } from '../session';
import { StatementCard } from './StatementCard';

export function SalespersonApp({ user, firm }: { user: { name: string }; firm: { name: string } }) {
  const refresh = useRefreshSession();
  const q = useQuery({ queryKey: ['my-commissions'], queryFn: () => api<{ statements: StatementView[] }>('/my/commissions') });
  const signOut = async () => {
    await api('/auth/sign-out', { method: 'POST' });
    await refresh();
  };
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <img src="/favicon.svg" alt="" width={26} height={26} />
            <Text fw={700}>Arcus</Text>
            <Text c="dimmed" size="sm" visibleFrom="xs">
              with {firm.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="xs">
              {user.name}
            </Text>
            <Button variant="subtle" size="compact-sm" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
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
      </AppShell.Main>
    </AppShell>
  );
}
