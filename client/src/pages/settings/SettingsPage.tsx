import { Stack, Tabs, Text, Title } from '@mantine/core';
import { useLocation } from 'wouter';
import { BillingSection } from './BillingSection';
import { BillingPoliciesSection } from './BillingPoliciesSection';
import { ClientDefaultsSection } from './ClientDefaultsSection';
import { CollectionsSection } from './CollectionsSection';
import { ConnectionsSection } from './ConnectionsSection';
import { PrivacySection } from './PrivacySection';
import { TeamSection } from './TeamSection';

export function SettingsPage({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  const [location, navigate] = useLocation();
  const tab = location.startsWith('/settings/collections') ? 'collections' : location.startsWith('/settings/defaults') ? 'defaults' : location.startsWith('/settings/privacy') ? 'privacy' : location.startsWith('/settings/team') ? 'team' : location.startsWith('/settings/policies') ? 'policies' : location.startsWith('/settings/billing') && role === 'admin' ? 'billing' : 'connections';
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Settings</Title>
        <Text c="dimmed">Connections to client ledgers, the firm’s collection policy, your firm and its users.</Text>
      </div>
      <Tabs value={tab} onChange={(v) => navigate(v === 'collections' ? '/settings/collections' : v === 'defaults' ? '/settings/defaults' : v === 'privacy' ? '/settings/privacy' : v === 'team' ? '/settings/team' : v === 'policies' ? '/settings/policies' : v === 'billing' ? '/settings/billing' : '/settings')}>
        <Tabs.List>
          <Tabs.Tab value="connections">Connections</Tabs.Tab>
          <Tabs.Tab value="collections">Collections</Tabs.Tab>
          <Tabs.Tab value="defaults">Client defaults</Tabs.Tab>
          <Tabs.Tab value="privacy">Privacy</Tabs.Tab>
          <Tabs.Tab value="team">Team</Tabs.Tab>
          <Tabs.Tab value="policies">Billing policies</Tabs.Tab>
          {role === 'admin' ? <Tabs.Tab value="billing">Billing</Tabs.Tab> : null}
        </Tabs.List>
        <Tabs.Panel value="connections" pt="md">
          {tab === 'connections' ? <ConnectionsSection role={role} /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="collections" pt="md">
          {tab === 'collections' ? <CollectionsSection role={role} /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="defaults" pt="md">
          {tab === 'defaults' ? <ClientDefaultsSection /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="privacy" pt="md">
          {tab === 'privacy' ? <PrivacySection role={role} /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="team" pt="md">
          {tab === 'team' ? <TeamSection /> : null}
        </Tabs.Panel>
        <Tabs.Panel value="policies" pt="md">
          {tab === 'policies' ? <BillingPoliciesSection /> : null}
        </Tabs.Panel>
        {role === 'admin' ? (
          <Tabs.Panel value="billing" pt="md">
            {tab === 'billing' ? <BillingSection role={role} /> : null}
          </Tabs.Panel>
        ) : null}
      </Tabs>
    </Stack>
  );
}
