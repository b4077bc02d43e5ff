/**
 * A customer's text messages (docs/decisions/043): the reminders' texts with their delivery status
 * (a failed one in red), and what the customer texted back — STOP and START shown as such — newest
 * first; numbers that replied STOP are named at the top. Hidden while there are none.
 */
import { Alert, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';

interface SmsHistory {
  messages: { id: string; direction: 'out' | 'in'; number: string; body: string; status: string; failed: boolean; at: string }[];
  optedOut: string[];
}

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function SmsHistoryCard({ customerId }: { customerId: string }) {
  const q = useQuery({ queryKey: ['customer-sms', customerId], queryFn: () => api<SmsHistory>(`/customers/${customerId}/sms`) });
  if (!q.data || q.data.messages.length === 0) return null;
  return (
    <Paper withBorder p="md" radius="md" data-testid="customer-sms">
      <Text fw={600} mb="sm">
        Text messages
      </Text>
      {q.data.optedOut.length > 0 && (
        <Alert color="yellow" variant="light" mb="sm" p="xs">
          {q.data.optedOut.join(', ')} replied STOP: no text messages go to {q.data.optedOut.length === 1 ? 'it' : 'them'} until the customer replies START.
        </Alert>
      )}
      <Stack gap="xs">
        {q.data.messages.map((m) => (
          <Stack key={m.id} gap={2}>
            <Group gap={6} wrap="wrap">
              <Text fz="xs" fw={500}>
                {m.direction === 'out' ? `To ${m.number}` : `From ${m.number}`}
              </Text>
              <Badge size="xs" variant="light" color={m.failed ? 'red' : m.direction === 'in' ? 'grape' : 'blue'} tt="none">
                {m.status}
              </Badge>
              <Text fz="xs" c="dimmed">
                {when(m.at)}
              </Text>
            </Group>
            <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
              {m.body}
            </Text>
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}
