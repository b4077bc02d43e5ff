/**
 * The pay page's saved cards and autopay (issue #19, server/autopay/): the customer's saved cards
 * (brand •••• last four, expiry), "Save a card" / "Update your card" (the provider's hosted card
 * page; the return lands here with ?card=<id>) and autopay on or off for future invoices and for
 * each active payment plan. `?card=update` (autopay's failure email) opens with the card button first.
 * Words are English only for now (the page's other words come from messages/).
 */
import { Alert, Badge, Button, Group, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AutopaySummary } from '../../../server/autopay/core';
import { PayApiError, payApi } from './api';

export function AutopaySection({ token, autopay }: { token: string; autopay: AutopaySummary }) {
  const qc = useQueryClient();
  const params = new URLSearchParams(window.location.search);
  const card = params.get('card');
  const returnedId = card && /^[0-9a-f-]{36}$/i.test(card) ? card : null;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ret = useQuery({
    queryKey: ['pay-card-return', token, returnedId],
    enabled: Boolean(returnedId),
    queryFn: async () => {
      const r = await payApi<{ status: string }>(`${encodeURIComponent(token)}/card-setups/${encodeURIComponent(returnedId ?? '')}`);
      if (r.status === 'saved') void qc.invalidateQueries({ queryKey: ['pay', token] });
      return r;
    },
    refetchInterval: (q) => (q.state.data?.status === 'open' && q.state.dataUpdateCount < 10 ? 2000 : false),
  });
  if (!autopay.available) return null;

  async function saveCard() {
    setBusy(true);
    setError(null);
    try {
      const out = await payApi<{ url: string }>(`${encodeURIComponent(token)}/card-setup`, {});
      window.location.assign(out.url);
    } catch (err) {
      setError(err instanceof PayApiError ? err.message : 'Something went wrong. Please try again in a minute.');
      setBusy(false);
    }
  }

  async function toggle(scope: 'invoices' | 'plan', planId: string | null, on: boolean) {
    setBusy(true);
    setError(null);
    try {
      await payApi(`${encodeURIComponent(token)}/autopay`, { scope, planId, on });
      await qc.invalidateQueries({ queryKey: ['pay', token] });
    } catch (err) {
      setError(err instanceof PayApiError ? err.message : 'Something went wrong. Please try again in a minute.');
    } finally {
      setBusy(false);
    }
  }

  const hasCard = autopay.cards.length > 0;
  return (
    <Paper p={{ base: 'md', sm: 'xl' }} radius="md" withBorder mt="lg" data-testid="autopay-section">
      <Stack gap="sm">
        <Title order={3} size="h4">
          Pay automatically
        </Title>
        {ret.data?.status === 'saved' && (
          <Alert color="green" variant="light" title="Your card is saved">
            Future automatic payments will use it.
          </Alert>
        )}
        {card === 'cancelled' && (
          <Alert color="gray" variant="light" title="No card was saved">
            You can save a card at any time.
          </Alert>
        )}
        {error && (
          <Alert color="red" variant="light" title="That did not work">
            {error}
          </Alert>
        )}
        {hasCard ? (
          <Stack gap={4}>
            <Text size="sm" c="dimmed">
              Saved card
            </Text>
            {autopay.cards.map((c) => (
              <Group key={c.id} gap="xs" wrap="wrap">
                <Text fw={600}>{c.text}</Text>
                {c.expired && <Badge color="red" variant="light">Expired</Badge>}
              </Group>
            ))}
          </Stack>
        ) : (
          <Text size="sm">Save a card and we can take each payment on its due date, so you never have to remember.</Text>
        )}
        <Group>
          <Button variant={card === 'update' || !hasCard ? 'filled' : 'light'} onClick={() => void saveCard()} loading={busy} data-testid="save-card">
            {hasCard ? 'Update your card' : 'Save a card'}
          </Button>
        </Group>
        {hasCard && (
          <Stack gap="xs" mt="xs">
            {autopay.choices.map((c) => (
              <Switch
                key={`${c.scope}:${c.planId ?? ''}`}
                checked={c.on}
                disabled={busy}
                onChange={(e) => void toggle(c.scope, c.planId, e.currentTarget.checked)}
                label={c.label}
                description={c.statusText}
              />
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
