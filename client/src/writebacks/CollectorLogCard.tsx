/**
 * A collector's log on a customer or an invoice: "Add note" and "Log call", and the follow-ups
 * still open (a call's next step), each with its day and a Done button. Entries appear on the
 * activity timeline beside it as soon as they are saved.
 */
import { Alert, Badge, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api';
import { formatDate } from '../components/analytics/format';
import type { ActionTarget } from './api';
import { CallModal } from './actions/CallModal';
import { NoteModal } from './actions/NoteModal';
import { type TaskInvoiceChoice, TaskModal } from './actions/TaskModal';
import { useSession } from '../session';
import { completeFollowUp, type FieldErrors, type FollowUpView, serverFieldError, useFollowUps, useLogMutation } from './collector-log-api';
import { todayLocal } from './labels';
import { notify, notifyError } from './notify';

/** Whoever may chase (collectors, managers, administrators) adds and closes tasks. */
function useCanAct(): { canAct: boolean } {
  return { canAct: useSession().data?.user?.permissions.includes('collect') ?? false };
}

const finishTask = (v: { id: string; how: 'done' | 'skip'; outcome: string }) => api<{ id: string; changed: boolean }>(`/tasks/${v.id}/${v.how}`, { method: 'POST', body: v.outcome.trim() ? { outcome: v.outcome.trim() } : {} });

/** Close a task with what came of it: done (the outcome is optional) or skipped (the reason is needed). */
function OutcomeForm({ f, onClose }: { f: FollowUpView; onClose: () => void }) {
  const [outcome, setOutcome] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const close = useLogMutation(finishTask);
  const submit = (how: 'done' | 'skip') => {
    const t = outcome.trim();
    const found: FieldErrors = {};
    if (how === 'skip' && !t) found['outcome'] = 'Say why it is skipped.';
    if (t.length > 1000) found['outcome'] = 'Keep the outcome under 1,000 characters.';
    setErrors(found);
    if (Object.keys(found).length) return;
    close.mutate(
      { id: f.id, how, outcome: t },
      {
        onSuccess: () => {
          notify({ title: `${f.kindName} ${how === 'done' ? 'done' : 'skipped'}`, message: t ? `${f.title} — ${t}` : f.title });
          onClose();
        },
        onError: (e) => setErrors(serverFieldError(e, ['outcome']) ?? {}),
      },
    );
  };
  const general = close.error && !serverFieldError(close.error, ['outcome']) ? close.error.message : null;
  return (
    <Stack gap={6} mt={4} data-testid="task-outcome">
      <Textarea label="What came of it" description="Needed to skip a task; optional when it is done." value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} error={errors['outcome']} autosize minRows={2} autoFocus />
      {general ? <Alert color="red">{general}</Alert> : null}
      <Group gap={6}>
        <Button size="compact-sm" onClick={() => submit('done')} loading={close.isPending && close.variables?.how === 'done'}>
          Mark done
        </Button>
        <Button size="compact-sm" variant="light" color="gray" onClick={() => submit('skip')} loading={close.isPending && close.variables?.how === 'skip'}>
          Skip task
        </Button>
        <Button size="compact-sm" variant="subtle" onClick={onClose}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}

function when(f: FollowUpView, today: string): { label: string; color: string } {
  if (f.dueOn < today) return { label: `Overdue since ${formatDate(f.dueOn)}`, color: 'red' };
  if (f.dueOn === today) return { label: 'Today', color: 'orange' };
  return { label: formatDate(f.dueOn), color: 'blue' };
}

/** The open follow-ups of a customer (every invoice of it) or of one invoice. */
export function FollowUpList({ target }: { target: ActionTarget }) {
  const { canAct } = useCanAct();
  const list = useFollowUps({ organisationId: target.organisationId, contactExternalId: target.contactExternalId, invoiceId: target.invoice?.id });
  const done = useLogMutation(completeFollowUp);
  const [closing, setClosing] = useState<string | null>(null);
  const today = todayLocal();
  if (list.error) return <Alert color="red">{list.error.message}</Alert>;
  if (!list.data) return null;
  if (list.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No tasks. Add one, or log a call with a next step.
      </Text>
    );
  return (
    <Stack gap={6} data-testid="follow-ups">
      {list.data.map((f) => {
        const w = when(f, today);
        return (
          <div key={f.id} data-testid="follow-up">
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                {f.kindName}: {f.title}
              </Text>
              <Group gap={6}>
                <Badge size="sm" variant="light" color={w.color}>
                  {w.label}
                </Badge>
                <Text size="xs" c="dimmed">
                  {[f.invoiceNumber && !target.invoice ? f.invoiceNumber : null, f.assignedName].filter(Boolean).join(' · ')}
                </Text>
              </Group>
            </Stack>
            {canAct ? (
              <Group gap={4} wrap="nowrap">
                <Button
                  size="compact-xs"
                  variant="light"
                  loading={done.isPending && done.variables === f.id}
                  aria-label={`Mark “${f.title}” done`}
                  onClick={() => done.mutate(f.id, { onSuccess: () => notify({ title: `${f.kindName} done`, message: f.title }), onError: (e) => notifyError(e, 'Could not mark it done') })}
                >
                  Done
                </Button>
                <Button size="compact-xs" variant="default" aria-label={`Close “${f.title}” with an outcome`} onClick={() => setClosing(closing === f.id ? null : f.id)}>
                  Outcome…
                </Button>
              </Group>
            ) : null}
          </Group>
          {closing === f.id ? <OutcomeForm f={f} onClose={() => setClosing(null)} /> : null}
          </div>
        );
      })}
    </Stack>
  );
}

/** "Add note" and "Log call" (collectors and admins). */
export function LogButtons({ target, size = 'xs' }: { target: ActionTarget; size?: 'xs' | 'compact-xs' }) {
  const { canAct } = useCanAct();
  const [open, setOpen] = useState<null | 'note' | 'call'>(null);
  if (!canAct) return null;
  return (
    <>
      <Group gap={6} wrap="nowrap">
        <Button size={size} variant="default" onClick={() => setOpen('note')}>
          Add note
        </Button>
        <Button size={size} variant="default" onClick={() => setOpen('call')}>
          Log call
        </Button>
      </Group>
      {open === 'note' ? <NoteModal target={target} opened onClose={() => setOpen(null)} /> : null}
      {open === 'call' ? <CallModal target={target} opened onClose={() => setOpen(null)} /> : null}
    </>
  );
}

/** The customer page's card: "Add task", the log buttons and the open tasks. `invoices`: the customer's open invoices a task may be about. */
export function CollectorLogCard({ target, invoices = [] }: { target: ActionTarget; invoices?: TaskInvoiceChoice[] }) {
  const { canAct } = useCanAct();
  const [adding, setAdding] = useState(false);
  return (
    <Paper withBorder p="md" radius="md" data-testid="collector-log">
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Text fw={600}>Tasks</Text>
        <Group gap={6} wrap="wrap">
          {canAct ? (
            <Button size="xs" onClick={() => setAdding(true)}>
              Add task
            </Button>
          ) : null}
          <LogButtons target={target} />
        </Group>
      </Group>
      {adding ? <TaskModal target={target} invoices={invoices} opened onClose={() => setAdding(false)} /> : null}
      <FollowUpList target={target} />
    </Paper>
  );
}
