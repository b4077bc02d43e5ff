import { Paper, Stack, Text, Title } from '@mantine/core';
import type { NavItem } from '../nav';

/**
 * A section's frame before its data arrives. Each section fills in as the ledger connection,
 * analytics, scoring and reminders land; until a ledger is connected it says so plainly.
 */
export function SectionPage({ item }: { item: NavItem }) {
  return (
    <Stack gap="md">
      <Title order={2}>{item.label}</Title>
      <Text c="dimmed">{item.description}</Text>
      <Paper withBorder p="xl" radius="md">
        <Text fw={600}>Nothing to show yet</Text>
        <Text size="sm" c="dimmed">
          Connect a client’s Xero organisation or QuickBooks company under Settings to bring in contacts, invoices and payments.
        </Text>
      </Paper>
    </Stack>
  );
}
