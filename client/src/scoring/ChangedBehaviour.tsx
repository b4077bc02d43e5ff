/** Changing-risk alerts (decision 039): My work's "Changed behaviour" card and the alerts on a customer. */
import { Alert, Anchor, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { Link } from 'wouter';
import type { ChangeAlert } from '../../../server/domain/scoring/change';
import type { ChangedBehaviourItem } from '../../../server/scoring/changes';
import { shortDate } from './format';

/** Each alert's title and its explanation in words. */
export function ChangeAlerts({ alerts }: { alerts: readonly ChangeAlert[] }) {
  return (
    <Stack gap={4}>
      {alerts.map((a) => (
        <Text key={a.kind} size="sm">
          <Badge size="sm" variant="light" color="orange" mr={6}>
            {a.title}
          </Badge>
          {a.explanation}
        </Text>
      ))}
    </Stack>
  );
}

/** On the customer page: the alerts of the last scoring run, when there are any. */
export function CustomerChanges({ alerts }: { alerts: readonly ChangeAlert[] | undefined }) {
  if (!alerts || alerts.length === 0) return null;
  return (
    <Alert color="orange" title="Changed behaviour" data-testid="customer-changes">
      <ChangeAlerts alerts={alerts} />
      <Text size="xs" c="dimmed" mt={6}>
        Found in this customer's own payment history at the last scoring run; the customer ranks higher on the worklist (×1.5) while it is news.
      </Text>
    </Alert>
  );
}

/** My work: the assigned customers whose paying behaviour changed. */
export function ChangedBehaviourCard({ items }: { items: readonly ChangedBehaviourItem[] }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid="my-work-changed-behaviour">
      <Group justify="space-between" mb={6} wrap="nowrap">
        <Text fw={600}>Changed behaviour</Text>
        <Badge variant="light" color={items.length > 0 ? 'orange' : 'gray'}>
          {items.length}
        </Badge>
      </Group>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None of your customers' paying behaviour has changed.
        </Text>
      ) : (
        <Stack gap="sm">
          {items.map((c) => (
            <div key={`${c.organisationId}|${c.contactExternalId}`}>
              <Text size="sm" span fw={500}>
                {c.contactId ? (
                  <Anchor component={Link} href={`/customers/${c.contactId}`} size="sm">
                    {c.customerName}
                  </Anchor>
                ) : (
                  c.customerName
                )}
              </Text>{' '}
              <Text span size="xs" c="dimmed">
                {c.organisationName} · since {shortDate(c.alerts.reduce((m, a) => (a.on > m ? a.on : m), ''))}
              </Text>
              <ChangeAlerts alerts={c.alerts} />
            </div>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
