/**
 * A client's action plan (docs/decisions/025): each SMART target with its owner, its steps (tasks
 * with an assignee and a deadline) and its progress — steps done, and the target's value against
 * its goal. Collectors, managers and administrators add steps and mark them done; managers and
 * administrators choose the owner.
 */
import { Badge, Button, Checkbox, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ActionPlan, PlanTarget } from '../../../../server/team/action-plan';
import { api, fieldErrors, formError } from '../../api';
import { appNow } from '../../clock';
import { LoadError, Loading } from '../../components/analytics/bits';
import { formatDate } from '../../components/analytics/format';
import { useSession } from '../../session';

const KINDS = [
  { value: 'call', label: 'Call' },
  { value: 'review', label: 'Review' },
  { value: 'follow_up', label: 'Follow-up' },
];

function AddStep({ organisationId, target, members, onDone }: { organisationId: string; target: PlanTarget; members: ActionPlan['members']; onDone: () => void }) {
  const me = useSession().data?.user?.id ?? null;
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<string>('review');
  const [dueOn, setDueOn] = useState(() => new Date(appNow().getTime() + 7 * 86_400_000).toISOString().slice(0, 10));
  const [assignee, setAssignee] = useState<string | null>(me);
  const add = useMutation({
    mutationFn: () => api('/tasks', { method: 'POST', body: { organisationId, targetId: target.id, kind, title, dueOn, ...(assignee ? { assigneeUserId: assignee } : {}) } }),
    onSuccess: () => {
      setTitle('');
      onDone();
    },
  });
  const errs = fieldErrors(add.error);
  return (
    <Stack gap={4}>
      <Group gap="xs" align="flex-start" wrap="wrap">
        <TextInput size="xs" label="Step" placeholder="What is to be done" value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={errs.title} style={{ flex: '1 1 220px' }} />
        <Select size="xs" label="Kind" data={KINDS} value={kind} onChange={(v) => setKind(v ?? 'review')} allowDeselect={false} w={120} />
        <Select size="xs" label="Assignee" data={members.map((m) => ({ value: m.userId, label: m.name }))} value={assignee} onChange={setAssignee} error={errs.assigneeUserId} w={180} />
        <TextInput size="xs" type="date" label="Deadline" value={dueOn} onChange={(e) => setDueOn(e.currentTarget.value)} error={errs.dueOn} w={150} />
        <Button size="xs" mt={22} onClick={() => add.mutate()} loading={add.isPending}>
          Add step
        </Button>
      </Group>
      {formError(add.error, ['title', 'assigneeUserId', 'dueOn']) ? (
        <Text size="xs" c="red">
          {formError(add.error, ['title', 'assigneeUserId', 'dueOn'])}
        </Text>
      ) : null}
    </Stack>
  );
}

function TargetPlan({ organisationId, target, members, canAct, canOwn, refresh }: { organisationId: string; target: PlanTarget; members: ActionPlan['members']; canAct: boolean; canOwn: boolean; refresh: () => void }) {
  const done = useMutation({ mutationFn: (id: string) => api(`/tasks/${id}/done`, { method: 'POST', body: {} }), onSuccess: refresh });
  const owner = useMutation({ mutationFn: (userId: string | null) => api(`/targets/${target.id}/owner`, { method: 'PUT', body: { userId } }), onSuccess: refresh });
  return (
    <Paper withBorder p="sm" radius="md" data-testid="action-plan-target">
      <Group justify="space-between" wrap="wrap" gap="xs" mb={6}>
        <Stack gap={0}>
          <Text fw={600}>
            {target.metricName} to {target.goal} by {formatDate(target.dueDate)}
          </Text>
          <Text size="xs" c="dimmed">
            {target.summary}
          </Text>
        </Stack>
        <Group gap="xs">
          <Badge variant="light">{target.statusName}</Badge>
          <Badge variant="light" color={target.stepsTotal > 0 && target.stepsDone === target.stepsTotal ? 'teal' : 'gray'} data-testid="action-plan-steps-done">
            {target.stepsDone} of {target.stepsTotal} steps done
          </Badge>
        </Group>
      </Group>
      <Group gap="xs" mb={6}>
        <Text size="sm">Owner:</Text>
        {canOwn ? (
          <Select size="xs" aria-label="Owner" placeholder="Nobody yet" data={members.map((m) => ({ value: m.userId, label: m.name }))} value={target.owner?.userId ?? null} onChange={(v) => owner.mutate(v)} clearable w={200} />
        ) : (
          <Text size="sm">{target.owner?.name ?? 'Nobody yet'}</Text>
        )}
      </Group>
      <Stack gap={4} mb={canAct ? 'xs' : 0}>
        {target.steps.length === 0 ? (
          <Text size="sm" c="dimmed">
            No steps yet.
          </Text>
        ) : (
          target.steps.map((s) => (
            <Group key={s.id} gap="xs" wrap="nowrap" data-testid="action-plan-step">
              <Checkbox
                size="xs"
                aria-label={`Mark “${s.title}” done`}
                checked={s.status === 'done'}
                disabled={!canAct || s.status !== 'open' || done.isPending}
                onChange={() => done.mutate(s.id)}
              />
              <Text size="sm" td={s.status === 'skipped' ? 'line-through' : undefined} style={{ flex: 1, overflowWrap: 'anywhere' }}>
                {s.kindName}: {s.title}
              </Text>
              <Text size="xs" c="dimmed">
                {[s.assigneeName ?? 'Unassigned', s.status === 'open' ? `by ${formatDate(s.dueOn)}` : s.status === 'done' ? 'done' : 'skipped'].join(' · ')}
              </Text>
            </Group>
          ))
        )}
      </Stack>
      {canAct ? <AddStep organisationId={organisationId} target={target} members={members} onDone={refresh} /> : null}
    </Paper>
  );
}

export function ActionPlanCard({ organisationId }: { organisationId: string }) {
  const role = useSession().data?.user?.role;
  const canAct = role === 'admin' || role === 'manager' || role === 'collector';
  const canOwn = role === 'admin' || role === 'manager';
  const key = ['action-plan', organisationId];
  const plan = useQuery({ queryKey: key, queryFn: () => api<ActionPlan>(`/organisations/${organisationId}/action-plan`) });
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: key });
    void qc.invalidateQueries({ queryKey: ['my-work'] });
  };
  if (plan.isPending) return <Loading />;
  if (plan.error) return <LoadError error={plan.error} />;
  return (
    <Stack gap="sm" data-testid="action-plan">
      <Title order={4}>Action plan</Title>
      {plan.data.targets.length === 0 ? (
        <Text c="dimmed" size="sm">
          Add a target above to plan the steps towards it.
        </Text>
      ) : (
        plan.data.targets.map((t) => <TargetPlan key={t.id} organisationId={organisationId} target={t} members={plan.data.members} canAct={canAct} canOwn={canOwn} refresh={refresh} />)
      )}
    </Stack>
  );
}
