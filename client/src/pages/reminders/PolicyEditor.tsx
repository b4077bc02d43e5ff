/** Create or edit a dunning policy: its scope, grouping and steps (offset, channel, template, approval, repeats). */
import { ActionIcon, Alert, Autocomplete, Button, Group, Modal, NumberInput, Radio, SegmentedControl, Select, Stack, Switch, Table, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { countSegments, SMS_SEGMENT_WARNING } from '../../../../kernel/sms-segments';
import { api, fieldErrors, formError } from '../../api';
import type { Segment } from '../../scoring/api';
import { SEGMENT_LABEL } from '../../scoring/badges';
import { type Policy, type ReminderOrg, type Step, type Template, useReminderMutation } from './api';

/** Risk segments from scoring, offered by their labels; a group typed by hand is kept as typed. */
const RISK_SEGMENTS = Object.entries(SEGMENT_LABEL) as [Segment, string][];
const segmentLabel = (key: string) => RISK_SEGMENTS.find(([k]) => k === key)?.[1] ?? key;
const segmentKey = (label: string) => RISK_SEGMENTS.find(([, l]) => l.toLowerCase() === label.trim().toLowerCase())?.[0] ?? label;

const DEFAULT_NEW_STEPS: Step[] = [
  { offsetDays: -3, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 0, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 7, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 14, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 30, channel: 'email', templateId: null, approval: 'manual', repeatEveryDays: 14, repeatMax: 6 },
];

/** The built-in text and script a step without its own message uses (server/reminders/phone-steps.ts). */
const BUILT_IN = {
  sms: 'Built-in: “{{organisation.name}}: invoice {{invoice.number}} ({{invoice.amount_due}}) is {{invoice.status}}. Pay: {{payment_link}}”',
  call: 'Built-in script: ask when the invoice will be paid and note any promise or dispute',
};

/** A text step's message (with its length in text messages: more than 2 is warned about) or a call step's script. */
function StepMessage({ step, index, onChange, error }: { step: Step; index: number; onChange(message: string | null): void; error?: string | undefined }) {
  const text = step.message ?? '';
  const sms = step.channel === 'sms';
  // Estimated with typical merge values (a pay link is long); the text as sent ends with the opt-out line unless it mentions STOP (phone-steps.ts, smsText).
  const typical = text.replace(/\{\{[#^/][^}]*\}\}/g, '').replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (_, f: string) => (f === 'payment_link' ? 'x'.repeat(45) : 'x'.repeat(12)));
  const count = countSegments(/\bSTOP\b/.test(text) || !text ? typical : `${typical} Reply STOP to opt out.`);
  return (
    <Stack gap={2} w={280}>
      <Textarea
        aria-label={`Step ${index + 1} ${sms ? 'text message' : 'call script'}`}
        autosize
        minRows={2}
        maxRows={6}
        value={text}
        onChange={(e) => onChange(e.currentTarget.value || null)}
        placeholder={sms ? BUILT_IN.sms : BUILT_IN.call}
        error={error}
      />
      {sms && text && (
        <Text size="xs" c={count.segments > SMS_SEGMENT_WARNING ? 'orange' : 'dimmed'}>
          {count.segments > SMS_SEGMENT_WARNING
            ? `About ${count.segments} text messages with typical merge values: keep it to ${SMS_SEGMENT_WARNING} or fewer.`
            : `About ${count.segments === 1 ? 'one text message' : `${count.segments} text messages`} with typical merge values. “Reply STOP to opt out.” is added when missing.`}
        </Text>
      )}
      {!sms && (
        <Text size="xs" c="dimmed">
          Makes a call task for the customer’s collector, with this script and their phone numbers.
        </Text>
      )}
    </Stack>
  );
}

interface Props {
  org: ReminderOrg;
  orgs: ReminderOrg[];
  policy: Policy | null;
  templates: Template[];
  onClose(): void;
}

function CustomerPicker({ organisationId, value, onChange, error }: { organisationId: string; value: string | null; onChange(v: string | null): void; error?: string | undefined }) {
  const [q, setQ] = useState('');
  const found = useQuery({
    queryKey: ['reminders', 'customer-search', organisationId, q],
    queryFn: async () => (await api<{ customers: { externalId: string; name: string; open: number }[] }>(`/reminders/customers?organisationId=${organisationId}&q=${encodeURIComponent(q)}`)).customers,
  });
  return (
    <Select
      label="Customer"
      searchable
      searchValue={q}
      onSearchChange={setQ}
      value={value}
      onChange={onChange}
      data={(found.data ?? []).map((c) => ({ value: c.externalId, label: `${c.name}${c.open ? ` (${c.open} open)` : ''}` }))}
      nothingFoundMessage="No customer by that name"
      placeholder="Type a name"
      error={error}
    />
  );
}

export function PolicyEditor({ org, orgs, policy, templates, onClose }: Props) {
  const [name, setName] = useState(policy?.name ?? '');
  const [scope, setScope] = useState<Policy['scope']>(policy?.scope ?? 'organisation');
  const [organisationId, setOrganisationId] = useState<string | null>(policy?.organisationId ?? org.id);
  const [segment, setSegment] = useState(policy?.segment ?? '');
  const [contact, setContact] = useState<string | null>(policy?.contactExternalId ?? null);
  const [grouping, setGrouping] = useState<Policy['grouping']>(policy?.grouping ?? 'invoice');
  const [enabled, setEnabled] = useState(policy?.enabled ?? true);
  const [steps, setSteps] = useState<Step[]>(policy?.steps ?? DEFAULT_NEW_STEPS);
  const body = { name, scope, organisationId: scope === 'firm' ? null : organisationId, segment: scope === 'segment' ? segment : null, contactExternalId: scope === 'customer' ? contact : null, grouping, enabled, steps };
  const save = useReminderMutation(() => (policy ? api(`/reminders/policies/${policy.id}`, { method: 'PUT', body }) : api('/reminders/policies', { method: 'POST', body })));
  const remove = useReminderMutation(() => api(`/reminders/policies/${policy!.id}`, { method: 'DELETE' }));
  const setStep = (i: number, patch: Partial<Step>) => setSteps(steps.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const templateData = [{ value: '', label: 'Built-in for the step' }, ...templates.filter((t) => !t.builtin).map((t) => ({ value: t.id, label: t.name })), ...templates.filter((t) => t.builtin).map((t) => ({ value: t.id, label: t.name }))];
  // Every problem of the last save at once: each beside its field, the rest above the buttons.
  const problems = fieldErrors(save.error);
  const stepProblems = Object.entries(problems).filter(([k]) => k === 'steps' || k.startsWith('steps.'));
  const rest = formError(save.error ?? remove.error, ['name', 'organisationId', 'segment', 'contactExternalId', ...stepProblems.map(([k]) => k)]);
  const done = async (p: Promise<unknown>) => {
    await p;
    onClose();
  };
  return (
    <Modal opened onClose={onClose} title={policy ? `Edit “${policy.name}”` : 'New policy'} size="min(1100px, 96vw)">
      <Stack gap="md">
        <Group grow align="flex-start">
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} placeholder="e.g. Standard, Key accounts" data-autofocus error={problems['name']} />
          <Switch label="In use" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} mt={30} />
        </Group>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Applies to
          </Text>
          <SegmentedControl
            value={scope}
            onChange={(v) => setScope(v as Policy['scope'])}
            data={[
              { value: 'firm', label: 'Whole firm' },
              { value: 'organisation', label: 'Organisation' },
              { value: 'segment', label: 'Customer group' },
              { value: 'customer', label: 'One customer' },
            ]}
          />
        </Stack>
        {scope !== 'firm' && (
          <Group grow align="flex-start">
            <Select label="Organisation" data={[...(scope === 'segment' ? [{ value: '', label: 'Any organisation' }] : []), ...orgs.map((o) => ({ value: o.id, label: o.name }))]} value={organisationId ?? ''} onChange={(v) => setOrganisationId(v || null)} allowDeselect={false} error={problems['organisationId']} />
            {scope === 'segment' && (
              <Autocomplete
                label="Customer group"
                description="A group set on the customer in Arcus, or a risk segment from scoring"
                data={RISK_SEGMENTS.map(([, label]) => label)}
                value={segmentLabel(segment)}
                onChange={(v) => setSegment(segmentKey(v))}
                error={problems['segment']}
              />
            )}
            {scope === 'customer' && organisationId && <CustomerPicker organisationId={organisationId} value={contact} onChange={setContact} error={problems['contactExternalId']} />}
          </Group>
        )}
        <Radio.Group label="Emails" value={grouping} onChange={(v) => setGrouping(v as Policy['grouping'])}>
          <Stack gap={6} mt={6}>
            <Radio value="invoice" label="One email per invoice and step" />
            <Radio value="customer" label="One email per customer per day, listing all their overdue invoices" />
          </Stack>
        </Radio.Group>
        <Table verticalSpacing={6} aria-label="Steps">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Days from due date</Table.Th>
              <Table.Th>Channel</Table.Th>
              <Table.Th>Template or message</Table.Th>
              <Table.Th>Sends</Table.Th>
              <Table.Th>Then every … days</Table.Th>
              <Table.Th>… times</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {steps.map((s, i) => (
              <Table.Tr key={s.key ?? `new-${i}`}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <NumberInput aria-label={`Step ${i + 1} days`} value={s.offsetDays} onChange={(v) => setStep(i, { offsetDays: Number(v) || 0 })} min={-90} max={730} w={84} />
                    <Text size="xs" c="dimmed" w={70}>
                      {s.offsetDays < 0 ? 'before due' : s.offsetDays === 0 ? 'on due date' : 'after due'}
                    </Text>
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`Step ${i + 1} channel`}
                    w={150}
                    value={s.channel}
                    onChange={(v) => setStep(i, { channel: (v ?? 'email') as Step['channel'] })}
                    data={[
                      { value: 'email', label: 'Email' },
                      { value: 'sms', label: 'Text message' },
                      { value: 'letter', label: 'Letter' },
                      { value: 'call', label: 'Call task' },
                    ]}
                    allowDeselect={false}
                  />
                </Table.Td>
                <Table.Td>
                  {s.channel === 'sms' || s.channel === 'call' ? (
                    <StepMessage step={s} index={i} onChange={(message) => setStep(i, { message })} error={problems[`steps.${i}.message`]} />
                  ) : (
                    <Select aria-label={`Step ${i + 1} template`} w={240} value={s.templateId ?? ''} onChange={(v) => setStep(i, { templateId: v || null })} data={templateData} allowDeselect={false} />
                  )}
                </Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`Step ${i + 1} approval`}
                    w={170}
                    value={s.approval}
                    onChange={(v) => setStep(i, { approval: (v ?? 'auto') as Step['approval'] })}
                    data={[
                      { value: 'auto', label: 'Automatically' },
                      { value: 'manual', label: 'After approval' },
                    ]}
                    allowDeselect={false}
                  />
                </Table.Td>
                <Table.Td>
                  <NumberInput aria-label={`Step ${i + 1} repeat every`} value={s.repeatEveryDays ?? ''} placeholder="no repeat" onChange={(v) => setStep(i, { repeatEveryDays: v === '' ? null : Number(v) })} min={1} max={365} w={110} />
                </Table.Td>
                <Table.Td>
                  <NumberInput aria-label={`Step ${i + 1} repeat times`} value={s.repeatMax} onChange={(v) => setStep(i, { repeatMax: Number(v) || 0 })} min={0} max={52} w={80} disabled={!s.repeatEveryDays} />
                </Table.Td>
                <Table.Td>
                  <ActionIcon variant="subtle" color="red" aria-label={`Remove step ${i + 1}`} onClick={() => setSteps(steps.filter((_, j) => j !== i))} disabled={steps.length === 1}>
                    ✕
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group>
          <Button variant="default" size="xs" onClick={() => setSteps([...steps, { offsetDays: Math.max(0, ...steps.map((s) => s.offsetDays)) + 7, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 }])}>
            Add step
          </Button>
        </Group>
        {stepProblems.length > 0 && (
          <Alert color="red" variant="light" title="Steps">
            {stepProblems.map(([, m]) => m).join(' ')}
          </Alert>
        )}
        {rest && <Alert color="red">{rest}</Alert>}
        <Group justify="space-between">
          {policy ? (
            <Button color="red" variant="subtle" onClick={() => void done(remove.mutateAsync(undefined)).catch(() => undefined)} loading={remove.isPending}>
              Delete policy
            </Button>
          ) : (
            <span />
          )}
          <Group>
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={() => void done(save.mutateAsync(undefined)).catch(() => undefined)} loading={save.isPending}>
              Save policy
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
