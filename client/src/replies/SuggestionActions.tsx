/** Confirm or dismiss a reply's suggestion; a promise's date can be corrected first. */
import { Alert, Button, Group, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { fieldErrors } from '../api';
import { notify } from '../writebacks/notify';
import { type ConversationItem, useDecide } from './api';

export function SuggestionActions({ id, suggestion, isPromise }: { id: string; suggestion: NonNullable<ConversationItem['suggestion']>; isPromise?: boolean }) {
  const decide = useDecide();
  const promise = isPromise ?? suggestion.name.startsWith('Promise to pay');
  const [date, setDate] = useState(suggestion.promiseDate ?? '');
  const errors = decide.error ? fieldErrors(decide.error) : {};
  const general = decide.error && !errors['date'] ? decide.error.message : null;
  // mutateAsync: the card leaves the list once the answer is in, and the message must still show.
  const run = (decision: 'confirm' | 'dismiss') =>
    decide.mutateAsync({ id, decision, ...(decision === 'confirm' && promise && date ? { date } : {}) }).then(
      (r) => notify({ title: r.statusName, message: r.recorded ?? (decision === 'confirm' ? 'The suggestion is confirmed; reminders resume unless something else holds them.' : 'Dismissed; reminders resume unless something else holds them.') }),
      () => undefined,
    );
  return (
    <Stack gap={6} mt={6}>
      {promise ? <TextInput type="date" label="Promised date" size="xs" value={date} onChange={(e) => setDate(e.currentTarget.value)} error={errors['date']} maw={200} /> : null}
      {general ? <Alert color="red">{general}</Alert> : null}
      <Group gap={6}>
        <Button size="compact-sm" onClick={() => run('confirm')} loading={decide.isPending && decide.variables?.decision === 'confirm'}>
          Confirm
        </Button>
        <Button size="compact-sm" variant="light" color="gray" onClick={() => run('dismiss')} loading={decide.isPending && decide.variables?.decision === 'dismiss'}>
          Dismiss
        </Button>
      </Group>
    </Stack>
  );
}
