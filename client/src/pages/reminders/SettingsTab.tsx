/** An organisation's reminder settings: on/off, sending window and business days, daily limit, branding. */
import { Alert, Button, Chip, ColorInput, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../../../../kernel/locale';
import { useEffect, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { minuteText, type ReminderOrg, type Settings, textMinute, useReminderMutation, useSettings, WEEKDAYS } from './api';
import type { Role } from './RemindersPage';
import { SenderIdentityCard } from './SenderIdentityCard';

const FIELDS = ['windowStartMinute', 'windowEndMinute', 'dailyLimit', 'customerDailyLimit', 'confirmAbove', 'businessDays', 'senderName', 'replyTo', 'brandColour', 'logoUrl', 'signature', 'language'];

export function SettingsTab({ org, role }: { org: ReminderOrg; role: Role }) {
  const settings = useSettings(org.id);
  const [draft, setDraft] = useState<Settings | null>(null);
  useEffect(() => {
    if (settings.data) setDraft(settings.data);
  }, [settings.data]);
  const save = useReminderMutation((s: Settings) =>
    api(`/reminders/settings/${org.id}`, {
      method: 'PUT',
      body: { enabled: s.enabled, windowStartMinute: s.windowStartMinute, windowEndMinute: s.windowEndMinute, businessDays: s.businessDays, dailyLimit: s.dailyLimit, customerDailyLimit: s.customerDailyLimit, confirmAbove: s.confirmAbove, senderName: s.senderName || null, replyTo: s.replyTo || null, brandColour: s.brandColour, logoUrl: s.logoUrl || null, signature: s.signature, language: s.language },
    }),
  );
  if (!draft) return null;
  const admin = role === 'admin';
  const set = (patch: Partial<Settings>) => setDraft({ ...draft, ...patch });
  // Every problem of the last save at once, each beside its field; the rest above the button.
  const problems = fieldErrors(save.error);
  const rest = formError(save.error, FIELDS);
  return (
    <Stack gap="md" maw={860}>
      {!admin && <Alert color="blue">Only firm admins change reminder settings.</Alert>}
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Switch size="md" label="Send reminders for this organisation" description="While off, nothing is claimed or sent; the outbox and tomorrow’s preview still show what would go out." checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} disabled={!admin} />
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Title order={5}>Language</Title>
          <Select
            label="Customers’ language"
            description="Reminders and the pay page are written in it, unless a customer has a language of its own (set on the customer’s page). Neither Xero nor QuickBooks records one."
            allowDeselect={false}
            data={[{ value: 'country', label: `From the organisation’s country (${LANGUAGE_NAMES[draft.countryLanguage]})` }, ...LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))]}
            value={draft.language ?? 'country'}
            onChange={(v) => set({ language: v && isLanguage(v) ? v : null })}
            disabled={!admin}
            error={problems['language']}
            maw={360}
          />
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Title order={5}>When reminders go out</Title>
          <Text size="sm" c="dimmed">
            In the organisation’s time zone ({draft.timezone}). Outside these hours and days reminders wait for the next opening.
          </Text>
          <Group>
            <TextInput type="time" label="From" value={minuteText(draft.windowStartMinute)} onChange={(e) => set({ windowStartMinute: textMinute(e.currentTarget.value) })} disabled={!admin} error={problems['windowStartMinute']} w={140} />
            <TextInput type="time" label="Until" value={minuteText(Math.min(draft.windowEndMinute, 1439))} onChange={(e) => set({ windowEndMinute: e.currentTarget.value === '23:59' ? 1440 : textMinute(e.currentTarget.value) })} disabled={!admin} error={problems['windowEndMinute']} w={140} />
            <NumberInput label="Daily limit" description="Emails per local day" min={0} max={100000} value={draft.dailyLimit} onChange={(v) => set({ dailyLimit: Number(v) || 0 })} disabled={!admin} error={problems['dailyLimit']} w={160} />
            <NumberInput label="Per customer" description="Reminders a customer gets in a day" min={1} max={10} value={draft.customerDailyLimit} onChange={(v) => set({ customerDailyLimit: Math.min(10, Math.max(1, Number(v) || 1)) })} disabled={!admin} error={problems['customerDailyLimit']} w={200} />
            <NumberInput label="Check runs above" description="Emails a manual run sends without a preview" min={0} max={100000} value={draft.confirmAbove} onChange={(v) => set({ confirmAbove: Number(v) || 0 })} disabled={!admin} error={problems['confirmAbove']} w={220} />
          </Group>
          <Text size="sm" fw={500}>
            Business days
          </Text>
          <Chip.Group multiple value={draft.businessDays.map(String)} onChange={(v) => set({ businessDays: v.map(Number).sort() })}>
            <Group gap="xs">
              {WEEKDAYS.map((d, i) => (
                <Chip key={d} value={String(i + 1)} disabled={!admin} size="sm">
                  {d}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Title order={5}>Branding</Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Sender name" placeholder={org.name} value={draft.senderName ?? ''} onChange={(e) => set({ senderName: e.currentTarget.value })} disabled={!admin} error={problems['senderName']} />
            <TextInput label="Replies go to" placeholder="accounts@client.example" value={draft.replyTo ?? ''} onChange={(e) => set({ replyTo: e.currentTarget.value })} disabled={!admin} error={problems['replyTo']} />
            <ColorInput label="Brand colour" value={draft.brandColour} onChange={(v) => set({ brandColour: v })} format="hex" disabled={!admin} error={problems['brandColour']} />
            <TextInput label="Logo URL" placeholder="https://…/logo.png" value={draft.logoUrl ?? ''} onChange={(e) => set({ logoUrl: e.currentTarget.value })} disabled={!admin} error={problems['logoUrl']} />
          </SimpleGrid>
          <Textarea label="Signature" autosize minRows={2} value={draft.signature} onChange={(e) => set({ signature: e.currentTarget.value })} disabled={!admin} error={problems['signature']} />
        </Stack>
      </Paper>
      {rest && <Alert color="red">{rest}</Alert>}
      {problems['businessDays'] && (
        <Text c="red" size="sm">
          {problems['businessDays']}
        </Text>
      )}
      {save.isSuccess && !save.isPending && <Alert color="green">Saved.</Alert>}
      {admin && (
        <Group>
          <Button onClick={() => save.mutate(draft)} loading={save.isPending}>
            Save settings
          </Button>
        </Group>
      )}
      <SenderIdentityCard org={org} role={role} />
    </Stack>
  );
}
