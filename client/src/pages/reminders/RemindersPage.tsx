/**
 * Reminders: per organisation, the outbox and sent log, what goes out tomorrow, policies,
 * templates and settings; plus one reminder's page and a customer's reminder timeline.
 *
 *   /reminders[/outbox|tomorrow|policies|templates|settings]?org=ID
 *   /reminders/sends/:id
 *   /reminders/customers/:organisationId/:contactExternalId
 */
import { Alert, Anchor, Badge, Group, Loader, Select, Stack, Tabs, Text, Title } from '@mantine/core';
import { Link, useLocation, useRoute, useSearch } from 'wouter';
import { type ReminderOrg, useReminderOrgs } from './api';
import { CustomerReminders } from './CustomerReminders';
import { LettersTab } from './LettersTab';
import { OutboxTab } from './OutboxTab';
import { PoliciesTab } from './PoliciesTab';
import { PreviewTab } from './PreviewTab';
import { SendPage } from './SendPage';
import { SettingsTab } from './SettingsTab';
import { TemplatesTab } from './TemplatesTab';

export type Role = 'admin' | 'collector' | 'viewer';

const TABS = [
  { value: 'outbox', label: 'Outbox & sent' },
  { value: 'tomorrow', label: 'Tomorrow' },
  { value: 'letters', label: 'Letters' },
  { value: 'policies', label: 'Policies' },
  { value: 'templates', label: 'Templates' },
  { value: 'settings', label: 'Settings' },
] as const;

function OrgSummary({ org }: { org: ReminderOrg }) {
  return (
    <Group gap="xs">
      <Badge color={org.enabled ? 'green' : 'gray'} variant="light">
        {org.enabled ? 'Reminders on' : 'Reminders off'}
      </Badge>
      <Text size="sm" c="dimmed">
        {org.window} {org.timezone} · {org.sentToday} of {org.dailyLimit} sent today
        {org.counts.pendingApproval ? ` · ${org.counts.pendingApproval} waiting for approval` : ''}
        {org.counts.failed ? ` · ${org.counts.failed} failed` : ''}
      </Text>
    </Group>
  );
}

export function RemindersSection({ role }: { role: Role }) {
  const [isSend, sendParams] = useRoute('/reminders/sends/:id');
  const [isCustomer, customerParams] = useRoute('/reminders/customers/:org/:contact');
  const [, tabParams] = useRoute('/reminders/:tab');
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const orgs = useReminderOrgs();

  if (isSend) return <SendPage id={sendParams!.id} role={role} />;
  if (isCustomer) return <CustomerReminders organisationId={customerParams!.org} contactExternalId={decodeURIComponent(customerParams!.contact)} role={role} />;

  const tab = TABS.some((t) => t.value === tabParams?.tab) ? tabParams!.tab : 'outbox';
  const list = orgs.data?.organisations ?? [];
  const orgId = search.get('org') && list.some((o) => o.id === search.get('org')) ? search.get('org')! : (list.find((o) => o.status === 'active')?.id ?? list[0]?.id ?? null);
  const org = list.find((o) => o.id === orgId) ?? null;
  const go = (t: string, o = orgId) => navigate(`/reminders/${t}${o ? `?org=${o}` : ''}`);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Reminders</Title>
          <Text c="dimmed">Dunning policies, templates and every reminder sent, per client organisation.</Text>
        </div>
        <Group gap="sm" align="flex-end">
          {orgs.data?.embedded && (
            <Anchor component={Link} href="/mailbox" size="sm">
              Demo mailbox
            </Anchor>
          )}
          <Select label="Organisation" aria-label="Organisation" w={280} data={list.map((o) => ({ value: o.id, label: o.name }))} value={orgId} onChange={(v) => v && go(tab, v)} allowDeselect={false} />
        </Group>
      </Group>
      {orgs.isPending && <Loader />}
      {orgs.error && <Alert color="red">{orgs.error.message}</Alert>}
      {orgs.data && list.length === 0 && (
        <Alert color="blue" title="No organisations yet">
          Connect a client’s Xero organisation or QuickBooks company under Settings; its reminders are set up here.
        </Alert>
      )}
      {org && <OrgSummary org={org} />}
      {org && (
        <Tabs value={tab} onChange={(v) => v && go(v)} keepMounted={false}>
          <Tabs.List>
            {TABS.map((t) => (
              <Tabs.Tab key={t.value} value={t.value}>
                {t.label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          <Tabs.Panel value="outbox" pt="md">
            <OutboxTab org={org} role={role} />
          </Tabs.Panel>
          <Tabs.Panel value="tomorrow" pt="md">
            <PreviewTab org={org} />
          </Tabs.Panel>
          <Tabs.Panel value="letters" pt="md">
            <LettersTab org={org} role={role} />
          </Tabs.Panel>
          <Tabs.Panel value="policies" pt="md">
            <PoliciesTab org={org} orgs={list} role={role} />
          </Tabs.Panel>
          <Tabs.Panel value="templates" pt="md">
            <TemplatesTab org={org} role={role} />
          </Tabs.Panel>
          <Tabs.Panel value="settings" pt="md">
            <SettingsTab org={org} role={role} />
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}
