/**
 * Settings › Collections › Declined card retries: the firm's autopay retry schedule, bound to
 * GET/PUT /api/autopay/retry-schedule (server/autopay/settings.ts, docs/decisions/056). The days
 * after a failed card payment on which it is tried again: 1 to 5 increasing whole days, the last
 * within 30 (default 1, 3 and 7). Admins change it; the server's problems shown beside the field.
 */
import { Alert, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { notify } from '../../writebacks/notify';

interface RetrySchedule {
  retryDays: number[];
  words: string;
}

const DEFAULT_DAYS = [1, 3, 7];

/** "1, 3, 7" → [1, 3, 7]; a word that is not a number goes as it is, for the server to say what is wrong in words. */
function daysOf(text: string): unknown[] {
  return text
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => (/^\d+(\.\d+)?$/.test(t) ? Number(t) : t));
}

export function RetryScheduleCard({ admin }: { admin: boolean }) {
  const qc = useQueryClient();
  const schedule = useQuery({ queryKey: ['autopay-retry-schedule'], queryFn: () => api<RetrySchedule>('/autopay/retry-schedule') });
  const [draft, setDraft] = useState<string | null>(null);
  useEffect(() => {
    if (schedule.data) setDraft(schedule.data.retryDays.join(', '));
  }, [schedule.data]);
  const save = useMutation({
    mutationFn: (text: string) => api<RetrySchedule>('/autopay/retry-schedule', { method: 'PUT', body: { retryDays: daysOf(text) } }),
    onSuccess: (s) => {
      qc.setQueryData(['autopay-retry-schedule'], s);
      notify({ title: 'Declined card retries saved', message: s.words });
    },
  });
  if (schedule.error) return <Alert color="red">{schedule.error.message}</Alert>;
  if (draft === null) return null;
  const errors = fieldErrors(save.error);
  const placed = Object.keys(errors).filter((k) => k === 'retryDays' || k.startsWith('retryDays.'));
  const fieldError = placed.length ? [...new Set(placed.map((k) => errors[k]!))].join(' ') : null;
  const general = formError(save.error, placed);
  return (
    <Paper withBorder p="md" radius="md" data-testid="retry-schedule">
      <Stack gap="sm">
        <Title order={5}>Declined card retries</Title>
        <Text size="xs" c="dimmed">
          When a customer’s automatic card payment is declined, Arcus tries the card again on these days, counted from the first failure, and emails the customer each time with a link to update the card. After the last retry fails, autopay pauses and the customer’s collector gets a task. Up to 5 retries, each later than the one before, all within 30 days.
        </Text>
        <Group align="flex-start" gap="sm" wrap="wrap">
          <TextInput
            label="Days after a failed charge"
            description="Separate the days with commas, such as 1, 3, 7"
            value={draft}
            onChange={(e) => {
              setDraft(e.currentTarget.value);
              if (save.isError) save.reset();
            }}
            error={fieldError}
            disabled={!admin}
            inputMode="numeric"
            style={{ flex: '1 1 16rem', maxWidth: '28rem' }}
          />
        </Group>
        <Text size="sm" data-testid="retry-schedule-summary">
          {schedule.data?.words}
        </Text>
        {general ? <Alert color="red">{general}</Alert> : null}
        {admin ? (
          <Group gap="xs">
            <Button variant="default" onClick={() => save.mutate(draft)} loading={save.isPending}>
              Save retry days
            </Button>
            <Button
              variant="subtle"
              onClick={() => {
                setDraft(DEFAULT_DAYS.join(', '));
                save.reset();
              }}
            >
              Use 1, 3 and 7 days
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Paper>
  );
}
