import { Stack, Text, Title } from '@mantine/core';
import { ConnectionsSection } from './ConnectionsSection';

export function SettingsPage({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Settings</Title>
        <Text c="dimmed">Connections to client ledgers, your firm and its users.</Text>
      </div>
      <ConnectionsSection role={role} />
    </Stack>
  );
}
