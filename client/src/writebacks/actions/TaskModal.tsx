/**
 * Add a task on a customer (docs/decisions/025): a call, a review or a follow-up, for someone in
 * the team (you by default), due on a day, optionally about one of the customer's open invoices.
 * Every problem is said at once, in words, before sending; the server checks again (POST /tasks).
 */
import { Alert, Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../api';
import { formatDate } from '../../components/analytics/format';
import { useAssignments } from '../../pages/my-work/api';
import { useSession } from '../../session';
import type { ActionTarget } from '../api';
import { type FieldErrors, serverFieldError, useLogMutation } from '../collector-log-api';
import { addDaysTo, todayLocal } from '../labels';
import { notify } from '../notify';
import { newRequestKey } from '../uuid';

const KINDS = [
  { value: 'call', label: 'Call' },
  { value: 'review', label: 'Review' },
  { value: 'follow_up', label: 'Follow-up' },
];
const FIELDS = ['kind', 'title', 'assigneeUserId', 'dueOn', 'invoiceId'];

/** An invoice a task may be about, named for a person (`invoiceChoiceLabel`: its number, or its date and amount — never the ledger's id). */
export interface TaskInvoiceChoice {
  id: string;
  label: string;
}

interface TaskBody {
  organisationId: string;
  contactExternalId: string;
  kind: string;
  title: string;
  dueOn: string;
  assigneeUserId: string;
  invoiceId?: string;
  requestKey: string;
}

const createTask = (b: TaskBody) => api<{ id: string; created: boolean }>('/tasks', { method: 'POST', body: b });

/** Every problem of the form at once (`today` and `latest` bound the due day). */
export function checkTask(v: { kind: string | null; title: string; assignee: string | null; dueOn: string }, today: string, latest: string): FieldErrors {
  const e: FieldErrors = {};
  if (!v.kind) e['kind'] = 'Choose a call, a review or a follow-up.';
  const t = v.title.trim();
  if (!t) e['title'] = 'Say what is to be done.';
  else if (t.length > 200) e['title'] = 'Keep what is to be done under 200 characters.';
  if (!v.assignee) e['assigneeUserId'] = 'Choose who does it.';
  if (!v.dueOn) e['dueOn'] = 'Choose the day it is due.';
  else if (v.dueOn < today) e['dueOn'] = 'That day has passed: choose today or later.';
  else if (v.dueOn > latest) e['dueOn'] = 'Choose a day within the next year.';
  return e;
}

export function TaskModal({ target, invoices, opened, onClose }: { target: ActionTarget; invoices: TaskInvoiceChoice[]; opened: boolean; onClose: () => void }) {
  const me = useSession().data?.user?.id ?? null;
  const team = useAssignments();
  const [kind, setKind] = useState<string | null>('call');
  const [title, setTitle] = useState('');
  const [assignee, setAssignee] = useState<string | null>(null);
  const [dueOn, setDueOn] = useState('');
  const [invoiceId, setInvoiceId] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [requestKey] = useState(newRequestKey);
  const save = useLogMutation(createTask);
  const today = todayLocal();
  const people = (team.data?.members ?? []).map((m) => ({ value: m.userId, label: m.userId === me ? `${m.name} (you)` : m.name }));
  const who = assignee ?? (people.some((p) => p.value === me) ? me : null);
  const submit = () => {
    const found = checkTask({ kind, title, assignee: who, dueOn }, today, addDaysTo(today, 365));
    setErrors(found);
    if (Object.keys(found).length || !kind || !who) return;
    save.mutate(
      { organisationId: target.organisationId, contactExternalId: target.contactExternalId, kind, title: title.trim(), dueOn, assigneeUserId: who, ...(invoiceId ? { invoiceId } : {}), requestKey },
      {
        onSuccess: () => {
          notify({ title: 'Task added', message: `Due ${formatDate(dueOn)}: ${title.trim()}` });
          onClose();
        },
        onError: (err) => setErrors(serverFieldError(err, FIELDS) ?? {}),
      },
    );
  };
  const general = save.error && !serverFieldError(save.error, FIELDS) ? save.error.message : team.error ? team.error.message : null;
  return (
    <Modal opened={opened} onClose={onClose} title={`Add a task for ${target.customerName}`}>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <Select label="Kind of task" data={KINDS} value={kind} onChange={setKind} error={errors['kind']} allowDeselect={false} withAsterisk comboboxProps={{ withinPortal: true }} />
          <Select label="Who does it" placeholder="Choose someone" data={people} value={who} onChange={setAssignee} error={errors['assigneeUserId']} withAsterisk searchable comboboxProps={{ withinPortal: true }} />
        </SimpleGrid>
        <TextInput label="What is to be done" placeholder="e.g. Ask for the remittance advice" value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={errors['title']} withAsterisk />
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput type="date" label="Due on" value={dueOn} min={today} max={addDaysTo(today, 365)} onChange={(e) => setDueOn(e.currentTarget.value)} error={errors['dueOn']} withAsterisk />
          <Select label="About an invoice" placeholder="The customer as a whole" data={invoices.map((i) => ({ value: i.id, label: i.label }))} value={invoiceId} onChange={setInvoiceId} error={errors['invoiceId']} clearable comboboxProps={{ withinPortal: true }} />
        </SimpleGrid>
        {general ? <Alert color="red">{general}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending}>
            Add task
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
