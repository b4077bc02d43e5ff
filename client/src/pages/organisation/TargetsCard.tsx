/** Targets for an organisation (e.g. DSO −15% in six months) with their progress; admins add and remove them. */
import { appNow } from '../../clock';
import { ActionIcon, Badge, Button, Group, NumberInput, Progress, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { ExportCsvButton, LoadError, Loading } from '../../components/analytics/bits';
import { formatDate } from '../../components/analytics/format';
import type { Target } from '../../components/analytics/types';
import { useApiQuery } from '../../components/analytics/use-api';

const METRICS = [
  { value: 'dso', label: 'DSO' },
  { value: 'cei', label: 'CEI' },
  { value: 'overdue_pct', label: 'Overdue %' },
  { value: 'dbt', label: 'DBT' },
];
const STATUS = { achieved: ['teal', 'Achieved'], on_track: ['blue', 'On track'], behind: ['orange', 'Behind'], missed: ['red', 'Missed'], no_data: ['gray', 'No data'] } as const;

function inMonths(n: number): string {
  const d = appNow();
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
}

export function TargetsCard({ organisationId, isAdmin, compact = false }: { organisationId: string; isAdmin: boolean; compact?: boolean }) {
  const path = `/organisations/${organisationId}/targets`;
  const targets = useApiQuery<{ targets: Target[] }>(path);
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: ['analytics', path] });
  const remove = useMutation({ mutationFn: (id: string) => api(`/targets/${id}`, { method: 'DELETE' }), onSuccess: refresh });
  if (targets.isPending) return <Loading />;
  if (targets.error) return <LoadError error={targets.error} />;
  return (
    <Stack gap="sm">
      {targets.data.targets.length === 0 && <Text c="dimmed">No targets yet{isAdmin && compact ? ' — add one under Targets.' : '.'}</Text>}
      {targets.data.targets.map((t) => {
        const [color, label] = STATUS[t.status];
        const metric = METRICS.find((m) => m.value === t.metric)?.label;
        return (
          <Stack key={t.id} gap={4}>
            <Group justify="space-between" wrap="nowrap">
              <Text fz="sm" fw={600}>
                {metric} {t.goalKind === 'relative' ? `${t.goalValue > 0 ? '+' : ''}${t.goalValue}%` : `to ${t.goalValue}`} by {formatDate(t.dueDate)}
                {t.note ? ` — ${t.note}` : ''}
              </Text>
              <Group gap={6} wrap="nowrap">
                <Badge color={color} variant="light">
                  {label}
                </Badge>
                {isAdmin && !compact && (
                  <ActionIcon variant="subtle" color="red" aria-label="Delete target" onClick={() => remove.mutate(t.id)}>
                    ×
                  </ActionIcon>
                )}
              </Group>
            </Group>
            <Tooltip label={`${t.expectedPct}% of the way expected by now (linear pace)`} withArrow>
              <Progress.Root size="lg">
                <Progress.Section value={Math.max(0, Math.min(100, t.progressPct ?? 0))} color={color}>
                  <Progress.Label>{t.progressPct === null ? '' : `${t.progressPct}%`}</Progress.Label>
                </Progress.Section>
              </Progress.Root>
            </Tooltip>
            <Text fz="xs" c="dimmed">
              {t.summary}
            </Text>
          </Stack>
        );
      })}
      {!compact && targets.data.targets.length > 0 && (
        <Group justify="flex-end">
          <ExportCsvButton path={path} />
        </Group>
      )}
      {isAdmin && !compact && <NewTarget organisationId={organisationId} onCreated={refresh} />}
    </Stack>
  );
}

function NewTarget({ organisationId, onCreated }: { organisationId: string; onCreated: () => void }) {
  const [metric, setMetric] = useState<string>('dso');
  const [goalKind, setGoalKind] = useState<string>('relative');
  const [goalValue, setGoalValue] = useState<number | string>(-15);
  const [dueDate, setDueDate] = useState(inMonths(6));
  const [note, setNote] = useState('');
  const create = useMutation({
    mutationFn: () => api(`/organisations/${organisationId}/targets`, { method: 'POST', body: { metric, goalKind, goalValue: goalValue === '' ? undefined : Number(goalValue), dueDate, note: note || undefined } }),
    onSuccess: () => {
      setNote('');
      onCreated();
    },
  });
  // Every problem at once, each beside its field; what has no field goes below the row.
  const problems = fieldErrors(create.error);
  const rest = formError(create.error, ['metric', 'goalKind', 'goalValue', 'dueDate', 'note']);
  return (
    <Stack gap="xs" mt="sm">
      <Text fw={600} fz="sm">
        New target
      </Text>
      <Group gap="xs" align="flex-start" wrap="wrap">
        <Select label="Metric" size="xs" w={120} data={METRICS} value={metric} onChange={(v) => setMetric(v ?? 'dso')} allowDeselect={false} error={problems['metric']} />
        <Select
          label="Goal"
          size="xs"
          w={150}
          data={[
            { value: 'relative', label: 'Change by %' },
            { value: 'absolute', label: 'Reach value' },
          ]}
          value={goalKind}
          onChange={(v) => setGoalKind(v ?? 'relative')}
          allowDeselect={false}
          error={problems['goalKind']}
        />
        <NumberInput label={goalKind === 'relative' ? 'Change (%)' : 'Value'} size="xs" w={110} value={goalValue} onChange={setGoalValue} decimalScale={2} error={problems['goalValue']} />
        <TextInput label="Due" type="date" size="xs" w={150} value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} error={problems['dueDate']} />
        <TextInput label="Note" size="xs" w={200} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={problems['note']} />
        <Button size="xs" mt={25} onClick={() => create.mutate()} loading={create.isPending}>
          Add target
        </Button>
      </Group>
      {rest && (
        <Text c="red" fz="xs" role="alert">
          {rest}
        </Text>
      )}
    </Stack>
  );
}
