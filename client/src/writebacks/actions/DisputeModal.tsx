/** Mark an invoice (or a customer's invoices) disputed, or resolve the dispute. */
import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { fieldErrors, formError } from '../../api';
import { type ActionTarget, markDisputed, resolveDispute, useWritebackMutation } from '../api';
import { notify } from '../notify';

export function DisputeModal({ target, mode, opened, onClose }: { target: ActionTarget; mode: 'dispute' | 'resolve'; opened: boolean; onClose: () => void }) {
  const [text, setText] = useState('');
  const dispute = useWritebackMutation(markDisputed);
  const resolve = useWritebackMutation(resolveDispute);
  const m = mode === 'dispute' ? dispute : resolve;
  const what = target.invoice ? `invoice ${target.invoice.number}` : `${target.customerName}’s invoices`;
  const base = { organisationId: target.organisationId, contactExternalId: target.contactExternalId, invoiceId: target.invoice?.id };
  const done = () => {
    setText('');
    onClose();
  };
  const submit = () =>
    mode === 'dispute'
      ? dispute.mutate({ ...base, reason: text.trim() }, {
          onSuccess: () => {
            notify({ title: 'Marked disputed', message: `Reminders for ${what} are paused until the dispute is resolved.` });
            done();
          },
        })
      : resolve.mutate({ ...base, resolution: text.trim() || undefined }, {
          onSuccess: () => {
            notify({ title: 'Dispute resolved', message: `Reminders for ${what} resume.` });
            done();
          },
        });
  const key = mode === 'dispute' ? 'reason' : 'resolution';
  const problem = fieldErrors(m.error)[key];
  const rest = formError(m.error, [key]);
  return (
    <Modal opened={opened} onClose={onClose} title={mode === 'dispute' ? 'Mark disputed' : 'Resolve the dispute'}>
      <Stack gap="sm">
        <Text size="sm">{mode === 'dispute' ? `${target.customerName} disputes ${what}. Reminders pause until it is resolved, and the dispute is noted in the ledger.` : `The dispute on ${what} is settled; reminders resume.`}</Text>
        <Textarea
          label={mode === 'dispute' ? 'What is disputed' : 'How it was resolved'}
          placeholder={mode === 'dispute' ? 'e.g. Goods arrived damaged' : 'e.g. Credit agreed for the damaged part (optional)'}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          autosize
          minRows={2}
          maxLength={500}
          required={mode === 'dispute'}
          error={problem}
        />
        {rest ? <Alert color="red">{rest}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={m.isPending} color={mode === 'dispute' ? 'grape' : 'teal'}>
            {mode === 'dispute' ? 'Mark disputed' : 'Resolve dispute'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
