/**
 * A customer's payment plans: status, schedule with each instalment's state, and cancel. Every state
 * is a word in sentence case (badges `tt="none"`, like the customer page's other badges), never the stored value.
 */
import { Alert, Badge, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { formatDate } from '../components/analytics/format';
import { cancelPlan, type PlanSummary, usePlan, usePlans, useWritebackMutation } from './api';
import { money, StatusBadge } from './labels';
import { notify, notifyError } from './notify';

const PLAN_COLOR: Record<PlanSummary['status'], string> = { active: 'blue', completed: 'teal', broken: 'red', cancelled: 'gray' };
const INST_COLOR: Record<string, string> = { paid: 'teal', due: 'blue', missed: 'red' };
/** Statuses in words (the stored values are never shown). */
const PLAN_WORDS: Record<PlanSummary['status'], string> = { active: 'Active', completed: 'Paid off', broken: 'Broken', cancelled: 'Cancelled' };
const INST_WORDS: Record<string, string> = { paid: 'Paid', due: 'Due', missed: 'Missed', pending: 'Upcoming', cancelled: 'Cancelled' };
const FREQUENCY_WORDS: Record<string, string> = { weekly: 'weekly', fortnightly: 'fortnightly', monthly: 'monthly' };

function PlanDetail({ id, canAct }: { id: string; canAct: boolean }) {
  const plan = usePlan(id);
  const cancel = useWritebackMutation(cancelPlan);
  if (!plan.data) return null;
  const p = plan.data;
  return (
    <Stack gap={4}>
      <Table verticalSpacing={2}>
        <Table.Tbody>
          {p.instalments.map((i) => (
            <Table.Tr key={i.id}>
              <Table.Td>{i.seq}</Table.Td>
              <Table.Td>{formatDate(i.dueDate)}</Table.Td>
              <Table.Td ta="right">{money(i.amount, p.currency)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Badge size="xs" variant="light" tt="none" color={INST_COLOR[i.status] ?? 'gray'}>
                    {INST_WORDS[i.status] ?? 'Other'}
                  </Badge>
                  {i.writebackStatus ? <StatusBadge status={i.writebackStatus} /> : null}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {canAct && p.status === 'active' ? (
        <Group justify="flex-end">
          <Button size="compact-xs" variant="subtle" color="red" loading={cancel.isPending} onClick={() => cancel.mutate(p.id, { onSuccess: () => notify({ title: 'Plan cancelled', message: 'Reminders for its invoices resume.', color: 'blue' }), onError: (e) => notifyError(e, 'Could not cancel the plan') })}>
            Cancel plan
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

export function PlansCard({ organisationId, contactExternalId, canAct }: { organisationId: string; contactExternalId: string; canAct: boolean }) {
  const plans = usePlans(organisationId, contactExternalId);
  const [openId, setOpenId] = useState<string | null>(null);
  if (!plans.data || plans.data.length === 0) return null;
  return (
    <Paper withBorder p="md" radius="md" data-testid="plans-card">
      <Text fw={600} mb="xs">
        Payment plans
      </Text>
      <Stack gap="xs">
        {plans.data.map((p) => (
          <Stack key={p.id} gap={4}>
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Group gap="xs" style={{ flex: 1, minWidth: 0 }}>
                <Badge variant="light" tt="none" color={PLAN_COLOR[p.status]} style={{ flexShrink: 0 }}>
                  {PLAN_WORDS[p.status] ?? 'Other'}
                </Badge>
                <Text size="sm">
                  {money(p.total, p.currency)} {FREQUENCY_WORDS[p.frequency] ?? ''} from {formatDate(p.startDate)} · {p.invoiceCount} invoice{p.invoiceCount === 1 ? '' : 's'}
                </Text>
              </Group>
              <Button size="compact-xs" variant="subtle" style={{ flexShrink: 0 }} onClick={() => setOpenId(openId === p.id ? null : p.id)}>
                {openId === p.id ? 'Hide' : 'Schedule'}
              </Button>
            </Group>
            {p.status === 'active' && p.attention ? (
              <Alert color="orange" variant="light" p="xs" title="This plan needs a look">
                <Text size="sm">{p.attention}</Text>
              </Alert>
            ) : null}
            {openId === p.id ? <PlanDetail id={p.id} canAct={canAct} /> : null}
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}
