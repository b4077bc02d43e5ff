/**
 * Settings › Collections › Returned payments: the firm's returned-payment (NSF) fee policy, bound to
 * GET/PUT /api/returned-payments/policy (server/returns/, docs/decisions/046). Off by default; a flat
 * fee plus a share of the payment, an optional cap, the countries where it may be charged, posted as
 * a new invoice or a line on the reopened invoice. Admins change it; problems shown on their fields.
 */
import { Alert, Button, Group, Paper, SegmentedControl, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { notify } from '../../writebacks/notify';
import type { ReturnedFeePolicy } from '../../../../server/returns/core';

interface Draft {
  enabled: boolean;
  amount: string;
  percent: string;
  cap: string;
  countries: string;
  post: 'invoice' | 'line';
  accountCode: string;
}

const toDraft = (p: ReturnedFeePolicy): Draft => ({ enabled: p.enabled, amount: p.amount, percent: p.percent, cap: p.cap ?? '', countries: p.countries.join(', '), post: p.post, accountCode: p.accountCode ?? '' });

function describe(p: ReturnedFeePolicy): string {
  if (!p.enabled) return 'No fee is charged when a payment comes back.';
  const parts = [Number(p.amount) > 0 ? p.amount : null, Number(p.percent) > 0 ? `${p.percent}% of the payment` : null].filter(Boolean).join(' plus ');
  return `A fee of ${parts || 'nothing'}${p.cap ? `, at most ${p.cap},` : ''} is charged when a payment comes back${p.countries.length ? ` (in ${p.countries.join(', ')})` : ''}.`;
}

const FIELDS = ['enabled', 'amount', 'percent', 'cap', 'countries', 'post', 'accountCode'];

export function ReturnedFeeCard({ admin }: { admin: boolean }) {
  const qc = useQueryClient();
  const policy = useQuery({ queryKey: ['returned-fee-policy'], queryFn: async () => (await api<{ policy: ReturnedFeePolicy }>('/returned-payments/policy')).policy });
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    if (policy.data) setDraft(toDraft(policy.data));
  }, [policy.data]);
  const save = useMutation({
    mutationFn: async (d: Draft) =>
      (
        await api<{ policy: ReturnedFeePolicy }>('/returned-payments/policy', {
          method: 'PUT',
          body: {
            enabled: d.enabled,
            amount: d.amount.trim() || '0',
            percent: d.percent.trim() || '0',
            cap: d.cap.trim() ? d.cap.trim() : null,
            countries: d.countries
              .split(/[\s,]+/)
              .map((c) => c.trim().toUpperCase())
              .filter(Boolean),
            post: d.post,
            accountCode: d.accountCode.trim() ? d.accountCode.trim() : null,
          },
        })
      ).policy,
    onSuccess: (p) => {
      qc.setQueryData(['returned-fee-policy'], p);
      notify({ title: 'Returned-payment fee saved', message: describe(p) });
    },
  });
  if (policy.error) return <Alert color="red">{policy.error.message}</Alert>;
  if (!draft) return null;
  const errors = fieldErrors(save.error);
  const general = formError(save.error, FIELDS);
  const set = (p: Partial<Draft>) => setDraft({ ...draft, ...p });
  return (
    <Paper withBorder p="md" radius="md" data-testid="returned-fee-policy">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={5}>Returned payments</Title>
          <Switch label="Charge a returned-payment fee" checked={draft.enabled} onChange={(ev) => set({ enabled: ev.currentTarget.checked })} disabled={!admin} error={errors.enabled} />
        </Group>
        <Text size="xs" c="dimmed">
          When a payment bounces (a collector marks it returned, a bank debit fails, or a card payment is disputed), Arcus reverses it in the ledger and tells the customer. With this on, it also charges the fee below, once per returned payment. Check that such fees are allowed in your clients’ contracts and countries.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Flat fee" description="Per returned payment" value={draft.amount} onChange={(e) => set({ amount: e.currentTarget.value })} error={errors.amount} disabled={!admin || !draft.enabled} inputMode="decimal" />
          <TextInput label="Share of the payment" description="Percent, added to the flat fee" value={draft.percent} onChange={(e) => set({ percent: e.currentTarget.value })} error={errors.percent} disabled={!admin || !draft.enabled} inputMode="decimal" />
          <TextInput label="Most charged" description="Leave empty for no cap" value={draft.cap} onChange={(e) => set({ cap: e.currentTarget.value })} error={errors.cap} disabled={!admin || !draft.enabled} inputMode="decimal" />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Countries where it may be charged" description="Two-letter codes, such as GB, US" value={draft.countries} onChange={(e) => set({ countries: e.currentTarget.value })} error={errors.countries} disabled={!admin || !draft.enabled} />
          <TextInput label="Account code" description="Leave empty for the ledger’s default sales account" value={draft.accountCode} onChange={(e) => set({ accountCode: e.currentTarget.value })} error={errors.accountCode} disabled={!admin || !draft.enabled} />
        </SimpleGrid>
        <Stack gap={4}>
          <Text size="sm" fw={700}>
            How the fee is posted
          </Text>
          <SegmentedControl
            value={draft.post}
            onChange={(v) => set({ post: v === 'line' ? 'line' : 'invoice' })}
            disabled={!admin || !draft.enabled}
            data={[
              { value: 'invoice', label: 'A new invoice' },
              { value: 'line', label: 'A line on the invoice' },
            ]}
            fullWidth
          />
        </Stack>
        <Text size="sm" data-testid="returned-fee-summary">
          {describe(policy.data ?? { ...toPolicy(draft) })}
        </Text>
        {general ? <Alert color="red">{general}</Alert> : null}
        {admin ? (
          <Group>
            <Button variant="default" onClick={() => save.mutate(draft)} loading={save.isPending}>
              Save returned-payment fee
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Paper>
  );
}

function toPolicy(d: Draft): ReturnedFeePolicy {
  return { enabled: d.enabled, amount: d.amount, percent: d.percent, cap: d.cap || null, countries: d.countries.split(/[\s,]+/).filter(Boolean), post: d.post, accountCode: d.accountCode || null };
}
