/**
 * What waits for the client (docs/decisions/024-client-approvals.md): one organisation's
 * client-approval policy in words — late fees, credits above an amount, payment plans, the first
 * reminder to a new customer, escalating reminders. Managers and administrators change it
 * (`client_approvals.manage`); everyone else reads it.
 */
import { Alert, Button, Group, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { useSession } from '../../session';
import type { ClientPolicy } from '../../../../server/writebacks/client-approval';

export function ClientApprovalCard({ organisationId, organisationName }: { organisationId: string; organisationName: string }) {
  const session = useSession();
  const canEdit = session.data?.user?.permissions.includes('client_approvals.manage') ?? false;
  const qc = useQueryClient();
  const key = ['client-approval-policy', organisationId];
  const q = useQuery({ queryKey: key, queryFn: () => api<{ policy: ClientPolicy }>(`/organisations/${organisationId}/client-approvals`) });
  const [draft, setDraft] = useState<ClientPolicy | null>(null);
  const [creditsOn, setCreditsOn] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (q.data) {
      setDraft(q.data.policy);
      setCreditsOn(q.data.policy.creditsAbove !== null);
    }
  }, [q.data]);
  const save = useMutation({
    mutationFn: (p: ClientPolicy) => api<{ policy: ClientPolicy }>(`/organisations/${organisationId}/client-approvals`, { method: 'PUT', body: p }),
    onSuccess: (r) => {
      qc.setQueryData(key, r);
      setSaved(true);
    },
  });
  if (!draft) return q.error ? <Alert color="red">{q.error.message}</Alert> : null;
  const set = (patch: Partial<ClientPolicy>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };
  const errors = fieldErrors(save.error);
  const problem = formError(save.error, ['creditsAbove']);
  const sw = (label: string, description: string, field: 'lateFees' | 'paymentPlans' | 'firstReminders' | 'reminderEscalations') => (
    <Switch label={label} description={description} checked={draft[field]} disabled={!canEdit} onChange={(e) => set({ [field]: e.currentTarget.checked })} />
  );
  return (
    <Stack gap="sm" data-testid="client-approval-policy">
      <div>
        <Title order={4}>What waits for {organisationName}’s approval</Title>
        <Text size="sm" c="dimmed">
          A client contact approves or declines these before anything is written in their ledger or sent to their customers. {canEdit ? 'Changes apply to what is asked from now on.' : 'Only a manager or an administrator can change this.'}
        </Text>
      </div>
      {sw('Late fees', 'Every late fee waits for the client.', 'lateFees')}
      <Group align="flex-end" gap="sm">
        <Switch
          label="Credits above an amount"
          description="A credit note above this amount (in its own currency) waits; 0 means every credit."
          checked={creditsOn}
          disabled={!canEdit}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            setCreditsOn(on);
            set({ creditsAbove: on ? (draft.creditsAbove ?? '0') : null });
          }}
        />
        {creditsOn && (
          <TextInput label="Amount" w={140} value={draft.creditsAbove ?? ''} disabled={!canEdit} error={errors['creditsAbove']} onChange={(e) => set({ creditsAbove: e.currentTarget.value })} />
        )}
      </Group>
      {sw('Payment plans', 'A plan’s instalment invoices and its transfer credit wait.', 'paymentPlans')}
      {sw('The first reminder to a new customer', 'A customer who has never had a reminder gets none until the client approves it.', 'firstReminders')}
      {sw('Escalating reminders', 'Every reminder after the first in a sequence waits for the client.', 'reminderEscalations')}
      {problem && <Alert color="red">{problem}</Alert>}
      {canEdit && (
        <Group gap="sm">
          <Button onClick={() => save.mutate({ ...draft, creditsAbove: creditsOn ? (draft.creditsAbove ?? '').trim() : null })} loading={save.isPending}>
            Save what waits for the client
          </Button>
          {saved && (
            <Text size="sm" c="teal" role="status">
              Saved.
            </Text>
          )}
        </Group>
      )}
    </Stack>
  );
}
