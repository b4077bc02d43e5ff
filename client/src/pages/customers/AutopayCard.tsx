/**
 * A customer's autopay (issue #19, server/autopay/): whether it is on, the saved card, each charge
 * and retry in words, and "Turn autopay off" for a collector. Hidden for a customer who never had it.
 */
import { Alert, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';

interface CustomerAutopay {
  cards: { id: string; text: string; expired: boolean }[];
  mandates: { id: string; text: string; live: boolean }[];
  attempts: { id: string; what: string; text: string }[];
  summary: string;
}

export function AutopayCard({ customerId, canCollect }: { customerId: string; canCollect: boolean }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['customer-autopay', customerId], queryFn: () => api<CustomerAutopay>(`/customers/${customerId}/autopay`) });
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!q.data || (q.data.mandates.length === 0 && q.data.cards.length === 0)) return null;
  const d = q.data;
  async function cancel(mandateId: string) {
    setBusy(true);
    try {
      const r = await api<{ message: string }>(`/customers/${customerId}/autopay/cancel`, { method: 'POST', body: { mandateId } });
      setMessage(r.message);
      await qc.invalidateQueries({ queryKey: ['customer-autopay', customerId] });
    } catch (err) {
      setMessage(err instanceof Error ? err.message : 'That did not work. Try again in a minute.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md" radius="md" data-testid="customer-autopay">
      <Text fw={600}>Autopay</Text>
      <Text fz="sm" mb="sm">
        {d.summary}
      </Text>
      {message && (
        <Alert color="blue" variant="light" mb="sm" p="xs">
          {message}
        </Alert>
      )}
      <Stack gap="xs">
        {d.cards.map((c) => (
          <Text key={c.id} fz="sm">
            Saved card: {c.text}
            {c.expired ? ' (expired)' : ''}
          </Text>
        ))}
        {d.mandates
          .filter((m) => m.live)
          .map((m) => (
            <Group key={m.id} justify="space-between" wrap="wrap" gap="xs">
              <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
                {m.text}
              </Text>
              {canCollect && (
                <Button size="xs" variant="light" color="red" loading={busy} onClick={() => void cancel(m.id)}>
                  Turn autopay off
                </Button>
              )}
            </Group>
          ))}
        {d.attempts.length > 0 && (
          <Stack gap={2} mt="xs">
            <Text fz="xs" c="dimmed">
              Charges
            </Text>
            {d.attempts.map((a) => (
              <Text key={a.id} fz="sm" style={{ overflowWrap: 'anywhere' }}>
                {a.what}: {a.text}
              </Text>
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
