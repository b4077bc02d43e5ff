/**
 * The Exceptions queue (issue #19, server/exceptions/): payment exceptions across the firm, or one
 * organisation's (`?organisation=`), each in words with its one-click actions and a reason. Xero
 * overpayments and prepayments can be applied to another open invoice (one `allocation` write-back);
 * anything can be kept as credit; QuickBooks money only kept, with the server's sentence why.
 * Overpaid and duplicate money can be refunded (amount up to the money in question, a `refund`
 * write-back); money that came in by card through a pay link or autopay can instead go back to
 * the card ("Refund to card", decision 055). Returned payments and chargebacks (server/returns/)
 * are listed above the queue.
 */
import { Alert, Anchor, Badge, Button, Group, Paper, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearch } from 'wouter';
import { api, fieldErrors, formError } from '../../api';
import { Header, LoadError, Loading } from '../../components/analytics/bits';
import { useApiQuery } from '../../components/analytics/use-api';
import { useCanAct } from '../../writebacks/actions/Actions';
import { notify } from '../../writebacks/notify';
import type { ExceptionView } from '../../../../server/exceptions/service';
import type { ReturnView } from '../../../../server/returns/service';

const ACTION_LABELS: Record<ExceptionView['actions'][number], string> = { apply: 'Apply to another open invoice', keep_credit: 'Keep as credit', refund: 'Refund' };

function ExceptionCard({ item, canAct }: { item: ExceptionView; canAct: boolean }) {
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
              {item.customerId ? (
                <Anchor component={Link} href={`/customers/${item.customerId}`}>
                  {item.customerName}
                </Anchor>
              ) : (
                item.customerName
              )}
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
            {item.actions.includes('apply') && (
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
                    ? `For “Refund”: up to ${item.amountText ?? item.refundMax}, paid back by bank and recorded in ${item.ledgerName}. For “Refund to card”: up to ${item.cardRefund.maxText}, back to ${item.cardRefund.cardText} through ${item.cardRefund.providerText}, then recorded in ${item.ledgerName} and the customer emailed. Above the firm’s approval limit an admin approves it first.`
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
              {item.actions.map((a) => (
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

/** A returned payment or chargeback (server/returns/): listed with the queue, handled by the returns service. */
function ReturnedCard({ item, showOrganisation }: { item: ReturnView; showOrganisation: boolean }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="returned" data-returned={item.originText}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap">
          <Badge variant="light" color="red" styles={{ root: { maxWidth: '100%' }, label: { overflow: 'visible' } }}>
            {item.originText}
          </Badge>
          <Text fw={700} fz="sm">
            {item.amountText}
          </Text>
        </Group>
        {item.customerName && (
          <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
            {item.customerId ? (
              <Anchor component={Link} href={`/customers/${item.customerId}`}>
                {item.customerName}
              </Anchor>
            ) : (
              item.customerName
            )}
          </Text>
        )}
        <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
          Paid on {item.paidOnText} against invoice {item.invoiceNumber || 'without a number'}
          {item.reason ? ` — ${item.reason}` : ''}
        </Text>
        <Text fz="sm" fw={600} data-testid="returned-status">
          {item.statusText}
        </Text>
        {item.disputeText && <Text fz="sm">{item.disputeText}</Text>}
        {item.evidenceDueText && (
          <Text fz="sm" c="orange.8" fw={600}>
            {item.evidenceDueText}
          </Text>
        )}
        <Text fz="xs" c="dimmed">
          {showOrganisation ? `${item.organisationName} · ` : ''}
          {item.debtorTold ? 'The customer has been told.' : 'The customer has not been told yet.'}
        </Text>
      </Stack>
    </Paper>
  );
}

export function ExceptionsPage() {
  const search = new URLSearchParams(useSearch());
  const organisationId = search.get('organisation');
  const { canAct } = useCanAct();
  const list = useApiQuery<{ exceptions: ExceptionView[]; returned: ReturnView[] }>(`/exceptions${organisationId ? `?organisationId=${encodeURIComponent(organisationId)}` : ''}`);
  if (list.isPending) return <Loading />;
  if (list.error) return <LoadError error={list.error} />;
  const items = list.data.exceptions;
  const returned = list.data.returned ?? [];
  const orgName = organisationId ? (items[0]?.organisationName ?? returned[0]?.organisationName) : null;
  return (
    <Stack gap="md">
      <Header
        title={
          <div>
            <Title order={2}>Exceptions</Title>
            <Text c="dimmed" fz="sm">
              {organisationId ? `Payments that need a decision at ${orgName ?? 'this organisation'}.` : 'Payments that need a decision, across every client.'}{' '}
              {organisationId && (
                <Anchor component={Link} href="/exceptions" fz="sm">
                  Show every client
                </Anchor>
              )}
            </Text>
          </div>
        }
      />
      {returned.length > 0 && (
        <Stack gap="sm" data-testid="returned-list">
          <Title order={3} fz="h4">
            Returned payments and chargebacks
          </Title>
          {returned.map((r) => (
            <ReturnedCard key={r.id} item={r} showOrganisation={!organisationId} />
          ))}
        </Stack>
      )}
      {returned.length > 0 && (
        <Title order={3} fz="h4">
          Needs a decision
        </Title>
      )}
      {items.length === 0 ? (
        <Paper withBorder p="lg" radius="md">
          <Text c="dimmed">Nothing needs a decision.</Text>
        </Paper>
      ) : (
        <Stack gap="sm">
          {items.map((e) => (
            <ExceptionCard key={e.key} item={e} canAct={canAct} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
