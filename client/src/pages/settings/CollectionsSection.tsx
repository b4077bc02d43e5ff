/**
 * Settings › Collections: the firm's collection policy — the approval threshold for write-backs,
 * late fees and interest, early-payment discounts and payment-plan options — bound to
 * GET/PUT /api/collections/policy. Every problem the server finds is shown on its own field
 * (by the field's key, e.g. `lateFees.cap`), all at once.
 */
import { Alert, Button, Divider, Group, NumberInput, Paper, SimpleGrid, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { type CollectionsPolicy, saveCollectionsPolicy, useCollectionsPolicy, useWritebackMutation } from '../../writebacks/api';
import { notify } from '../../writebacks/notify';
import { DiscountFields, LateFeeFields, ThresholdField } from './group-fields';
import { StatutoryRates } from './StatutoryRates';
import { ReturnedFeeCard } from './ReturnedFeeCard';
import { RetryScheduleCard } from './RetryScheduleCard';

type Errors = Record<string, string>;

/** The keys this form shows beside a field (the rest of a failure is shown above the button). */
const FIELDS = [
  'approvalThreshold',
  ...['kind', 'amount', 'percent', 'annualRatePct', 'graceDays', 'minimum', 'cap', 'minimumInvoiceDue', 'period', 'post', 'accountCode'].map((k) => `lateFees.${k}`),
  ...['ratePct', 'withinDays', 'minimumAmount'].map((k) => `earlyDiscount.${k}`),
  ...['maxInstalments', 'reminderDaysBefore', 'missedGraceDays', 'breakAfterMissed'].map((k) => `plans.${k}`),
];

export function CollectionsSection({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  const policy = useCollectionsPolicy();
  const [draft, setDraft] = useState<CollectionsPolicy | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  useEffect(() => {
    if (policy.data) setDraft(policy.data);
  }, [policy.data]);
  const save = useWritebackMutation(saveCollectionsPolicy);
  if (policy.error) return <Alert color="red">{policy.error.message}</Alert>;
  if (!draft) return null;
  const admin = role === 'admin';
  const lf = draft.lateFees;
  const ed = draft.earlyDiscount;
  const pl = draft.plans;
  const setLf = (p: Partial<CollectionsPolicy['lateFees']>) => setDraft({ ...draft, lateFees: { ...lf, ...p } });
  const setEd = (p: Partial<CollectionsPolicy['earlyDiscount']>) => setDraft({ ...draft, earlyDiscount: { ...ed, ...p } });
  const setPl = (p: Partial<CollectionsPolicy['plans']>) => setDraft({ ...draft, plans: { ...pl, ...p } });
  const e = (path: string) => errors[path];
  const int = (v: number | string) => (typeof v === 'number' ? v : Number.parseInt(v, 10) || 0);
  const submit = () => {
    setErrors({});
    save.mutate(
      { ...draft, approvalThreshold: draft.approvalThreshold?.trim() ? draft.approvalThreshold.trim() : null, lateFees: { ...lf, cap: lf.cap?.trim() ? lf.cap.trim() : null, accountCode: lf.accountCode?.trim() ? lf.accountCode.trim() : null } },
      {
        onSuccess: (p) => {
          setDraft(p);
          notify({ title: 'Collections policy saved', message: p.approvalThreshold ? `Write-backs above ${p.approvalThreshold} now wait for approval.` : 'No write-back waits for approval.' });
        },
        onError: (err) => setErrors(fieldErrors(err)),
      },
    );
  };
  const general = formError(save.error, FIELDS);
  const marked = Object.keys(errors).filter((k) => FIELDS.includes(k)).length;
  return (
    <Stack gap="md" maw={900} data-testid="collections-settings">
      <div>
        <Title order={3}>Collections</Title>
        <Text c="dimmed" size="sm">
          What Arcus may change in your clients’ ledgers on its own, and what needs a person’s approval. Applies to every organisation of the firm.
        </Text>
      </div>
      {!admin ? <Alert color="blue">Only firm admins change the collections policy.</Alert> : null}
      <LedgerRecheck admin={admin} />
      <Paper withBorder p="md" radius="md">
        <Stack gap="xs">
          <Title order={5}>Approvals</Title>
          <ThresholdField value={draft.approvalThreshold ?? ''} onChange={(v) => setDraft({ ...draft, approvalThreshold: v })} error={e('approvalThreshold')} disabled={!admin} />
        </Stack>
      </Paper>
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={5}>Late fees and interest</Title>
            <Switch label="Charge automatically" checked={lf.enabled} onChange={(ev) => setLf({ enabled: ev.currentTarget.checked })} disabled={!admin} />
          </Group>
          <Text size="xs" c="dimmed">
            While off, collectors can still apply a fee to one invoice by these rules (invoice › Actions › Late fee). A period is never charged twice; disputed invoices and invoices on a plan are never charged.
          </Text>
          <LateFeeFields value={lf} onChange={setLf} error={(k) => e(`lateFees.${k}`)} disabled={!admin} />
        </Stack>
      </Paper>
      <StatutoryRates admin={admin} />
      <ReturnedFeeCard admin={admin} />
      <RetryScheduleCard admin={admin} />
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={5}>Early-payment discount</Title>
            <Switch label="Offer in reminders" checked={ed.enabled} onChange={(ev) => setEd({ enabled: ev.currentTarget.checked })} disabled={!admin} />
          </Group>
          <Text size="xs" c="dimmed">
            Offered in reminders; applied as a credit note when payment arrives in time, withdrawn after it expires.
          </Text>
          <DiscountFields value={ed} onChange={setEd} error={(k) => e(`earlyDiscount.${k}`)} disabled={!admin} />
        </Stack>
      </Paper>
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Title order={5}>Payment plans</Title>
          <Switch label="Post instalments to the ledger as invoices by default" checked={pl.postInvoices} onChange={(ev) => setPl({ postInvoices: ev.currentTarget.checked })} disabled={!admin} />
          <Divider />
          <SimpleGrid cols={{ base: 1, sm: 4 }}>
            <NumberInput label="Most instalments" min={1} max={120} value={pl.maxInstalments} onChange={(v) => setPl({ maxInstalments: int(v) })} error={e('plans.maxInstalments')} disabled={!admin} allowDecimal={false} />
            <NumberInput label="Reminder before" description="Days before each instalment" min={0} max={30} value={pl.reminderDaysBefore} onChange={(v) => setPl({ reminderDaysBefore: int(v) })} error={e('plans.reminderDaysBefore')} disabled={!admin} allowDecimal={false} />
            <NumberInput label="Missed after" description="Days past an instalment" min={0} max={90} value={pl.missedGraceDays} onChange={(v) => setPl({ missedGraceDays: int(v) })} error={e('plans.missedGraceDays')} disabled={!admin} allowDecimal={false} />
            <NumberInput label="Plan breaks after" description="Missed instalments" min={1} max={12} value={pl.breakAfterMissed} onChange={(v) => setPl({ breakAfterMissed: int(v) })} error={e('plans.breakAfterMissed')} disabled={!admin} allowDecimal={false} />
          </SimpleGrid>
        </Stack>
      </Paper>
      {general ? <Alert color="red">{general}</Alert> : null}
      {marked ? (
        <Alert color="red" variant="light">
          Not saved: check the {marked === 1 ? 'field' : `${marked} fields`} marked in red.
        </Alert>
      ) : null}
      {admin ? (
        <Group>
          <Button onClick={submit} loading={save.isPending}>
            Save collections policy
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

interface ReminderFirmSettings {
  recheckLedger: boolean;
}

/** "Check the ledger before sending reminders": GET/PUT /api/reminders/firm-settings (admins change it). */
function LedgerRecheck({ admin }: { admin: boolean }) {
  const qc = useQueryClient();
  const settings = useQuery({ queryKey: ['reminder-firm-settings'], queryFn: async () => (await api<{ settings: ReminderFirmSettings }>('/reminders/firm-settings')).settings });
  const save = useMutation({
    mutationFn: async (recheckLedger: boolean) => (await api<{ settings: ReminderFirmSettings }>('/reminders/firm-settings', { method: 'PUT', body: { recheckLedger } })).settings,
    onSuccess: (s) => {
      qc.setQueryData(['reminder-firm-settings'], s);
      notify({ title: s.recheckLedger ? 'The ledger is checked before each reminder' : 'Reminders go out from the last sync', message: s.recheckLedger ? 'Invoices paid or changed since the last sync are left out.' : 'Reminders use what the last sync brought in.' });
    },
  });
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="xs">
        <Title order={5}>Reminders</Title>
        <Switch
          label="Check the ledger before sending reminders"
          description="Before a reminder goes out, Arcus reads its invoices from Xero or QuickBooks again, so a debtor who paid since the last sync is not chased."
          checked={settings.data?.recheckLedger ?? false}
          disabled={!admin || !settings.data || save.isPending}
          onChange={(ev) => save.mutate(ev.currentTarget.checked)}
        />
        {(settings.error ?? save.error) && (
          <Alert color="red" variant="light">
            {(settings.error ?? save.error)?.message}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
