/**
 * Settings › Connections: connect buttons, the OAuth redirect's outcome as a notification,
 * and one card per connected organisation (polled every 1.5 s while any sync runs).
 */
import { Alert, Group, Loader, Notification, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ConnectToQuickBooksButton, ConnectToXeroButton } from '../../components/ProviderButtons';
import { plural } from '../../format';
import { connectUrl, useOrganisations } from '../../organisations';
import { errorInWords } from './feedback';
import { OrganisationCard } from './OrganisationCard';

interface Feedback {
  id: string;
  color: 'green' | 'red' | 'yellow';
  title: string;
  message: string;
}

/** ?elsewhere= / ?limited= / ?unreadable=: how many organisations were not connected, and why, one sentence each. */
function refusalsInWords(q: URLSearchParams, label: string): string[] {
  const n = (key: string) => {
    const v = Number(q.get(key) ?? '0');
    return Number.isInteger(v) && v > 0 ? v : 0;
  };
  const out: string[] = [];
  const elsewhere = n('elsewhere');
  const limited = n('limited');
  const plan = n('plan');
  const unreadable = n('unreadable');
  if (elsewhere) out.push(`${plural(elsewhere, 'organisation')} ${elsewhere === 1 ? 'is' : 'are'} already connected to another Arcus firm; that firm has to disconnect ${elsewhere === 1 ? 'it' : 'them'} first.`);
  if (plan) out.push(`${plural(plan, 'organisation')} ${plan === 1 ? 'was' : 'were'} not connected: your plan allows no more connected clients, or your subscription is not in good standing. Disconnect a client or change plan to connect more; Settings › Billing says which.`);
  if (limited) out.push(`${label} was rate-limiting Arcus, so ${plural(limited, 'organisation')} could not be read yet; connect ${limited === 1 ? 'it' : 'them'} again in a minute.`);
  if (unreadable) out.push(`${label} did not let Arcus read ${plural(unreadable, 'organisation')}’s details; try connecting ${unreadable === 1 ? 'it' : 'them'} again.`);
  return out;
}

/** Read ?connected= / ?error= once, then tidy the address bar. */
function readFeedback(): Feedback[] {
  const q = new URLSearchParams(window.location.search);
  const out: Feedback[] = [];
  const provider = q.get('provider');
  const label = provider === 'quickbooks' ? 'QuickBooks' : provider === 'xero' ? 'Xero' : 'the ledger';
  const connected = Number(q.get('connected') ?? 'NaN');
  if (Number.isFinite(connected) && connected > 0) {
    out.push({
      id: 'connected',
      color: 'green',
      title: q.get('reconnected') ? `Reconnected to ${label}` : `Connected to ${label}`,
      message: `${plural(connected, 'organisation')} connected. The first sync has started — you can watch it below.`,
    });
  }
  const refusals = refusalsInWords(q, label);
  const error = q.get('error');
  if (error) out.push({ id: 'error', color: 'red', title: 'Not connected', message: [errorInWords(error, provider), ...(error === 'none_connected' ? refusals : [])].join(' ') });
  else if (refusals.length) out.push({ id: 'refused', color: 'yellow', title: 'Some organisations were not connected', message: refusals.join(' ') });
  if (q.get('disconnected_in_provider')) {
    out.push({ id: 'disconnected', color: 'yellow', title: `Disconnected in ${label}`, message: `${label} told Arcus it was disconnected. The organisation’s card below says so once ${label} confirms it; synced history is kept, and Reconnect brings it back.` });
  }
  if (q.get('welcome')) out.push({ id: 'welcome', color: 'green', title: 'Welcome to Arcus', message: 'Your firm is set up. Connect your clients’ Xero organisations and QuickBooks companies to bring in their receivables.' });
  if (out.length) window.history.replaceState(null, '', window.location.pathname);
  return out;
}

export function ConnectionsSection({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  const [feedback, setFeedback] = useState<Feedback[]>(readFeedback);
  const orgs = useOrganisations();
  const isAdmin = role === 'admin';
  return (
    <Stack gap="md" component="section" aria-labelledby="connections-heading">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={3} id="connections-heading">
            Connections
          </Title>
          <Text size="sm" c="dimmed">
            Each client’s ledger, synced every night in its own time zone and whenever the ledger reports a change.
          </Text>
        </div>
        {isAdmin && (
          <Group gap="sm">
            <ConnectToXeroButton href={connectUrl('xero')} />
            <ConnectToQuickBooksButton href={connectUrl('quickbooks')} />
          </Group>
        )}
      </Group>
      {feedback.map((f) => (
        <Notification key={f.id} color={f.color} title={f.title} withBorder onClose={() => setFeedback((list) => list.filter((x) => x.id !== f.id))} role={f.color === 'red' ? 'alert' : 'status'}>
          {f.message}
        </Notification>
      ))}
      {orgs.isPending && <Loader size="sm" aria-label="Loading organisations" />}
      {orgs.error && (
        <Alert color="red" title="Could not load the organisations">
          {orgs.error.message}
        </Alert>
      )}
      {orgs.data?.length === 0 && (
        <Paper withBorder p="xl" radius="md">
          <Text fw={600}>No ledgers connected yet</Text>
          <Text size="sm" c="dimmed">
            {isAdmin ? 'Use Connect to Xero or Connect to QuickBooks to bring in a client’s contacts, invoices and payments.' : 'An admin of your firm can connect clients’ Xero organisations and QuickBooks companies here.'}
          </Text>
        </Paper>
      )}
      {orgs.data?.map((o) => (
        <OrganisationCard key={o.id} org={o} role={role} />
      ))}
    </Stack>
  );
}
