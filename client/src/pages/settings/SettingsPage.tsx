import { Stack, Tabs, Text, Title } from '@mantine/core';
import { useLocation } from 'wouter';
import { CollectionsSection } from './CollectionsSection';
import { ConnectionsSection } from './ConnectionsSection';
import { PrivacySection } from './PrivacySection';

export function SettingsPage({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  const [location, navigate] = useLocation();
  const tab = location.startsWith('/settings/collections') ? 'collections' : location.startsWith('/settings/privacy') ? 'privacy' : 'connections';
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Settings</Title>
        <Text c="dimmed">Connections to client ledgers, the firm’s collection policy, your firm and its users.</Text>
      </div>
      <Tabs value={tab} onChange={(v) => navigate(v === 'collections' ? '/settings/collections' : v === 'privacy' ? '/settings/privacy' : '/settings')}>
        <Tabs.List>
          <Tabs.Tab value="connections">Connections</Tabs.Tab>
          <Tabs.Tab value="collections">Collections</Tabs.Tab>
          <Tabs.Tab value="privacy">Privacy</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="connections" pt="md">
          {tab === 'connections' ? <ConnectionsSection role={role} /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="collections" pt="md">
          {tab === 'collections' ? <CollectionsSection role={role} /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="privacy" pt="md">
          {tab === 'privacy' ? <PrivacySection role={role} /> : null}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
