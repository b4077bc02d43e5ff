/**
 * The pay page's saved cards and autopay (issue #19, server/autopay/): the customer's saved cards
 * (brand •••• last four, expiry), "Save a card" / "Update your card" (the provider's hosted card
 * page; the return lands here with ?card=<id>) and autopay on or off for future invoices and for
 * each active payment plan. `?card=update` (autopay's failure email) opens with the card button first.
 * Every word in the debtor's language (messages/<language>.ts `autopay`), like the rest of the page;
 * a paused choice says who paused it (the debtor, the organisation, or failed payments).
 */
import { Alert, Badge, Button, Group, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AutopaySummary } from '../../../server/autopay/core';
import { PayApiError, payApi } from './api';
import type { PayMessages } from './messages';

export function AutopaySection({ token, autopay, organisation, t }: { token: string; autopay: AutopaySummary; organisation: string; t: PayMessages['autopay'] }) {
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
      setError(err instanceof PayApiError ? err.message : t.tryAgain);
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
      setError(err instanceof PayApiError ? err.message : t.tryAgain);
    } finally {
      setBusy(false);
    }
  }

  const hasCard = autopay.cards.length > 0;
  return (
    <Paper p={{ base: 'md', sm: 'xl' }} radius="md" withBorder mt="lg" data-testid="autopay-section">
      <Stack gap="sm">
        <Title order={3} size="h4">
          {t.title}
        </Title>
        {ret.data?.status === 'saved' && (
          <Alert color="green" variant="light" title={t.savedTitle}>
            {t.savedBody}
          </Alert>
        )}
        {card === 'cancelled' && (
          <Alert color="gray" variant="light" title={t.noCardTitle}>
            {t.noCardBody}
          </Alert>
        )}
        {error && (
          <Alert color="red" variant="light" title={t.failedTitle}>
            {error}
          </Alert>
        )}
        {hasCard ? (
          <Stack gap={4}>
            <Text size="sm" c="dimmed">
              {t.savedCard}
            </Text>
            {autopay.cards.map((c) => (
              <Group key={c.id} gap="xs" wrap="wrap">
                <Text fw={600}>{t.card(c.brandText, c.last4, c.expiry)}</Text>
                {c.expired && (
                  <Badge color="red" variant="light">
                    {t.expired}
                  </Badge>
                )}
              </Group>
            ))}
          </Stack>
        ) : (
          <Text size="sm">{t.intro}</Text>
        )}
        <Group>
          <Button variant={card === 'update' || !hasCard ? 'filled' : 'light'} onClick={() => void saveCard()} loading={busy} data-testid="save-card">
            {hasCard ? t.updateCard : t.saveCard}
          </Button>
        </Group>
        {hasCard && (
          <Stack gap="xs" mt="xs">
            <Text size="sm" c="dimmed">
              {t.choicesLabel}
            </Text>
            {autopay.choices.map((c) => (
              <Switch
                key={`${c.scope}:${c.planId ?? ''}`}
                checked={c.on}
                disabled={busy}
                onChange={(e) => void toggle(c.scope, c.planId, e.currentTarget.checked)}
                label={c.scope === 'plan' ? t.plan(c.frequency) : t.futureInvoices}
                description={c.state === 'paused_by_organisation' ? t.pausedBy(organisation) : t.state[c.state]}
              />
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
