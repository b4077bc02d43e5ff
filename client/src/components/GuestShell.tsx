/**
 * The frame of the small apps for people outside the firm's staff — a client contact, a
 * salesperson: Arcus "with" the firm, the person's name and Sign out; no staff navigation.
 */
import { AppShell, Button, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { api } from '../api';
import { useRefreshSession } from '../session';

export function GuestShell({ user, firm, children }: { user: { name: string }; firm: { name: string }; children: ReactNode }) {
  const refresh = useRefreshSession();
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
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
