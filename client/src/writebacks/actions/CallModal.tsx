/**
 * Log a call with a customer: what happened, what was said, and an optional next step on a day,
 * which becomes a follow-up. On the timeline at once, and noted in the ledger.
 */
import { Alert, Button, Group, Modal, Select, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { ActionTarget } from '../api';
import { type CallOutcome, checkCall, type FieldErrors, logCall, OUTCOME_OPTIONS, serverFieldError, useLogMutation } from '../collector-log-api';
import { addDaysTo, todayLocal } from '../labels';
import { notify } from '../notify';
import { newRequestKey } from '../uuid';
import { formatDate } from '../../components/analytics/format';

const FIELDS = ['outcome', 'summary', 'nextStep', 'followUpOn'];

export function CallModal({ target, opened, onClose }: { target: ActionTarget; opened: boolean; onClose: () => void }) {
  const [outcome, setOutcome] = useState<CallOutcome | null>(null);
  const [summary, setSummary] = useState('');
  const [nextStep, setNextStep] = useState('');
  const [followUpOn, setFollowUpOn] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [requestKey] = useState(newRequestKey);
  const save = useLogMutation(logCall);
  const today = todayLocal();
  const what = target.invoice ? `invoice ${target.invoice.number}` : target.customerName;
  const submit = () => {
    const found = checkCall({ outcome, summary, nextStep, followUpOn }, today, addDaysTo(today, 365));
    setErrors(found);
    if (Object.keys(found).length || !outcome) return;
    const step = nextStep.trim();
    save.mutate(
      {
        organisationId: target.organisationId,
        contactExternalId: target.contactExternalId,
        invoiceId: target.invoice?.id,
        outcome,
        summary: summary.trim() || undefined,
        ...(step ? { nextStep: step, followUpOn } : {}),
        requestKey,
      },
      {
        onSuccess: () => {
          notify({ title: 'Call logged', message: step ? `Follow-up on ${formatDate(followUpOn)}: ${step}` : 'It is on the timeline and will be noted in the ledger.' });
          onClose();
        },
        onError: (err) => setErrors(serverFieldError(err, FIELDS) ?? {}),
      },
    );
  };
  const general = save.error && !serverFieldError(save.error, FIELDS) ? save.error.message : null;
  return (
    <Modal opened={opened} onClose={onClose} title={`Log a call about ${what}`}>
      <Stack gap="sm">
        <Select label="What happened" placeholder="Choose one" data={OUTCOME_OPTIONS} value={outcome} onChange={(v) => setOutcome(v as CallOutcome | null)} error={errors['outcome']} allowDeselect={false} withAsterisk comboboxProps={{ withinPortal: true }} />
        <Textarea label="Summary" placeholder="What was said (optional)" value={summary} onChange={(e) => setSummary(e.currentTarget.value)} error={errors['summary']} autosize minRows={2} />
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput label="Next step" placeholder="e.g. Call back about the remittance" value={nextStep} onChange={(e) => setNextStep(e.currentTarget.value)} error={errors['nextStep']} />
          <TextInput type="date" label="Follow up on" value={followUpOn} min={today} onChange={(e) => setFollowUpOn(e.currentTarget.value)} error={errors['followUpOn']} />
        </SimpleGrid>
        {general ? <Alert color="red">{general}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending}>
            Log call
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
