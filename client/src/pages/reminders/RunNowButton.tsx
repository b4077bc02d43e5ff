/**
 * "Run now" with a look first: the run is planned without sending anything; a first run, or one
 * above the organisation's threshold, opens a preview (how many emails to how many customers,
 * which reminders, a few examples) and goes out only when the admin confirms it.
 */
import { Alert, Button, Group, List, Modal, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { api } from '../../api';
import { type ReminderOrg, type RunPlan, useReminderMutation } from './api';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export function RunNowButton({ org, onQueued }: { org: ReminderOrg; onQueued: () => void }) {
  const [plan, setPlan] = useState<RunPlan | null>(null);
  const run = useReminderMutation(async (confirmation: string | null) => {
    await api(`/reminders/run/${org.id}`, { method: 'POST', body: confirmation ? { confirmation } : {} });
    setPlan(null);
    onQueued();
  });
  const check = useReminderMutation(async () => {
    const r = await api<{ plan: RunPlan }>(`/reminders/run/${org.id}/plan`, { method: 'POST', body: {} });
    if (r.plan.confirmationRequired) setPlan(r.plan);
    else run.mutate(null);
  });
  const error = check.error ?? run.error;
  // On a phone the preview takes the whole screen, so its buttons are never out of reach.
  const phone = useMediaQuery('(max-width: 36em)') ?? false;
  return (
    <>
      <Tooltip label={org.enabled ? (org.inWindow ? 'Plan and send what is due now' : `Outside the sending window (${org.window})`) : 'Switch reminders on under Settings first'}>
        <Button variant="default" onClick={() => check.mutate(undefined)} loading={check.isPending || (run.isPending && !plan)} disabled={!org.enabled}>
          Run now
        </Button>
      </Tooltip>
      {error && !plan && (
        <Alert color="red" w="100%">
          {error.message}
        </Alert>
      )}
      <Modal opened={plan !== null} onClose={() => setPlan(null)} title="Check this run before anything is sent" size="lg" fullScreen={phone}>
        {plan && (
          <Stack gap="sm">
            {plan.reasonText && <Text size="sm">{plan.reasonText}</Text>}
            <Text fw={600}>
              {plural(plan.emails, 'email')} to {plural(plan.customers, 'customer')}, about {plural(plan.invoices, 'invoice')}.
            </Text>
            {(plan.awaitingApproval > 0 || plan.overDailyLimit > 0) && (
              <Text size="sm" c="dimmed">
                {plan.awaitingApproval > 0 ? `${plural(plan.awaitingApproval, 'more reminder')} will wait for a collector to approve ${plan.awaitingApproval === 1 ? 'it' : 'them'}. ` : ''}
                {plan.overDailyLimit > 0 ? `${plural(plan.overDailyLimit, 'more reminder')} ${plan.overDailyLimit === 1 ? 'is' : 'are'} over today’s limit and will go on the next days.` : ''}
              </Text>
            )}
            <div>
              <Text size="sm" fw={500}>
                Which reminders
              </Text>
              <List size="sm">
                {plan.steps.map((s) => (
                  <List.Item key={s.step}>
                    {s.step}: {plural(s.emails, 'email')}
                  </List.Item>
                ))}
              </List>
            </div>
            <div>
              <Text size="sm" fw={500}>
                For example
              </Text>
              <Table.ScrollContainer minWidth={320}>
                <Table verticalSpacing={4} fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Customer</Table.Th>
                      <Table.Th>Reminder</Table.Th>
                      <Table.Th ta="right">Owed</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {plan.samples.map((s) => (
                      <Table.Tr key={`${s.customer}-${s.step}`}>
                        <Table.Td>{s.customer}</Table.Td>
                        <Table.Td>
                          {s.step}
                          {s.invoiceCount > 1 ? ` · ${s.invoiceCount} invoices` : ''}
                          {s.needsApproval ? ' · needs approval' : ''}
                        </Table.Td>
                        <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                          {s.amounts.join(', ')}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </div>
            {run.error && <Alert color="red">{run.error.message}</Alert>}
            <Group justify="flex-end" wrap="wrap">
              <Button variant="default" onClick={() => setPlan(null)}>
                Not now
              </Button>
              <Button onClick={() => run.mutate(plan.confirmation?.token ?? null)} loading={run.isPending}>
                Send {plural(plan.emails, 'email')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
