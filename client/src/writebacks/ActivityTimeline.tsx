/**
 * The activity timeline of a customer or an invoice, newest first: who did what and when, and
 * for each write-back its status in the ledger — Retry on a failed one, Reverse (admins) on a
 * confirmed payment, credit note or fee invoice, Forgive on a confirmed late fee.
 */
import { Alert, Badge, Button, Group, Loader, Text, Timeline } from '@mantine/core';
import { useState } from 'react';
import { appNow } from '../clock';
import { dateTimeLocal, relativeTime } from '../format';
import { useSession } from '../session';
import { collapseRepeats } from './collapse';
import { forgiveFee, retryWriteback, reverseWriteback, type TimelineEntry, useActivities, useWritebackMutation, useWritebacks, type WritebackView } from './api';
import { REVERSIBLE_KINDS, StatusBadge } from './labels';
import { notify, notifyError } from './notify';

const REQUEST_KINDS: ReadonlySet<string> = new Set(['writeback.requested', 'writeback.awaiting_approval']);

const COLOR: Record<string, string> = { promise: 'teal', dispute: 'grape', writeback: 'blue', reminder: 'cyan', contact: 'indigo', call: 'indigo', note: 'gray', follow_up: 'teal' };

function colorOf(e: TimelineEntry): string {
  if (e.writebackStatus === 'failed') return 'red';
  if (e.writebackStatus === 'awaiting_approval') return 'yellow';
  const head = Object.keys(COLOR).find((k) => e.kind.includes(k));
  return head ? COLOR[head]! : 'gray';
}

function actorOf(e: TimelineEntry): string {
  if (e.actorName) return e.actorName;
  if (e.actorType === 'debtor') return 'The customer';
  if (e.actorType === 'system') return 'Arcus';
  return e.actorType;
}

function WritebackButtons({ w, admin, canAct }: { w: WritebackView; admin: boolean; canAct: boolean }) {
  const retry = useWritebackMutation(retryWriteback);
  const reverse = useWritebackMutation(reverseWriteback);
  const forgive = useWritebackMutation(forgiveFee);
  if (!canAct) return null;
  const buttons = [];
  if (w.status === 'failed')
    buttons.push(
      <Button key="retry" size="compact-xs" variant="light" color="red" loading={retry.isPending} onClick={() => retry.mutate(w.id, { onSuccess: () => notify({ title: 'Trying again', message: 'The write-back is queued with the same key: it cannot land twice.', color: 'blue' }), onError: (e) => notifyError(e, 'Could not retry') })}>
        Retry
      </Button>,
    );
  if (w.status === 'confirmed' && !w.reversedById && w.kind === 'late_fee')
    buttons.push(
      <Button key="forgive" size="compact-xs" variant="light" loading={forgive.isPending} onClick={() => forgive.mutate(w.id, { onSuccess: (r) => notify({ title: 'Fee forgiven', message: `A fee reversal credit of ${r.amount} is on its way to the ledger${r.status === 'awaiting_approval' ? ' after approval' : ''}.` }), onError: (e) => notifyError(e, 'Could not forgive the fee') })}>
        Forgive fee
      </Button>,
    );
  if (admin && w.status === 'confirmed' && !w.reversedById && REVERSIBLE_KINDS.has(w.kind))
    buttons.push(
      <Button key="reverse" size="compact-xs" variant="subtle" color="gray" loading={reverse.isPending} onClick={() => reverse.mutate(w.id, { onSuccess: () => notify({ title: 'Reversal requested', message: 'Arcus will void what it created in the ledger.', color: 'blue' }), onError: (e) => notifyError(e, 'Could not reverse') })}>
        Reverse
      </Button>,
    );
  if (w.reversedById) buttons.push(<Text key="rev" size="xs" c="dimmed">reversed</Text>);
  return buttons.length ? <Group gap={6} mt={4}>{buttons}</Group> : null;
}

export function ActivityTimeline({ organisationId, contactExternalId, invoiceId, limit = 15 }: { organisationId: string; contactExternalId?: string; invoiceId?: string; limit?: number }) {
  const session = useSession();
  const role = session.data?.user?.role;
  const activities = useActivities({ organisationId, contactExternalId, invoiceId });
  const wbs = useWritebacks({ organisationId, contactExternalId, invoiceId });
  const [shown, setShown] = useState(limit);
  if (activities.isPending) return <Loader size="sm" aria-label="Loading activity" />;
  if (activities.error) return <Alert color="red">{activities.error.message}</Alert>;
  const list = activities.data;
  if (list.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Nothing recorded yet. Notes, calls, promises, disputes, credits, fees, plans and reminders show here.
      </Text>
    );
  const byId = new Map((wbs.data ?? []).map((w) => [w.id, w]));
  // Ledger notes that went through are bookkeeping: hidden (a failed one stays, to be retried).
  // The same entry several times in a row is shown once, counted ("×3", from the first to the last).
  const visible = collapseRepeats(
    list.filter((e) => {
      const w = e.writebackId ? byId.get(e.writebackId) : undefined;
      return !(w && w.kind === 'note' && w.status !== 'failed');
    }),
  );
  // A write-back's status and buttons go on the entry that asked for it (else its newest entry).
  const home = new Map<string, string>();
  for (const e of visible) {
    if (!e.writebackId) continue;
    if (!home.has(e.writebackId) || REQUEST_KINDS.has(e.kind)) home.set(e.writebackId, e.id);
  }
  return (
    <>
      <Timeline bulletSize={14} lineWidth={2} active={-1} data-testid="activity-timeline">
        {visible.slice(0, shown).map((e) => {
          const w = e.writebackId ? byId.get(e.writebackId) : undefined;
          const first = e.writebackId ? home.get(e.writebackId) === e.id : false;
          const status = w?.status ?? e.writebackStatus;
          const summary = status && status !== 'awaiting_approval' ? e.summary.replace(/ — waiting for approval$/, '') : e.summary;
          return (
            <Timeline.Item
              key={e.id}
              color={colorOf(e)}
              data-testid="activity-entry"
              title={
                <Group gap={6} wrap="nowrap" align="flex-start">
                  <Text size="sm">{summary}</Text>
                  {e.count > 1 ? (
                    <Badge size="sm" variant="light" color="gray" style={{ flexShrink: 0 }} aria-label={`${e.count} times`}>
                      ×{e.count}
                    </Badge>
                  ) : null}
                </Group>
              }
            >
              <Group gap={6} wrap="wrap">
                <Text size="xs" c="dimmed" title={dateTimeLocal(e.at)}>
                  {actorOf(e)} · {relativeTime(e.at, appNow().getTime())} · {e.count > 1 ? `${dateTimeLocal(e.firstAt)} – ${dateTimeLocal(e.at)}` : dateTimeLocal(e.at)}
                </Text>
                {status && first ? <StatusBadge status={status} error={w?.error} /> : null}
              </Group>
              {w && first && w.status === 'failed' && w.error ? (
                <Text size="xs" c="red.7" lineClamp={2}>
                  {w.error}
                </Text>
              ) : null}
              {w && first ? <WritebackButtons w={w} admin={role === 'admin'} canAct={role === 'admin' || role === 'collector'} /> : null}
            </Timeline.Item>
          );
        })}
      </Timeline>
      {visible.length > shown && (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => setShown((n) => n + 25)}>
          Show more ({visible.length - shown})
        </Button>
      )}
    </>
  );
}
