/** Add a note to a customer or an invoice: on the timeline at once, and noted in the ledger. */
import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { ActionTarget } from '../api';
import { addNote, checkNote, type FieldErrors, serverFieldError, useLogMutation } from '../collector-log-api';
import { notify } from '../notify';
import { newRequestKey } from '../uuid';

export function NoteModal({ target, opened, onClose }: { target: ActionTarget; opened: boolean; onClose: () => void }) {
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [requestKey] = useState(newRequestKey);
  const save = useLogMutation(addNote);
  const what = target.invoice ? `invoice ${target.invoice.number}` : target.customerName;
  const submit = () => {
    const found = checkNote(text);
    setErrors(found);
    if (Object.keys(found).length) return;
    save.mutate(
      { organisationId: target.organisationId, contactExternalId: target.contactExternalId, invoiceId: target.invoice?.id, text: text.trim(), requestKey },
      {
        onSuccess: () => {
          notify({ title: 'Note added', message: `It is on the timeline and will be noted in the ledger on ${target.invoice ? target.invoice.number : 'their open invoices'}.` });
          onClose();
        },
        onError: (err) => setErrors(serverFieldError(err, ['text']) ?? {}),
      },
    );
  };
  const general = save.error && !serverFieldError(save.error, ['text']) ? save.error.message : null;
  return (
    <Modal opened={opened} onClose={onClose} title={`Add a note on ${what}`}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Notes on one invoice on one day go into the ledger as one note.
        </Text>
        <Textarea label="Note" placeholder="e.g. Their AP team is moving to a new system; remittances may be late this month" value={text} onChange={(e) => setText(e.currentTarget.value)} error={errors['text']} autosize minRows={3} data-autofocus />
        {general ? <Alert color="red">{general}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending}>
            Add note
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
