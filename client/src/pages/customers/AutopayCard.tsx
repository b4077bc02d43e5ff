/**
 * A customer's autopay (issue #19, server/autopay/): whether it is on, the saved card, each charge
 * and retry in words, and for a collector (admins and collectors; hidden for viewers) "Pause autopay" /
 * "Resume autopay" after a confirmation in words (decision 056) and "Turn autopay off". Hidden for a
 * customer who never had it.
 */
import { Alert, Button, Group, Modal, Paper, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';

interface CustomerAutopay {
  cards: { id: string; text: string; expired: boolean }[];
  mandates: { id: string; text: string; live: boolean; active: boolean; paused: boolean }[];
  attempts: { id: string; what: string; text: string }[];
  summary: string;
}

type Ask = { mandateId: string; action: 'pause' | 'resume'; what: string };

/** What pausing or resuming does, in words, before the collector confirms it. */
function PauseResumeConfirm({ ask, busy, onConfirm, onClose }: { ask: Ask; busy: boolean; onConfirm: () => void; onClose: () => void }) {
  const pause = ask.action === 'pause';
  return (
    <Modal opened onClose={onClose} title={pause ? 'Pause autopay?' : 'Resume autopay?'} size="md">
      <Stack gap="sm">
        <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
          {ask.what}
        </Text>
        <Text fz="sm" data-testid="autopay-confirmation">
          {pause
            ? 'While autopay is paused, no card payment is taken and a failed payment is not tried again. Reminders go out as usual while it is paused. You or the customer can resume it at any time.'
            : 'The saved card will be charged again as payments fall due. A failed payment still waiting to be tried again is tried on its day, or today if that day has passed; one that first failed more than 30 days ago is not tried again.'}
        </Text>
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color={pause ? 'orange' : 'blue'} loading={busy} onClick={onConfirm}>
            {pause ? 'Pause autopay' : 'Resume autopay'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function AutopayCard({ customerId, canCollect }: { customerId: string; canCollect: boolean }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['customer-autopay', customerId], queryFn: () => api<CustomerAutopay>(`/customers/${customerId}/autopay`) });
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ask, setAsk] = useState<Ask | null>(null);
  if (!q.data || (q.data.mandates.length === 0 && q.data.cards.length === 0)) return null;
  const d = q.data;
  async function act(mandateId: string, action: 'cancel' | 'pause' | 'resume') {
    setBusy(true);
    try {
      const r = await api<{ message: string }>(`/customers/${customerId}/autopay/${action}`, { method: 'POST', body: { mandateId } });
      setMessage(r.message);
      await qc.invalidateQueries({ queryKey: ['customer-autopay', customerId] });
    } catch (err) {
      setMessage(err instanceof Error ? err.message : 'That did not work. Try again in a minute.');
    } finally {
      setBusy(false);
      setAsk(null);
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
                <Group gap="xs">
                  {m.active && (
                    <Button size="xs" variant="light" color="orange" disabled={busy} onClick={() => setAsk({ mandateId: m.id, action: 'pause', what: m.text })}>
                      Pause autopay
                    </Button>
                  )}
                  {m.paused && (
                    <Button size="xs" variant="light" disabled={busy} onClick={() => setAsk({ mandateId: m.id, action: 'resume', what: m.text })}>
                      Resume autopay
                    </Button>
                  )}
                  <Button size="xs" variant="light" color="red" loading={busy} onClick={() => void act(m.id, 'cancel')}>
                    Turn autopay off
                  </Button>
                </Group>
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
      {ask && <PauseResumeConfirm ask={ask} busy={busy} onConfirm={() => void act(ask.mandateId, ask.action)} onClose={() => setAsk(null)} />}
    </Paper>
  );
}
