/** One connected organisation: who, status in words, last/next sync, live progress, last run, actions. */
import { Alert, Badge, Button, Card, Group, List, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { ProviderBadge } from '../../components/ProviderButtons';
import { dateTimeIn, dateTimeLocal, duration, plural, relativeTime } from '../../format';
import { connectUrl, type Organisation, type SyncRun, useSyncNow } from '../../organisations';
import { ClientApprovalCard } from './ClientApprovalCard';
import { DeleteDataModal, DisconnectModal, TimezoneModal } from './OrganisationModals';

type Role = 'admin' | 'collector' | 'viewer';

const ENTITY_WORDS: [string, string][] = [
  ['invoices', 'invoice'],
  ['contacts', 'contact'],
  ['payments', 'payment'],
  ['creditNotes', 'credit note'],
  ['overpayments', 'overpayment'],
  ['prepayments', 'prepayment'],
  ['deleted', 'deletion'],
];

function statusBadge(org: Organisation): { label: string; color: string } {
  if (org.status === 'disconnected') return { label: 'Disconnected', color: 'gray' };
  if (org.status === 'needs_reauth') return { label: 'Needs reconnecting', color: 'orange' };
  const run = org.latestRun;
  if (org.syncing) return { label: run?.status === 'queued' ? 'Waiting to sync' : run?.status === 'deferred' ? 'Sync paused' : 'Syncing', color: 'blue' };
  if (run?.status === 'failed') return { label: 'Sync failed', color: 'red' };
  if (run?.status === 'succeeded') return { label: 'Synced', color: 'green' };
  return { label: 'Connected', color: 'teal' };
}

function countsInWords(counts: Record<string, number>): string {
  const parts = ENTITY_WORDS.filter(([k]) => typeof counts[k] === 'number' && (k !== 'deleted' || counts[k]! > 0)).map(([k, one]) => plural(counts[k]!, one));
  return parts.length ? parts.join(', ') : 'no changes';
}

const STAGE_WORDS: Record<string, string> = { contacts: 'contacts', invoices: 'invoices', creditNotes: 'credit notes', overpayments: 'overpayments', prepayments: 'prepayments', payments: 'payments' };

function RunProgress({ run }: { run: SyncRun | null }) {
  const queued = !run || run.status === 'queued';
  const deferred = run?.status === 'deferred';
  const value = queued ? 100 : Math.max(4, run!.progress);
  const label = queued
    ? 'Waiting to start…'
    : deferred
      ? (run!.waiting ?? `Waiting, resumes ${relativeTime(run!.deferredUntil)}`)
      : `Syncing ${run!.stage ? STAGE_WORDS[run!.stage] : ''}… ${plural(run!.records, 'record')} so far`;
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        {run && run.status === 'running' && (
          <Text size="xs" c="dimmed">
            {countsInWords(run.counts)} · {plural(run.apiCalls, 'API call')}
          </Text>
        )}
      </Group>
      <Progress value={value} animated={!deferred} striped color={queued ? 'gray' : 'blue'} size="lg" aria-label="Sync progress" />
    </Stack>
  );
}

/** A sync run's kind and state in words (never the stored value). */
const RUN_KIND_WORDS: Record<string, string> = { full: 'full sync', incremental: 'incremental sync', webhook: 'update from the ledger' };
const RUN_STATUS_WORDS: Record<string, string> = { succeeded: 'finished', failed: 'failed', queued: 'waiting to start', running: 'started', deferred: 'waiting for the ledger' };

