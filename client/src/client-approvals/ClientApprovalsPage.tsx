/**
 * A client contact's Arcus (docs/decisions/024-client-approvals.md): "Waiting for your approval",
 * the changes the firm asks to make in their ledger, each in words (what, for whom, how much, why)
 * with Approve and Decline — a decline needs a comment, which the firm sees on its timeline.
 */
import { Alert, Badge, Button, Card, Center, Container, Group, Loader, Stack, Table, Tabs, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import type { ClientReminderItem } from '../../../server/reminders/client-approval';
import type { ClientApprovalItem } from '../../../server/writebacks/client-approval';
import { api, fieldErrors, formError } from '../api';
import { ClientCommissionsPage } from '../commissions/ClientCommissionsPage';
import { GuestShell } from '../components/GuestShell';
import { ReportPage } from '../pages/report/ReportPage';
import { money } from '../writebacks/labels';
import { ClientDashboardPage } from './ClientDashboardPage';
import { CLIENT_NAV } from './client-nav';

export function ClientApp({ user, firm }: { user: { name: string }; firm: { name: string } }) {
  return (
    <GuestShell user={user} firm={firm}>
      <ClientNav />
      <Switch>
        <Route path="/approvals">
          <ClientApprovalsPage firmName={firm.name} />
        </Route>
        <Route path="/report">
          <ReportPage />
        </Route>
        <Route path="/commissions">
          <ClientCommissionsPage />
        </Route>
        <Route path="/organisations/:id/report">{(params) => <ReportPage organisationId={params.id} />}</Route>
        <Route path="/">
          <ClientDashboardPage firmName={firm.name} />
        </Route>
        <Route>
          <Redirect to="/" />
        </Route>
      </Switch>
    </GuestShell>
  );
}

/** The client's pages as tabs (CLIENT_NAV), with how many things wait for them beside Approvals. */
function ClientNav() {
  const [location, navigate] = useLocation();
  const waiting = useQuery({ queryKey: ['client-approvals'], queryFn: () => api<{ approvals: ClientApprovalItem[]; reminders?: ClientReminderItem[] }>('/client/approvals') });
  const count = (waiting.data?.approvals.length ?? 0) + (waiting.data?.reminders?.length ?? 0);
  const active = CLIENT_NAV.find((n) => n.path !== '/' && location.startsWith(n.path))?.path ?? '/';
  return (
    <Container size="md" px={0} mb="md">
      <Tabs value={active} onChange={(v) => v && navigate(v)} aria-label="Your pages">
        <Tabs.List>
          {CLIENT_NAV.map((n) => (
            <Tabs.Tab key={n.path} value={n.path} rightSection={n.badge === 'approvals' && count > 0 ? <Badge size="sm" color="orange" circle aria-label={`${count} waiting`}>{count}</Badge> : null}>
              {n.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
    </Container>
  );
}

export function ClientApprovalsPage({ firmName }: { firmName: string }) {
  const list = useQuery({ queryKey: ['client-approvals'], queryFn: () => api<{ approvals: ClientApprovalItem[]; reminders?: ClientReminderItem[] }>('/client/approvals') });
  const items = list.data?.approvals ?? [];
  const reminders = list.data?.reminders ?? [];
  return (
    <Container size="sm" px={0}>
      <Stack gap="md">
        <div>
          <Title order={2}>Waiting for your approval</Title>
          <Text c="dimmed" size="sm">
            {firmName} asks before making these changes in your accounts or sending these reminders to your customers. Nothing is written or sent until you approve it.
          </Text>
        </div>
        {list.isPending && (
          <Center py="xl">
            <Loader aria-label="Loading" />
          </Center>
        )}
        {list.error && <Alert color="red">{list.error.message}</Alert>}
        {list.data && items.length === 0 && reminders.length === 0 && (
          <Alert color="teal" title="Nothing is waiting for you">
            When {firmName} asks to add a fee, a credit or a payment plan in your accounts, or to send a reminder you asked to see first, it appears here.
          </Alert>
        )}
        {reminders.map((item) => (
          <ReminderCard key={item.id} item={item} />
        ))}
        {items.map((item) => (
          <ApprovalCard key={item.id} item={item} />
        ))}
      </Stack>
    </Container>
  );
}

function ReminderCard({ item }: { item: ClientReminderItem }) {
  return (
    <Card withBorder radius="md" padding="md" data-testid="client-reminder">
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
          <Title order={3} size="h4">
            A reminder to {item.customer}
          </Title>
          <Badge variant="light" color="gray">
            {item.organisationName}
          </Badge>
        </Group>
        <Text size="sm">
          To <b>{item.to}</b>, subject “{item.subject}”.
        </Text>
        {item.invoices.length > 0 && (
          <Table withTableBorder fz="sm" aria-label="Invoices in this reminder">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Invoice</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th ta="right">Amount due</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {item.invoices.map((i) => (
                <Table.Tr key={i.number}>
                  <Table.Td>{i.number}</Table.Td>
                  <Table.Td>{i.dueOn ?? '—'}</Table.Td>
                  <Table.Td ta="right">{i.amountDue}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Text size="sm">In all: {item.total}.</Text>
        <Text size="sm">Why you are asked: {item.why}.</Text>
        <Text size="xs" c="dimmed">
          Prepared on {item.requestedOn}.
        </Text>
        <Decide id={item.id} approved="Approved. The reminder goes out in the next sending window." />
      </Stack>
    </Card>
  );
}

function Decide({ id, approved }: { id: string; approved: string }) {
  const [declining, setDeclining] = useState(false);
  const [comment, setComment] = useState('');
  const [done, setDone] = useState<string | null>(null);
  // The card stays with its outcome in words; the list is read again on the next visit.
  const after = (words: string) => setDone(words);
  const approve = useMutation({ mutationFn: () => api(`/client/approvals/${id}/approve`, { method: 'POST', body: {} }), onSuccess: () => after(approved) });
  const decline = useMutation({ mutationFn: () => api(`/client/approvals/${id}/decline`, { method: 'POST', body: { comment } }), onSuccess: () => after('Declined. Your accountants see your comment.') });
  const errors = fieldErrors(decline.error);
  const problem = formError(approve.error, []) ?? formError(decline.error, ['comment']);
  return (
    <>
      {problem && <Alert color="red">{problem}</Alert>}
      {done ? (
        <Alert color="teal">{done}</Alert>
      ) : declining ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            decline.mutate();
          }}
        >
          <Stack gap="xs">
            <Textarea label="Why do you decline?" description="Your accountants see this comment." value={comment} onChange={(e) => setComment(e.currentTarget.value)} error={errors['comment']} autosize minRows={2} autoFocus />
            <Group gap="xs">
              <Button type="submit" color="red" loading={decline.isPending}>
                Decline
              </Button>
              <Button variant="default" onClick={() => setDeclining(false)}>
                Back
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Group gap="xs">
          <Button onClick={() => approve.mutate()} loading={approve.isPending}>
            Approve
          </Button>
          <Button variant="default" onClick={() => setDeclining(true)}>
            Decline…
          </Button>
        </Group>
      )}
    </>
  );
}

function ApprovalCard({ item }: { item: ClientApprovalItem }) {
  const title = `${item.what}${item.amount ? ` of ${money(item.amount, item.currency)}` : ''}`;
  return (
    <Card withBorder radius="md" padding="md" data-testid="client-approval">
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
          <Title order={3} size="h4">
            {title}
          </Title>
          <Badge variant="light" color="gray">
            {item.organisationName}
          </Badge>
        </Group>
        <Text size="sm">
          {item.customer ? <>For <b>{item.customer}</b></> : 'For one of your customers'}
          {item.invoiceNumber ? <>, on invoice {item.invoiceNumber}</> : null}.
        </Text>
        <Text size="sm">Why: {item.why}.</Text>
        {item.detail && (
          <Text size="sm" c="dimmed">
            {item.detail}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          Asked by {item.requestedBy} on {item.requestedOn}.
        </Text>
        <Decide id={item.id} approved="Approved. It is on its way to your accounts." />
      </Stack>
    </Card>
  );
}
