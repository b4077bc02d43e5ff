/** An exception of the Exceptions queue as a card (ExceptionsPage.tsx; also the customer page's "Refund to card"). */
import { Alert, Anchor, Badge, Button, Group, Paper, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import type { ExceptionView } from '../../../../server/exceptions/service';
import { api, fieldErrors, formError } from '../../api';
import { notify } from '../../writebacks/notify';

const ACTION_LABELS: Record<ExceptionView['actions'][number], string> = { apply: 'Apply to another open invoice', keep_credit: 'Keep as credit', refund: 'Refund' };

/**
 * One exception: what happened in words and, for someone who may act, its one-click decisions with a
 * reason (POST /api/exceptions/decide). `only="refund_card"`: just "Refund to card" with its amount and
 * reason — the customer page's Payments list offers a card payment's refund through this same card and
 * route (decision 055); `onDone` runs once it is decided.
 */
/** The customer's name, a link to the customer page when the customer is synced. */
export function CustomerName({ id, name }: { id: string | null | undefined; name: string }) {
  return id ? (
    <Anchor component={Link} href={`/customers/${id}`}>
      {name}
    </Anchor>
  ) : (
    name
  );
}

export function ExceptionCard({ item, canAct, only, onDone }: { item: ExceptionView; canAct: boolean; only?: 'refund_card'; onDone?: () => void }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [invoiceId, setInvoiceId] = useState<string | null>(item.openInvoices[0]?.id ?? null);
  const [refundAmount, setRefundAmount] = useState(item.refundMax ?? '');
  const decide = useMutation({
    mutationFn: (choice: ExceptionView['actions'][number] | 'refund_card') => {
      const action = choice === 'refund_card' ? 'refund' : choice;
      return api<{ message: string }>('/exceptions/decide', {
        method: 'POST',
        body: { organisationId: item.organisationId, key: item.key, action, reason, ...(action === 'apply' && invoiceId ? { invoiceId } : {}), ...(action === 'refund' ? { amount: refundAmount, to: choice === 'refund_card' ? 'card' : 'ledger' } : {}) },
      });
    },
    onSuccess: (r) => {
      notify({ title: `${item.kindText}: ${item.customerName}`, message: r.message });
      void client.invalidateQueries({ queryKey: ['analytics'] });
      onDone?.();
    },
  });
  const errors = fieldErrors(decide.error);
  const general = formError(decide.error, ['reason', 'invoiceId', 'amount', 'to']);
  return (
    <Paper withBorder p="md" radius="md" data-testid="exception" data-exception={item.kindText}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
          <div style={{ minWidth: 0, flex: '1 1 16rem' }}>
            <Group gap="xs" wrap="wrap">
              <Badge variant="light" color={item.kindText === 'Disputed' ? 'orange' : 'grape'} styles={{ root: { maxWidth: '100%' }, label: { overflow: 'visible' } }}>
                {item.kindText}
              </Badge>
              {item.amountText && (
                <Text fw={700} fz="sm">
                  {item.amountText}
                </Text>
              )}
            </Group>
            <Text fw={600} mt={4} style={{ overflowWrap: 'anywhere' }}>
              <CustomerName id={item.customerId} name={item.customerName} />
            </Text>
            <Text fz="xs" c="dimmed">
              {item.organisationName} · {item.ledgerName} · {item.dateText} ({item.ageText})
            </Text>
          </div>
        </Group>
        <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
          {item.detail}
        </Text>
        {item.actionNote && (
          <Text fz="xs" c="dimmed" data-testid="action-note">
            {item.actionNote}
          </Text>
        )}
        {canAct && item.actions.length > 0 && (
          <Stack gap="xs">
            {!only && item.actions.includes('apply') && (
              <div>
                <Select label="Invoice to apply it to" data={item.openInvoices.map((i) => ({ value: i.id, label: i.label }))} value={invoiceId} onChange={setInvoiceId} allowDeselect={false} error={errors.invoiceId} comboboxProps={{ withinPortal: true }} />
                {/* On a phone the field cuts a long label off: the whole choice under it. */}
                <Text hiddenFrom="sm" fz="xs" c="dimmed" mt={4} style={{ overflowWrap: 'anywhere' }}>
                  {item.openInvoices.find((i) => i.id === invoiceId)?.label}
                </Text>
              </div>
            )}
            {item.actions.includes('refund') && item.refundMax && (
              <TextInput
                label="Amount to refund"
                description={
                  item.cardRefund
                    ? `${only ? '' : `For “Refund”: up to ${item.amountText ?? item.refundMax}, paid back by bank and recorded in ${item.ledgerName}. `}For “Refund to card”: up to ${item.cardRefund.maxText}, back to ${item.cardRefund.cardText} through ${item.cardRefund.providerText}, then recorded in ${item.ledgerName} and the customer emailed. Above the firm’s approval limit an admin approves it first.`
                    : `For “Refund”: up to ${item.amountText ?? item.refundMax}, paid back to the customer through ${item.ledgerName}. Above the firm’s approval limit an admin approves it first.`
                }
                value={refundAmount}
                onChange={(e) => setRefundAmount(e.currentTarget.value)}
                inputMode="decimal"
                styles={{ input: { maxWidth: 220 } }}
                error={errors.amount}
              />
            )}
            <Textarea label="Reason" description="Kept with the decision and on the customer’s timeline." value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={1} maxLength={500} error={errors.reason} />
            {general && (
              <Alert color="red" p="xs">
                {general}
              </Alert>
            )}
            <Group gap="xs" wrap="wrap">
              {(only ? [] : item.actions).map((a) => (
                <Button key={a} size="xs" variant={a === 'apply' ? 'filled' : 'default'} loading={decide.isPending && decide.variables === a} disabled={decide.isPending} onClick={() => decide.mutate(a)}>
                  {ACTION_LABELS[a]}
                </Button>
              ))}
              {item.actions.includes('refund') && item.cardRefund && (
                <Button size="xs" variant="default" loading={decide.isPending && decide.variables === 'refund_card'} disabled={decide.isPending} onClick={() => decide.mutate('refund_card')}>
                  Refund to card
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