export function OrganisationCard({ org, role }: { org: Organisation; role: Role }) {
  const [modal, setModal] = useState<'disconnect' | 'delete' | 'timezone' | null>(null);
  const syncNow = useSyncNow();
  const badge = statusBadge(org);
  const run = org.latestRun;
  const isAdmin = role === 'admin';
  const canSync = role !== 'viewer';
  const active = org.status === 'active';
  return (
    <Card withBorder radius="md" padding="lg" data-testid="organisation-card" aria-label={org.name}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={4}>
            <Group gap="xs">
              <ProviderBadge provider={org.provider} />
              <Text fw={700} size="lg">
                {org.name}
              </Text>
            </Group>
            <Text size="sm" c="dimmed">
              {org.baseCurrency} · {org.timezone}
              {org.countryCode ? ` · ${org.countryCode}` : ''} · {plural(org.documents.invoices, 'invoice')}, {plural(org.documents.contacts, 'contact')} kept in Arcus
            </Text>
          </Stack>
          <Badge color={badge.color} variant="filled" size="lg" styles={{ root: { textTransform: 'none', flexShrink: 0 } }}>
            {badge.label}
          </Badge>
        </Group>

        {org.status !== 'active' && (
          <Alert color={org.status === 'needs_reauth' ? 'orange' : 'gray'} variant="light" title={org.statusText.split(' — ')[0]}>
            {org.statusText.split(' — ').slice(1).join(' — ') || org.statusReason}
          </Alert>
        )}

        <Group gap="xl">
          <Text size="sm">
            <Text span c="dimmed">
              Last sync:{' '}
            </Text>
            <Tooltip label={dateTimeLocal(org.lastSyncAt)} disabled={!org.lastSyncAt}>
              <span>{relativeTime(org.lastSyncAt)}</span>
            </Tooltip>
          </Text>
          <Text size="sm">
            <Text span c="dimmed">
              Next nightly sync:{' '}
            </Text>
            {active ? dateTimeIn(org.nextSyncAt, org.timezone) : 'not scheduled'}
          </Text>
        </Group>

        {org.syncing && <RunProgress run={run} />}

        {run && !org.syncing && (
          <Text size="sm" c="dimmed" data-testid="last-run">
            Last {RUN_KIND_WORDS[run.kind] ?? 'update'} {RUN_STATUS_WORDS[run.status] ?? 'ended'} {relativeTime(run.finishedAt ?? run.createdAt)}: {countsInWords(run.counts)} · {plural(run.apiCalls, 'API call')}
            {run.durationMs !== null ? ` · took ${duration(run.durationMs)}` : ''}
          </Text>
        )}

        {run && active && run.status === 'failed' && !org.syncing && run.errors.length > 0 && (
          <Alert color="red" variant="light" title="The last sync failed">
            <List size="sm">
              {[...new Set(run.errors)].slice(-5).map((e) => (
                <List.Item key={e}>{e}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        {run && run.status === 'succeeded' && !org.syncing && run.errors.length > 0 && (
          <Text size="xs" c="dimmed">
            It recovered from {plural(run.errors.length, 'problem')} along the way: {run.errors.at(-1)}
          </Text>
        )}
        {syncNow.error && (
          <Alert color="red" variant="light">
            {syncNow.error.message}
          </Alert>
        )}

        <Group gap="sm">
          {canSync && active && (
            <Button variant="light" onClick={() => syncNow.mutate({ id: org.id })} loading={syncNow.isPending} disabled={org.syncing}>
              Sync now
            </Button>
          )}
          {isAdmin && (
            <Button component="a" href={connectUrl(org.provider, org.id)} variant={active ? 'subtle' : 'filled'} color={active ? 'gray' : 'blue'}>
              Reconnect
            </Button>
          )}
          {isAdmin && org.status !== 'disconnected' && (
            <Button variant="subtle" color="red" onClick={() => setModal('disconnect')}>
              Disconnect
            </Button>
          )}
          <Button component={Link} href={`/settings/connections/${org.id}/sync-log`} variant="subtle" color="gray">
            Sync log
          </Button>
          {isAdmin && (
            <Button variant="subtle" color="gray" onClick={() => setModal('timezone')}>
              Time zone…
            </Button>
          )}
          {isAdmin && org.status === 'disconnected' && org.documents.invoices + org.documents.contacts > 0 && (
            <Button variant="subtle" color="red" onClick={() => setModal('delete')}>
              Delete synced data…
            </Button>
          )}
        </Group>
        {org.status !== 'disconnected' && <ClientApprovalCard organisationId={org.id} organisationName={org.name} />}
      </Stack>
      <DisconnectModal org={org} opened={modal === 'disconnect'} onClose={() => setModal(null)} />
      <DeleteDataModal org={org} opened={modal === 'delete'} onClose={() => setModal(null)} />
      <TimezoneModal org={org} opened={modal === 'timezone'} onClose={() => setModal(null)} />
    </Card>
  );
}
