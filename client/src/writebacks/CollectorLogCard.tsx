/**
 * A collector's log on a customer or an invoice: "Add note" and "Log call", and the follow-ups
 * still open (a call's next step), each with its day and a Done button. Entries appear on the
 * activity timeline beside it as soon as they are saved.
 */
import { Alert, Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { formatDate } from '../components/analytics/format';
import type { ActionTarget } from './api';
import { CallModal } from './actions/CallModal';
import { NoteModal } from './actions/NoteModal';
import { useSession } from '../session';
import { completeFollowUp, type FollowUpView, useFollowUps, useLogMutation } from './collector-log-api';
import { todayLocal } from './labels';
import { notify, notifyError } from './notify';

function useCanAct(): { canAct: boolean } {
  const role = useSession().data?.user?.role;
  return { canAct: role === 'admin' || role === 'collector' };
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
  const today = todayLocal();
  if (list.error) return <Alert color="red">{list.error.message}</Alert>;
  if (!list.data) return null;
  if (list.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No tasks. Log a call with a next step to plan one.
      </Text>
    );
  return (
    <Stack gap={6} data-testid="follow-ups">
      {list.data.map((f) => {
        const w = when(f, today);
        return (
          <Group key={f.id} justify="space-between" wrap="nowrap" align="flex-start" data-testid="follow-up">
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
              <Button
                size="compact-xs"
                variant="light"
                loading={done.isPending && done.variables === f.id}
                aria-label={`Mark “${f.title}” done`}
                onClick={() => done.mutate(f.id, { onSuccess: () => notify({ title: `${f.kindName} done`, message: f.title }), onError: (e) => notifyError(e, 'Could not mark it done') })}
              >
                Done
              </Button>
            ) : null}
          </Group>
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

/** The customer page's card: log buttons and open follow-ups. */
export function CollectorLogCard({ target }: { target: ActionTarget }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="collector-log">
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Text fw={600}>Tasks</Text>
        <LogButtons target={target} />
      </Group>
      <FollowUpList target={target} />
    </Paper>
  );
}
