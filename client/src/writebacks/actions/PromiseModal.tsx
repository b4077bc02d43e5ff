/** Record a customer's promise to pay by a date (pauses reminders through that date). */
import { Alert, Button, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { fieldErrors, formError } from '../../api';
import { type ActionTarget, recordPromise, useWritebackMutation } from '../api';
import { addDaysTo, todayLocal } from '../labels';
import { notify } from '../notify';
import { formatDate } from '../../components/analytics/format';

export function PromiseModal({ target, opened, onClose }: { target: ActionTarget; opened: boolean; onClose: () => void }) {
  const [date, setDate] = useState(addDaysTo(todayLocal(), 7));
  const [note, setNote] = useState('');
  const save = useWritebackMutation(recordPromise);
  const what = target.invoice ? `invoice ${target.invoice.number}` : 'all their open invoices';
  const submit = () =>
    save.mutate(
      { organisationId: target.organisationId, contactExternalId: target.contactExternalId, invoiceId: target.invoice?.id, date, note: note.trim() || undefined },
      {
        onSuccess: (r) => {
          notify({ title: 'Promise recorded', message: `${target.customerName} promised to pay by ${formatDate(date)}. Reminders pause until then; ${r.notes === 1 ? 'a note was' : `${r.notes} notes were`} added in the ledger.` });
          setNote('');
          onClose();
        },
      },
    );
  const problems = fieldErrors(save.error);
  const rest = formError(save.error, ['date', 'note']);
  return (
    <Modal opened={opened} onClose={onClose} title="Record a promise to pay">
      <Stack gap="sm">
        <Text size="sm">
          {target.customerName} promises to pay {what} by:
        </Text>
        <TextInput type="date" label="Promised date" value={date} min={todayLocal()} onChange={(e) => setDate(e.currentTarget.value)} error={problems['date']} required />
        <Textarea label="Note" placeholder="Who said it, how (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} maxLength={500} error={problems['note']} />
        {rest ? <Alert color="red">{rest}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending}>
            Record promise
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
