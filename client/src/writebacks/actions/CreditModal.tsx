/**
 * Issue a credit note on an invoice: why (goodwill, cancellation, early-payment discount, fee
 * reversal), how much (what is still due, an amount, or prorated for service not delivered),
 * and a reason for the ledger note. The request key is made when the form opens, so a double
 * submit is one credit. The outcome says the amount and whether it waits for approval.
 */
import { Alert, Button, Group, Modal, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { fieldErrors, formError } from '../../api';
import { type ActionTarget, type CreditPurpose, issueCredit, useWritebackMutation, type WritebackStatus } from '../api';
import { money, StatusBadge } from '../labels';
import { notify } from '../notify';
import { newRequestKey } from '../uuid';

const PURPOSES: { value: CreditPurpose; label: string }[] = [
  { value: 'goodwill', label: 'Goodwill / forgiveness' },
  { value: 'cancellation', label: 'Cancellation (service not delivered)' },
  { value: 'early_payment_discount', label: 'Early-payment discount' },
  { value: 'fee_reversal', label: 'Fee reversal' },
];

type Mode = 'full' | 'amount' | 'proration';

export function CreditModal({ target, opened, onClose }: { target: ActionTarget; opened: boolean; onClose: () => void }) {
  const inv = target.invoice!;
  const [requestKey, setRequestKey] = useState(newRequestKey);
  const [purpose, setPurpose] = useState<CreditPurpose>('goodwill');
  const [mode, setMode] = useState<Mode>('amount');
  const [amount, setAmount] = useState('');
  const [serviceStart, setServiceStart] = useState('');
  const [serviceEnd, setServiceEnd] = useState('');
  const [cancelFrom, setCancelFrom] = useState('');
  const [reason, setReason] = useState('');
  const credit = useWritebackMutation(issueCredit);
  const { reset } = credit;
  useEffect(() => {
    if (opened) {
      setRequestKey(newRequestKey());
      reset();
    }
  }, [opened, reset]);
  const submit = () =>
    credit.mutate(
      {
        organisationId: target.organisationId,
        invoiceId: inv.id,
        purpose,
        ...(mode === 'full' ? { full: true as const } : mode === 'amount' ? { amount: amount.trim() } : { proration: { serviceStart, serviceEnd, cancelFrom } }),
        reason: reason.trim(),
        requestKey,
      },
      {
        onSuccess: (r) =>
          notify({
            title: r.status === 'awaiting_approval' ? 'Credit waiting for approval' : 'Credit note requested',
            message: `${money(r.amount, inv.currency)} on ${inv.number}${r.status === 'awaiting_approval' ? ' is above the approval threshold: an admin approves it under Approvals.' : ' is on its way to the ledger.'}`,
            color: r.status === 'awaiting_approval' ? 'yellow' : 'green',
          }),
      },
    );
  // Submitting is always possible: every problem comes back at once and sits on its field.
  const problems = fieldErrors(credit.error);
  const rest = formError(credit.error, ['purpose', 'amount', 'proration.serviceStart', 'proration.serviceEnd', 'proration.cancelFrom', 'reason']);
  const r = credit.data;
  return (
    <Modal opened={opened} onClose={onClose} title={`Issue a credit on ${inv.number}`} size="lg">
      {r ? (
        <Stack gap="sm" data-testid="credit-result">
          <Group gap="xs">
            <Text fw={600}>
              Credit of {money(r.amount, inv.currency)} on {inv.number}
            </Text>
            <StatusBadge status={r.status as WritebackStatus} />
          </Group>
          <Text size="sm">
            {r.status === 'awaiting_approval'
              ? 'It is above the firm’s approval threshold, so it waits under Approvals until an admin approves it. Nothing is in the ledger yet.'
              : r.created
                ? 'Arcus is creating the credit note in the ledger and allocating it to the invoice. The timeline shows when it is confirmed.'
                : 'This form was already submitted: it is the same credit, not a second one.'}
          </Text>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {target.customerName} · {money(inv.amountDue, inv.currency)} still due{inv.total !== undefined ? ` of ${money(inv.total, inv.currency)}` : ''}. The credit note is created in the ledger and allocated to this invoice.
          </Text>
          <Select label="Why" data={PURPOSES} value={purpose} onChange={(v) => v && setPurpose(v as CreditPurpose)} allowDeselect={false} comboboxProps={{ withinPortal: true }} error={problems['purpose']} />
          <div>
            <Text size="sm" fw={500} mb={4}>
              How much
            </Text>
            <SegmentedControl
              fullWidth
              value={mode}
              onChange={(v) => setMode(v as Mode)}
              aria-label="How much"
              data={[
                { value: 'full', label: 'All that is due' },
                { value: 'amount', label: 'An amount' },
                { value: 'proration', label: 'Prorated' },
              ]}
            />
          </div>
          {mode === 'full' ? <Text size="sm">Credits {money(inv.amountDue, inv.currency)}, clearing the invoice.</Text> : null}
          {mode === 'amount' ? <TextInput label={`Amount (${inv.currency})`} placeholder="e.g. 125.50" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} inputMode="decimal" w={220} error={problems['amount']} /> : null}
          {mode !== 'amount' && problems['amount'] ? (
            <Text size="sm" c="red" role="alert">
              {problems['amount']}
            </Text>
          ) : null}
          {mode === 'proration' ? (
            <>
              <Text size="xs" c="dimmed">
                The invoice total is prorated by day for the part of the service period from the cancellation date on.
              </Text>
              <SimpleGrid cols={3}>
                <TextInput type="date" label="Service from" value={serviceStart} onChange={(e) => setServiceStart(e.currentTarget.value)} error={problems['proration.serviceStart']} />
                <TextInput type="date" label="Service to" value={serviceEnd} onChange={(e) => setServiceEnd(e.currentTarget.value)} error={problems['proration.serviceEnd']} />
                <TextInput type="date" label="Cancelled from" value={cancelFrom} onChange={(e) => setCancelFrom(e.currentTarget.value)} error={problems['proration.cancelFrom']} />
              </SimpleGrid>
            </>
          ) : null}
          <TextInput label="Reason" description="Goes on the credit note and the note in the ledger" placeholder="e.g. Late delivery" value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={200} error={problems['reason']} />
          {rest ? <Alert color="red">{rest}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={submit} loading={credit.isPending}>
              Issue credit
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
