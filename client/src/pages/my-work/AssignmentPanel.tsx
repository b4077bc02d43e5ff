/**
 * Settings › Team › Assignment: each organisation's owner and who its customers are assigned to,
 * and — for managers and administrators — rules (everyone, a risk segment, a balance, round-robin)
 * and moving one person's customers to another. The server checks every change.
 */
import { Alert, Button, Group, MultiSelect, NumberInput, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { fieldErrors, formError } from '../../api';
import { SEGMENT_LABEL } from '../../scoring/badges';
import { useSession } from '../../session';
import { notify } from '../../writebacks/notify';
import { type RuleInput, useApplyRule, useAssignments, useReassign, useSetOwner } from './api';

const RULES = [
  { value: 'all', label: 'Every customer' },
  { value: 'segment', label: 'Customers in a risk segment' },
  { value: 'amount', label: 'Customers owing at least an amount' },
  { value: 'round_robin', label: 'Share between collectors in turn' },
];

export function AssignmentPanel() {
  const session = useSession();
  const canManage = session.data?.user?.permissions.includes('assignments.manage') ?? false;
  const q = useAssignments();
  const apply = useApplyRule();
  const move = useReassign();
  const owner = useSetOwner();
  const [organisationId, setOrganisationId] = useState<string | null>(null);
  const [rule, setRule] = useState<string>('all');
  const [userId, setUserId] = useState<string | null>(null);
  const [userIds, setUserIds] = useState<string[]>([]);
  const [segment, setSegment] = useState<string | null>(null);
  const [minAmount, setMinAmount] = useState<number | string>('');
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  if (q.error) return <Alert color="red">{q.error.message}</Alert>;
  if (!q.data) return null;
  const people = q.data.members.map((m) => ({ value: m.userId, label: `${m.name} · ${m.roleName}` }));
  const owners = q.data.members.filter((m) => m.canOwn).map((m) => ({ value: m.userId, label: m.name }));
  const org = q.data.organisations.find((o) => o.id === organisationId) ?? null;
  const ruleErrors = fieldErrors(apply.error);
  const moveErrors = fieldErrors(move.error);

  const submitRule = () => {
    if (!organisationId) return;
    const body: RuleInput =
      rule === 'round_robin'
        ? { rule: 'round_robin', organisationId, userIds }
        : rule === 'segment'
          ? { rule: 'segment', organisationId, segment: segment ?? '', userId: userId ?? '' }
          : rule === 'amount'
            ? { rule: 'amount', organisationId, minAmount: typeof minAmount === 'number' ? minAmount : Number.NaN, userId: userId ?? '' }
            : { rule: 'all', organisationId, userId: userId ?? '' };
    apply.mutate(body, { onSuccess: (r) => notify({ title: 'Customers assigned', message: `${r.assigned} ${r.assigned === 1 ? 'customer' : 'customers'} assigned.` }) });
  };

  return (
    <Paper withBorder radius="md" p="md" data-testid="assignment-panel">
      <Stack gap="sm">
        <div>
          <Title order={4}>Assignment</Title>
          <Text size="sm" c="dimmed">
            Who owns each client organisation, and who chases its customers. Each person sees their customers under My work.
          </Text>
        </div>
        <Table.ScrollContainer minWidth={520}>
          <Table verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Organisation</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Customers assigned</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.organisations.map((o) => {
                const assigned = o.assigned.reduce((s, a) => s + a.customers, 0);
                return (
                  <Table.Tr key={o.id}>
                    <Table.Td>{o.name}</Table.Td>
                    <Table.Td>
                      {canManage ? (
                        <Select
                          size="xs"
                          w={180}
                          aria-label={`Owner of ${o.name}`}
                          placeholder="No owner"
                          clearable
                          data={owners}
                          value={o.owner?.userId ?? null}
                          onChange={(v) => owner.mutate({ organisationId: o.id, userId: v })}
                        />
                      ) : (
                        (o.owner?.name ?? 'No owner')
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {assigned} of {o.customers}
                        {o.assigned.length > 0 ? ` — ${o.assigned.map((a) => `${a.name} (${a.customers})`).join(', ')}` : ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {owner.error ? <Alert color="red">{owner.error.message}</Alert> : null}
        {canManage ? (
          <>
            <Text fw={600} size="sm">
              Assign customers
            </Text>
            <Group align="flex-end" gap="sm">
              <Select label="Organisation" w={220} data={q.data.organisations.map((o) => ({ value: o.id, label: o.name }))} value={organisationId} onChange={setOrganisationId} error={ruleErrors.organisationId} />
              <Select label="Which customers" w={260} data={RULES} value={rule} allowDeselect={false} onChange={(v) => setRule(v ?? 'all')} />
              {rule === 'segment' ? (
                <Select label="Risk segment" w={180} data={Object.entries(SEGMENT_LABEL).map(([value, label]) => ({ value, label }))} value={segment} onChange={setSegment} error={ruleErrors.segment} />
              ) : null}
              {rule === 'amount' ? (
                <NumberInput label={`Balance at least${org ? ` (${org.currency})` : ''}`} w={180} min={0} value={minAmount} onChange={setMinAmount} error={ruleErrors.minAmount} />
              ) : null}
              {rule === 'round_robin' ? (
                <MultiSelect label="Collectors, in turn" w={300} data={people} value={userIds} onChange={setUserIds} error={ruleErrors.userIds} />
              ) : (
                <Select label="Assign to" w={220} data={people} value={userId} onChange={setUserId} error={ruleErrors.userId} />
              )}
              <Button onClick={submitRule} loading={apply.isPending} disabled={!organisationId}>
                Assign
              </Button>
            </Group>
            {formError(apply.error, ['organisationId', 'segment', 'minAmount', 'userIds', 'userId']) ? <Alert color="red">{formError(apply.error, ['organisationId', 'segment', 'minAmount', 'userIds', 'userId'])}</Alert> : null}
            <Text fw={600} size="sm">
              Move someone’s customers
            </Text>
            <Group align="flex-end" gap="sm">
              <Select label="From" w={220} data={people} value={from} onChange={setFrom} error={moveErrors.fromUserId} />
              <Select label="To" w={220} data={people} value={to} onChange={setTo} error={moveErrors.toUserId} />
              <Button
                variant="light"
                loading={move.isPending}
                disabled={!from || !to}
                onClick={() => move.mutate({ fromUserId: from!, toUserId: to!, ...(organisationId ? { organisationId } : {}) }, { onSuccess: (r) => notify({ title: 'Customers moved', message: `${r.moved} ${r.moved === 1 ? 'customer' : 'customers'} moved.` }) })}
              >
                {org ? `Move their ${org.name} customers` : 'Move all their customers'}
              </Button>
            </Group>
            {formError(move.error, ['fromUserId', 'toUserId']) ? <Alert color="red">{formError(move.error, ['fromUserId', 'toUserId'])}</Alert> : null}
          </>
        ) : null}
      </Stack>
    </Paper>
  );
}
