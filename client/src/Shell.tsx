import { AppShell, Avatar, Burger, Group, Menu, NavLink, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from './api';
import { NAV } from './nav';
import { useRefreshSession } from './session';
import { ApprovalsBadge } from './writebacks/ApprovalsBadge';

interface Props {
  user: { name: string; email: string; role: string };
  firm: { name: string };
  children: ReactNode;
}

/** A role in words (its key is never shown). */
const ROLE_WORDS: Record<string, string> = { admin: 'Administrator', manager: 'Manager', collector: 'Collector', viewer: 'Viewer', client_contact: 'Client contact' };

export function Shell({ user, firm, children }: Props) {
  const [opened, { toggle }] = useDisclosure();
  const [location] = useLocation();
  const refresh = useRefreshSession();
  const signOut = async () => {
    await api('/auth/sign-out', { method: 'POST' });
    await refresh();
  };
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <img src="/favicon.svg" alt="" width={26} height={26} />
            <Text fw={700} size="lg">
              Arcus
            </Text>
            <Text c="dimmed" size="sm" visibleFrom="sm">
              {firm.name}
            </Text>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label="Account menu">
                <Group gap="xs">
                  <Avatar size="sm" color="blue" radius="xl">
                    {user.name
                      .split(' ')
                      .map((p) => p[0])
                      .join('')}
                  </Avatar>
                  <Text size="sm" visibleFrom="sm">
                    {user.name}
                  </Text>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                {user.email} · {ROLE_WORDS[user.role]}
              </Menu.Label>
              <Menu.Item onClick={signOut}>Sign out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        {NAV.map((item) => (
          <NavLink key={item.path} component={Link} href={item.path} label={item.label} active={location.startsWith(item.path)} rightSection={item.badge === 'approvals' ? <ApprovalsBadge /> : undefined} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
