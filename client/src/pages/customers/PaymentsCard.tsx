/**
 * A customer's synced payments (issue #19, server/returns/): newest first, each with the invoices it
 * paid; a collector marks one that bounced as returned ("Mark as returned" → a confirmation in words
 * → POST /api/returned-payments): Arcus reverses it in the ledger once, charges the returned-payment
 * fee when the firm's policy allows it, and tells the customer. A card payment the Exceptions queue
 * offers to refund to the card (paid twice, more than was owed, on account) has "Refund to card" here
 * too: the queue's own card and POST /api/exceptions/decide (decision 055), for the same people.
 * Hidden while there are no payments.
 */
import { Alert, Badge, Button, Checkbox, Group, Modal, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ExceptionView } from '../../../../server/exceptions/service';
import type { CustomerPaymentView } from '../../../../server/returns/service';
import { api, fieldErrors, formError } from '../../api';
import { useApiQuery } from '../../components/analytics/use-api';
import { notify } from '../../writebacks/notify';
import { ExceptionCard } from '../exceptions/ExceptionCard';

interface Payments {
  organisationId: string;
  ledgerName: string;
  payments: CustomerPaymentView[];
}

function MarkReturned({ payment, ledgerName, customerName, customerId, onClose }: { payment: CustomerPaymentView; ledgerName: string; customerName: string; customerId: string; onClose: () => void }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [chargeFee, setChargeFee] = useState(true);
  const mark = useMutation({
    mutationFn: () => api<{ message: string }>('/returned-payments', { method: 'POST', body: { organisationId: payment.organisationId, paymentId: payment.id, reason, chargeFee } }),
    onSuccess: (r) => {
      notify({ title: `Payment of ${payment.amountText} marked as returned`, message: r.message });
      void client.invalidateQueries({ queryKey: ['customer-payments', customerId] });
      void client.invalidateQueries({ queryKey: ['analytics'] });
      onClose();
    },
  });
  const errors = fieldErrors(mark.error);
  const general = formError(mark.error, ['reason']);
  const invoices = payment.invoiceNumbers.length > 0 ? `invoice${payment.invoiceNumbers.length === 1 ? '' : 's'} ${payment.invoiceNumbers.join(', ')}` : 'the invoice it paid';
  return (
    <Modal opened onClose={onClose} title="Mark the payment as returned" size="md">
      <Stack gap="sm">
        <Text fz="sm" data-testid="return-confirmation">
          The payment of {payment.amountText} received on {payment.dateText} will be reversed in {ledgerName}, so {invoices} will be owed again. {customerName} will be told by email that the payment came back.
        </Text>
        <Textarea label="Why did it come back?" placeholder="For example: returned by the bank, insufficient funds" value={reason} onChange={(e) => {
            setReason(e.currentTarget.value);
            if (mark.isError) mark.reset();
          }} autosize minRows={2} maxLength={1000} error={errors.reason} data-autofocus />
        <Checkbox label="Charge the returned-payment fee if the firm’s policy allows it" checked={chargeFee} onChange={(e) => setChargeFee(e.currentTarget.checked)} />
        {general && (
          <Alert color="red" p="xs">
            {general}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={mark.isPending} onClick={() => mark.mutate()}>
            Reverse the payment
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function PaymentsCard({ customerId, customerName, canAct }: { customerId: string; customerName: string; canAct: boolean }) {
  const client = useQueryClient();
  const q = useQuery({ queryKey: ['customer-payments', customerId], queryFn: () => api<Payments>(`/returned-payments/customer/${customerId}`) });
  const [marking, setMarking] = useState<CustomerPaymentView | null>(null);
  const [refunding, setRefunding] = useState<ExceptionView | null>(null);
  const [shown, setShown] = useState(5);
  // A card payment that can go back to the card is one the Exceptions queue offers "Refund to card" for
  // (money paid twice, more than was owed, or on account; decision 055): the same item, card and route.
  const queue = useApiQuery<{ exceptions: ExceptionView[] }>(canAct && q.data ? `/exceptions?organisationId=${encodeURIComponent(q.data.organisationId)}` : null);
  const cardRefunds = new Map((queue.data?.exceptions ?? []).filter((e) => e.customerId === customerId && e.paymentId && e.cardRefund && e.actions.includes('refund')).map((e) => [e.paymentId!, e]));
  if (!q.data || q.data.payments.length === 0) return null;
  const { payments, ledgerName } = q.data;
  return (
    <Paper withBorder p="md" radius="md" data-testid="customer-payments">
      <Text fw={600} mb="sm">
        Payments
      </Text>
      <Stack gap="sm">
        {payments.slice(0, shown).map((p) => (
          <Group key={p.id} justify="space-between" align="flex-start" wrap="wrap" gap="xs" data-testid="customer-payment">
            <div style={{ minWidth: 0, flex: '1 1 12rem' }}>
              <Text fz="sm" fw={600}>
                {p.amountText} <Text span fz="xs" c="dimmed" fw={400}>on {p.dateText}</Text>
              </Text>
              <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {p.invoiceNumbers.length > 0 ? `Paid ${p.invoiceNumbers.join(', ')}` : 'Not applied to an invoice'}
                {p.reference ? ` · ${p.reference}` : ''}
              </Text>
            </div>
            {p.returnedText ? (
              <Badge color="red" variant="light" tt="none" styles={{ root: { maxWidth: '100%', height: 'auto' }, label: { whiteSpace: 'normal' } }}>
                {p.returnedText}
              </Badge>
            ) : canAct && (!p.blockedText || cardRefunds.has(p.id)) ? (
              <Group gap="xs" wrap="wrap">
                {cardRefunds.has(p.id) && (
                  <Button size="xs" variant="default" onClick={() => setRefunding(cardRefunds.get(p.id)!)}>
                    Refund to card
                  </Button>
                )}
                {!p.blockedText && (
                  <Button size="xs" variant="default" onClick={() => setMarking(p)}>
                    Mark as returned
                  </Button>
                )}
              </Group>
            ) : null}
          </Group>
        ))}
      </Stack>
      {payments.length > shown && (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => setShown((n) => n + 10)}>
          Show more ({payments.length - shown})
        </Button>
      )}
      {refunding && (
        <Modal opened onClose={() => setRefunding(null)} title="Refund to card" size="lg">
          <ExceptionCard
            item={refunding}
            canAct={canAct}
            only="refund_card"
            onDone={() => {
              setRefunding(null);
              void client.invalidateQueries({ queryKey: ['customer-payments', customerId] });
            }}
          />
        </Modal>
      )}
      {marking && <MarkReturned payment={marking} ledgerName={ledgerName} customerName={customerName} customerId={customerId} onClose={() => setMarking(null)} />}
    </Paper>
  );
}
