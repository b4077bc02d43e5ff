/** My work: customers' replies waiting for a collector, each with its suggestion, why, and Confirm / Dismiss. */
import { Anchor, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { Link } from 'wouter';
import { useSession } from '../session';
import { useWaitingReplies } from './api';
import { SuggestionActions } from './SuggestionActions';

export function WaitingRepliesCard() {
  const q = useWaitingReplies();
  const canAct = useSession().data?.user?.permissions.includes('collect') ?? false;
  const list = q.data?.replies ?? [];
  return (
    <Paper withBorder radius="md" p="md" data-testid="my-work-replies">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Replies waiting</Text>
        <Badge variant="light" color={list.length ? 'orange' : 'gray'}>
          {list.length}
        </Badge>
      </Group>
      {q.error ? <Text c="red">{q.error.message}</Text> : null}
      {q.data && list.length === 0 ? (
        <Text size="sm" c="dimmed">
          No replies wait for you.
        </Text>
      ) : null}
      <Stack gap="sm">
        {list.map((r) => (
          <Paper key={r.id} withBorder radius="sm" p="sm" data-testid="waiting-reply">
            <Group justify="space-between" gap="xs" wrap="wrap">
              {r.contactId ? (
                <Anchor component={Link} href={`/customers/${r.contactId}`} fw={600} size="sm">
                  {r.customerName}
                </Anchor>
              ) : (
                <Text fw={600} size="sm">
                  {r.customerName}
                </Text>
              )}
              <Text size="xs" c="dimmed">
                {r.organisationName} · {new Date(r.receivedAt).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })}
              </Text>
            </Group>
            <Text size="sm" mt={2} style={{ wordBreak: 'break-word' }}>
              {r.excerpt}
            </Text>
            <Text size="sm" fw={600} mt={4}>
              Suggested: {r.suggestion.name}
            </Text>
            {r.suggestion.why.length ? (
              <Text size="xs" c="dimmed">
                Because it says: {r.suggestion.why.map((w) => `“${w}”`).join(', ')}
              </Text>
            ) : null}
            <Text size="xs" c="dimmed">
              Reminders to this customer are paused until you confirm or dismiss.
            </Text>
            {canAct ? <SuggestionActions id={r.id} suggestion={r.suggestion} isPromise={r.records === 'promise'} /> : null}
          </Paper>
        ))}
      </Stack>
    </Paper>
  );
}
