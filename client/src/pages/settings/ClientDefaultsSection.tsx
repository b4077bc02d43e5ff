/**
 * Settings › Client defaults (docs/decisions/028-firm-defaults-and-overrides.md): the firm's
 * defaults for every client — late fees, discounts, approvals, what waits for the client, sending
 * hours — each with how many clients have their own; "Apply to all clients" shows which clients
 * would change, in words, before anything is done; and one client's settings, each marked "Firm
 * default" or "Overridden for this client" with Reset to default. Managers and administrators
 * change them (`firm_defaults.manage`); everyone else on the staff reads.
 */
import { Alert, Badge, Button, Group, List, Modal, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { useOrganisations } from '../../organisations';
import { useSession } from '../../session';
import type { ApplyPreview } from '../../../../server/settings/store';
import type { SettingGroup } from '../../../../server/settings/groups';
import { DiscountFields, type EarlyDiscount, type HoursDraft, hoursDraft, hoursForSave, LateFeeFields, type LateFees, lateFeesForSave, ReturnedFeeFields, type ReturnedFeeDraft, returnedFeeDraft, returnedFeeForSave, type SendingWindow, SendingHoursFields, ThresholdField } from './group-fields';

interface DefaultsView {
  organisations: number;
  groups: { group: SettingGroup; title: string; words: string; value: unknown; overriddenBy: number }[];
}

interface OrganisationView {
  organisation: { id: string; name: string };
  groups: { group: SettingGroup; title: string; overridden: boolean; value: unknown; words: string; defaultWords: string }[];
  reminderSequence: { overridden: boolean; words: string };
}

const DEFAULTS_KEY = ['settings-defaults'];
/** The groups a client's own setting is set here (what waits for the client has its card under Connections). */
const EDITABLE: ReadonlySet<SettingGroup> = new Set(['lateFees', 'earlyDiscount', 'approvalThreshold', 'sendingWindow', 'returnedPaymentFee']);

function useCanChange(): boolean {
  const session = useSession();
  return session.data?.user?.permissions.includes('firm_defaults.manage') ?? false;
}

export function ClientDefaultsSection() {
  const canChange = useCanChange();
  const q = useQuery({ queryKey: DEFAULTS_KEY, queryFn: () => api<DefaultsView>('/settings/defaults') });
  const [applying, setApplying] = useState<{ group: SettingGroup; title: string } | null>(null);
  const [editingHours, setEditingHours] = useState(false);
  if (q.error) return <Alert color="red">{q.error.message}</Alert>;
  if (!q.data) return null;
  return (
    <Stack gap="xl">
      <Stack gap="sm" data-testid="firm-defaults">
        <div>
          <Title order={3}>Firm defaults</Title>
          <Text size="sm" c="dimmed">
            Every client follows these unless it has its own setting. Late fees, discounts, the approval amount and the returned-payment fee are changed under Collections.{' '}
            {canChange ? '' : 'Only a manager or an administrator can change them.'}
          </Text>
        </div>
        {q.data.groups.map((g) => (
          <Paper key={g.group} withBorder p="md" radius="md" data-testid="firm-default">
            <Stack gap={6}>
              <Text fw={600}>{g.title}</Text>
              <Text size="sm">{g.words}</Text>
              <Text size="sm" c="dimmed">
                {g.overriddenBy === 0 ? 'Every client follows this.' : `${g.overriddenBy} of ${q.data.organisations} client${q.data.organisations === 1 ? '' : 's'} ${g.overriddenBy === 1 ? 'has its' : 'have their'} own setting.`}
              </Text>
              {canChange && (
                <Group gap="sm">
                  {g.group === 'sendingWindow' && (
                    <Button variant="default" size="xs" onClick={() => setEditingHours(true)}>
                      Change sending hours
                    </Button>
                  )}
                  <Button variant="light" size="xs" onClick={() => setApplying({ group: g.group, title: g.title })}>
                    Apply to all clients
                  </Button>
                </Group>
              )}
            </Stack>
          </Paper>
        ))}
      </Stack>
      <ClientSettings canChange={canChange} />
      {applying && <ApplyDialog group={applying.group} title={applying.title} onClose={() => setApplying(null)} />}
      {editingHours && <SendingHoursDialog current={q.data.groups.find((g) => g.group === 'sendingWindow')!.value as Window} onClose={() => setEditingHours(false)} />}
    </Stack>
  );
}

/** "Apply to all clients": the preview in words first, then the change on confirmation. */
function ApplyDialog({ group, title, onClose }: { group: SettingGroup; title: string; onClose: () => void }) {
  const qc = useQueryClient();
  const preview = useQuery({ queryKey: ['settings-apply-preview', group], queryFn: () => api<{ preview: ApplyPreview }>('/settings/apply-to-all/preview', { method: 'POST', body: { group } }), gcTime: 0 });
  const apply = useMutation({
    mutationFn: () => api<{ applied: ApplyPreview }>('/settings/apply-to-all', { method: 'POST', body: { group } }),
    onSuccess: () => qc.invalidateQueries({ predicate: (k) => String(k.queryKey[0]).startsWith('settings') || k.queryKey[0] === 'client-approval-policy' }),
  });
  const p = preview.data?.preview;
  const done = apply.data?.applied;
  return (
    <Modal opened onClose={onClose} title={`Apply to all clients: ${title}`} size="lg">
      <Stack gap="sm" data-testid="apply-to-all">
        {preview.error && <Alert color="red">{preview.error.message}</Alert>}
        {!p && !preview.error && <Text size="sm">Working out what would change…</Text>}
        {p && !done && (
          <>
            <Text size="sm">Every client will follow the firm default: {p.defaultWords}.</Text>
            <Text fw={600}>{p.summary}</Text>
            {p.changes.length > 0 && (
              <List spacing={6} size="sm">
                {p.changes.map((c) => (
                  <List.Item key={c.organisationId}>
                    <Text span fw={600} size="sm">
                      {c.organisationName}
                    </Text>
                    <Text size="sm">
                      from “{c.before}” to “{c.after}”
                    </Text>
                  </List.Item>
                ))}
              </List>
            )}
            {p.overridesCleared > p.changes.length && <Text size="sm" c="dimmed">{`${p.overridesCleared - p.changes.length} other client${p.overridesCleared - p.changes.length === 1 ? '' : 's'} had the same setting as its own; it will follow the default from now on.`}</Text>}
            {apply.error && <Alert color="red">{apply.error.message}</Alert>}
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button onClick={() => apply.mutate()} loading={apply.isPending} disabled={p.changes.length === 0 && p.overridesCleared === 0}>
                Apply to all clients
              </Button>
            </Group>
          </>
        )}
        {done && (
          <>
            <Alert color="green">{done.changes.length === 0 ? 'Every client now follows the firm default.' : `Done: ${done.changes.length} client${done.changes.length === 1 ? '' : 's'} changed and every client now follows the firm default.`}</Alert>
            <Group justify="flex-end">
              <Button onClick={onClose}>Close</Button>
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}

type Window = SendingWindow;

/** The firm default for reminder sending hours. */
function SendingHoursDialog({ current, onClose }: { current: Window; onClose: () => void }) {
  const qc = useQueryClient();
  const [draft, setDraft] = useState<HoursDraft>(hoursDraft(current));
  const save = useMutation({
    mutationFn: () => api('/settings/defaults', { method: 'PUT', body: { group: 'sendingWindow', value: hoursForSave(draft) } }),
    onSuccess: async () => {
      await qc.invalidateQueries({ predicate: (k) => String(k.queryKey[0]).startsWith('settings') });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const problem = formError(save.error, ['startMinute', 'endMinute', 'businessDays']);
  return (
    <Modal opened onClose={onClose} title="Reminder sending hours for every client">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Clients with their own sending hours keep them.
        </Text>
        <SendingHoursFields value={draft} onChange={(p) => setDraft({ ...draft, ...p })} error={(k) => errors[k]} />
        {problem && <Alert color="red">{problem}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save sending hours
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The keys of each group's fields (the rest of a failure is shown above the buttons). */
const GROUP_FIELDS: Record<string, string[]> = {
  lateFees: ['enabled', 'kind', 'amount', 'percent', 'annualRatePct', 'graceDays', 'minimum', 'cap', 'minimumInvoiceDue', 'period', 'post', 'accountCode'],
  earlyDiscount: ['enabled', 'ratePct', 'withinDays', 'minimumAmount'],
  approvalThreshold: ['amount'],
  sendingWindow: ['startMinute', 'endMinute', 'businessDays'],
  returnedPaymentFee: ['enabled', 'amount', 'percent', 'cap'],
};

/**
 * "Set for this client": the firm default's form for one group, filled with what applies to the
 * client now, saved as the client's own setting (PUT /settings/organisations/:id).
 */
function OverrideDialog({ organisation, group, title, current, onSaved, onClose }: { organisation: { id: string; name: string }; group: SettingGroup; title: string; current: unknown; onSaved: (view: OrganisationView) => void; onClose: () => void }) {
  const [lateFees, setLateFees] = useState<LateFees>(current as LateFees);
  const [discount, setDiscount] = useState<EarlyDiscount>(current as EarlyDiscount);
  const [threshold, setThreshold] = useState<string>((current as { amount?: string | null }).amount ?? '');
  const [hours, setHours] = useState<HoursDraft>(() => (group === 'sendingWindow' ? hoursDraft(current as Window) : { start: '', end: '', days: [] }));
  const [fee, setFee] = useState<ReturnedFeeDraft>(() => (group === 'returnedPaymentFee' ? returnedFeeDraft(current as Parameters<typeof returnedFeeDraft>[0]) : { enabled: false, amount: '', percent: '', cap: '' }));
  const value = () => {
    switch (group) {
      case 'lateFees':
        return lateFeesForSave(lateFees);
      case 'earlyDiscount':
        return discount;
      case 'approvalThreshold':
        return { amount: threshold.trim() ? threshold.trim() : null };
      case 'returnedPaymentFee':
        return returnedFeeForSave(fee);
      default:
        return hoursForSave(hours);
    }
  };
  const save = useMutation({
    mutationFn: () => api<OrganisationView>(`/settings/organisations/${organisation.id}`, { method: 'PUT', body: { group, value: value() } }),
    onSuccess: (view) => {
      onSaved(view);
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const e = (k: string) => errors[k];
  const problem = formError(save.error, GROUP_FIELDS[group] ?? []);
  return (
    <Modal opened onClose={onClose} title={`${title} for ${organisation.name}`} size="lg">
      <Stack gap="sm" data-testid="override-form">
        <Text size="sm" c="dimmed">
          Only {organisation.name} follows this; every other client keeps the firm default.
        </Text>
        {group === 'lateFees' && <LateFeeFields value={lateFees} onChange={(p) => setLateFees({ ...lateFees, ...p })} error={e} withSwitch />}
        {group === 'earlyDiscount' && <DiscountFields value={discount} onChange={(p) => setDiscount({ ...discount, ...p })} error={e} withSwitch />}
        {group === 'approvalThreshold' && <ThresholdField value={threshold} onChange={setThreshold} error={e('amount')} />}
        {group === 'sendingWindow' && <SendingHoursFields value={hours} onChange={(p) => setHours({ ...hours, ...p })} error={e} />}
        {group === 'returnedPaymentFee' && <ReturnedFeeFields value={fee} onChange={(p) => setFee({ ...fee, ...p })} error={e} />}
        {problem && <Alert color="red">{problem}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save for this client
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** One client's settings: each "Firm default" or "Overridden for this client". */
function ClientSettings({ canChange }: { canChange: boolean }) {
  const orgs = useOrganisations();
  const [chosen, setChosen] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ group: SettingGroup; title: string; value: unknown } | null>(null);
  const id = chosen ?? orgs.data?.[0]?.id ?? null;
  const qc = useQueryClient();
  const key = ['settings-organisation', id];
  const q = useQuery({ queryKey: key, queryFn: () => api<OrganisationView>(`/settings/organisations/${id}`), enabled: id !== null });
  const reset = useMutation({
    mutationFn: (group: SettingGroup) => api<OrganisationView>(`/settings/organisations/${id}/reset`, { method: 'POST', body: { group } }),
    onSuccess: (r) => {
      qc.setQueryData(key, r);
      void qc.invalidateQueries({ predicate: (k) => k.queryKey[0] === 'settings-defaults' || k.queryKey[0] === 'client-approval-policy' });
    },
  });
  if (!orgs.data?.length) return null;
  return (
    <Stack gap="sm" data-testid="client-settings">
      <div>
        <Title order={3}>Each client’s settings</Title>
        <Text size="sm" c="dimmed">
          A client’s own setting replaces the firm default for that client only.
        </Text>
      </div>
      <Select label="Client" data={orgs.data.map((o) => ({ value: o.id, label: o.name }))} value={id} onChange={setChosen} allowDeselect={false} maw={420} />
      {q.error && <Alert color="red">{q.error.message}</Alert>}
      {reset.error && <Alert color="red">{reset.error.message}</Alert>}
      {q.data?.groups.map((g) => (
        <Paper key={g.group} withBorder p="md" radius="md" data-testid="client-setting">
          <Stack gap={6}>
            <Group justify="space-between" gap="xs" wrap="wrap">
              <Text fw={600}>{g.title}</Text>
              {g.overridden ? <Badge color="orange">Overridden for this client</Badge> : <Badge color="gray">Firm default</Badge>}
            </Group>
            <Text size="sm">{g.words}</Text>
            {g.overridden && (
              <Text size="sm" c="dimmed">
                Firm default: {g.defaultWords}
              </Text>
            )}
            {canChange && (EDITABLE.has(g.group) || g.overridden) && (
              <Group gap="sm">
                {EDITABLE.has(g.group) && (
                  <Button size="xs" variant={g.overridden ? 'default' : 'light'} onClick={() => setEditing({ group: g.group, title: g.title, value: g.value })}>
                    {g.overridden ? 'Change for this client' : 'Set for this client'}
                  </Button>
                )}
                {g.overridden && (
                  <Button size="xs" variant="default" onClick={() => reset.mutate(g.group)} loading={reset.isPending && reset.variables === g.group}>
                    Reset to default
                  </Button>
                )}
              </Group>
            )}
          </Stack>
        </Paper>
      ))}
      {q.data && (
        <Paper withBorder p="md" radius="md">
          <Stack gap={6}>
            <Group justify="space-between" gap="xs" wrap="wrap">
              <Text fw={600}>Reminder sequence and templates</Text>
              {q.data.reminderSequence.overridden ? <Badge color="orange">Overridden for this client</Badge> : <Badge color="gray">Firm default</Badge>}
            </Group>
            <Text size="sm">{q.data.reminderSequence.words}</Text>
            <Text size="sm" c="dimmed">
              Sequences and templates are changed under Reminders.
            </Text>
          </Stack>
        </Paper>
      )}
      {editing && q.data && (
        <OverrideDialog
          organisation={q.data.organisation}
          group={editing.group}
          title={editing.title}
          current={editing.value}
          onClose={() => setEditing(null)}
          onSaved={(view) => {
            qc.setQueryData(key, view);
            void qc.invalidateQueries({ predicate: (k) => k.queryKey[0] === 'settings-defaults' });
          }}
        />
      )}
    </Stack>
  );
}
