/** The debtor's pay link for an invoice or a customer's statement: created once, shown with a copy button. */
import { Alert, Button, CopyButton, Divider, Group, Loader, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { type ActionTarget, createPayLink, sendPayLink, useWritebackMutation } from '../api';
import { newRequestKey } from '../uuid';
import { notify } from '../notify';

export function PayLinkModal({ target, opened, onClose }: { target: ActionTarget; opened: boolean; onClose: () => void }) {
  const link = useWritebackMutation(createPayLink);
  const send = useWritebackMutation(sendPayLink);
  const [note, setNote] = useState('');
  // One email per opening of the dialog, however often "Email it" is pressed.
  const [requestKey, setRequestKey] = useState(newRequestKey);
  const { mutate, reset } = link;
  const resetSend = send.reset;
  useEffect(() => {
    if (opened) return;
    resetSend();
    setNote('');
    setRequestKey(newRequestKey());
  }, [opened, resetSend]);
  useEffect(() => {
    if (!opened) return reset();
    mutate(target.invoice ? { organisationId: target.organisationId, invoiceId: target.invoice.id } : { organisationId: target.organisationId, contactExternalId: target.contactExternalId });
  }, [opened, target.organisationId, target.contactExternalId, target.invoice?.id, mutate, reset, target.invoice]);
  const what = target.invoice ? `invoice ${target.invoice.number}` : 'their open invoices';
  return (
    <Modal opened={opened} onClose={onClose} title="Pay link" size="lg">
      <Stack gap="sm">
        <Text size="sm">
          A page where {target.customerName} can pay {what} by card, promise a date or raise a dispute. The same link is written into the ledger, so it also shows there.
        </Text>
        {link.isPending ? <Loader size="sm" aria-label="Creating the link" /> : null}
        {link.error ? <Alert color="red">{link.error.message}</Alert> : null}
        {link.data ? (
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <TextInput label="Link" value={link.data.url} readOnly style={{ flex: 1 }} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton value={link.data.url}>
              {({ copied, copy }) => (
                <Button
                  color={copied ? 'teal' : 'blue'}
                  onClick={() => {
                    copy();
                    notify({ title: 'Link copied', message: 'Paste it into an email or a message to the customer.' });
                  }}
                >
                  {copied ? 'Copied' : 'Copy link'}
                </Button>
              )}
            </CopyButton>
          </Group>
        ) : null}
        {link.data ? (
          <>
            <Divider label="Or email it" labelPosition="left" />
            <Textarea label="A line to add (optional)" placeholder="As discussed on the phone…" value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} maxLength={1000} />
            {send.error ? <Alert color="red">{send.error.message}</Alert> : null}
            {send.data ? (
              <Alert color="teal" data-testid="pay-link-sent">
                {send.data.sent ? `Emailed to ${send.data.to}` : `Already emailed to ${send.data.to}`}
              </Alert>
            ) : null}
            <Group justify="flex-start">
              <Button
                loading={send.isPending}
                disabled={Boolean(send.data)}
                onClick={() =>
                  send.mutate(
                    { organisationId: target.organisationId, contactExternalId: target.contactExternalId, invoiceId: target.invoice?.id, note: note.trim() || undefined, requestKey },
                    { onSuccess: (r) => notify({ title: 'Pay link sent', message: `${target.customerName}: emailed to ${r.to}.` }) },
                  )
                }
              >
                Email it to {target.customerName}
              </Button>
            </Group>
          </>
        ) : null}
        <Group justify="flex-end">
          {link.data ? (
            <Button component="a" href={link.data.url} target="_blank" rel="noreferrer" variant="subtle">
              Open the page ↗
            </Button>
          ) : null}
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
