/** Policies that apply in this organisation: firm-wide, the organisation's, customer groups', customers'. */
import { Alert, Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { Segment } from '../../scoring/api';
import { SEGMENT_LABEL } from '../../scoring/badges';
import { type Policy, type ReminderOrg, offsetText, usePolicies, useTemplates } from './api';
import { PolicyEditor } from './PolicyEditor';
import type { Role } from './RemindersPage';

/** A step's channel in words. */
const CHANNEL_WORDS: Record<string, string> = { email: 'Email', sms: 'Text message', letter: 'Letter', call: 'Call task' };

const SCOPE_ORDER = { customer: 0, segment: 1, organisation: 2, firm: 3 } as const;

export function scopeText(p: Policy, orgs: ReminderOrg[]): string {
  const org = orgs.find((o) => o.id === p.organisationId)?.name;
  switch (p.scope) {
    case 'firm':
      return 'Every organisation (firm default)';
    case 'organisation':
      return `All customers of ${org ?? 'an organisation'}`;
    case 'segment':
      return `Customers in group “${SEGMENT_LABEL[p.segment as Segment] ?? p.segment}”${org ? ` of ${org}` : ' (any organisation)'}`;
    case 'customer':
      return `One customer of ${org ?? 'an organisation'}`;
  }
}

export function PoliciesTab({ org, orgs, role }: { org: ReminderOrg; orgs: ReminderOrg[]; role: Role }) {
  const policies = usePolicies();
  const templates = useTemplates(org.id);
  const [editing, setEditing] = useState<Policy | 'new' | null>(null);
  const list = (policies.data ?? []).filter((p) => p.organisationId === null || p.organisationId === org.id).sort((a, b) => SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] || a.name.localeCompare(b.name));
  const templateName = (id: string | null) => (id ? (templates.data?.find((t) => t.id === id)?.name ?? 'a deleted template') : 'built-in for the step');
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={640}>
          The most specific policy wins: a customer’s own, then its group’s, then the organisation’s, then the firm’s. Without any, Arcus’s default applies (3 days before, on the due date, 7, 14 and 30 days after, then every 14 days).
        </Text>
        {role === 'admin' && <Button onClick={() => setEditing('new')}>New policy</Button>}
      </Group>
      {policies.error && <Alert color="red">{policies.error.message}</Alert>}
      {policies.data && list.length === 0 && <Alert color="blue">No policies yet: Arcus’s default applies to every customer.</Alert>}
      {list.map((p) => (
        <Card key={p.id} withBorder padding="md" data-testid="policy-card">
          <Group justify="space-between" align="flex-start">
            <Stack gap={4}>
              <Group gap="xs">
                <Text fw={600}>{p.name}</Text>
                {!p.enabled && <Badge color="gray">Off</Badge>}
                <Badge variant="light">{p.grouping === 'customer' ? 'One email per customer' : 'One email per invoice'}</Badge>
              </Group>
              <Text size="sm" c="dimmed">
                {scopeText(p, orgs)}
              </Text>
              <Group gap={6} mt={4}>
                {p.steps.map((s) => (
                  <Badge key={s.key ?? s.offsetDays} variant="outline" tt="none" color={s.approval === 'manual' ? 'yellow' : s.channel === 'email' ? 'blue' : 'gray'} title={`${CHANNEL_WORDS[s.channel] ?? 'Email'} · ${s.channel === 'sms' || s.channel === 'call' ? (s.message ? 'own message' : 'built-in message') : templateName(s.templateId)}${s.approval === 'manual' ? ' · needs approval' : ''}`}>
                    {offsetText(s.offsetDays)}
                    {s.repeatEveryDays ? `, then every ${s.repeatEveryDays} d ×${s.repeatMax}` : ''}
                    {s.channel !== 'email' ? ` (${(CHANNEL_WORDS[s.channel] ?? '').toLowerCase()})` : ''}
                  </Badge>
                ))}
              </Group>
            </Stack>
            {role === 'admin' && (
              <Button variant="default" size="xs" onClick={() => setEditing(p)}>
                Edit
              </Button>
            )}
          </Group>
        </Card>
      ))}
      {editing && <PolicyEditor org={org} orgs={orgs} policy={editing === 'new' ? null : editing} templates={templates.data ?? []} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
