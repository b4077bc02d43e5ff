/**
 * My work: everything the signed-in person is assigned, across all the firm's clients — their
 * customers ranked as the worklist ranks them, follow-ups due, promises due today, broken promises
 * and approvals waiting — and, for managers, each collector's queue and load.
 */
import { ScoringPending } from '../../scoring/ScoringPending';
import { Alert, Anchor, Badge, Center, Group, Loader, Pagination, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { formatMoney, shortDate } from '../../scoring/format';
import { useSession } from '../../session';
import { CustomerCard } from '../worklist/WorklistPage';
import { WaitingRepliesCard } from '../../replies/WaitingRepliesCard';
import { ChangedBehaviourCard } from '../../scoring/ChangedBehaviour';
import { type FollowUpDue, MY_WORK_PAGE_SIZE, type PromiseItem, useMyWork, useTeamQueues } from './api';

function CustomerName({ item }: { item: { contactId: string | null; customerName: string; organisationName: string } }) {
  return (
    <Text size="sm" span>
      {item.contactId ? (
        <Anchor component={Link} href={`/customers/${item.contactId}`} size="sm">
          {item.customerName}
        </Anchor>
      ) : (
        item.customerName
      )}{' '}
      <Text span size="xs" c="dimmed">
        {item.organisationName}
      </Text>
    </Text>
  );
}

function Section({ title, count, empty, children, testId }: { title: string; count: number; empty: string; children: React.ReactNode; testId: string }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId}>
      <Group justify="space-between" mb={6} wrap="nowrap">
        <Text fw={600}>{title}</Text>
        <Badge variant="light" color={count > 0 ? 'blue' : 'gray'}>
          {count}
        </Badge>
      </Group>
      {count === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Stack gap={6}>{children}</Stack>
      )}
    </Paper>
  );
}

function FollowUps({ items }: { items: FollowUpDue[] }) {
  return (
    <Section title="Tasks due" count={items.length} empty="No tasks due today." testId="my-work-follow-ups">
      {items.map((t) => (
        <div key={t.id}>
          <Text size="sm" fw={500}>
            {t.kindName}: {t.title}
          </Text>
          <Group gap={6}>
            <CustomerName item={t} />
            <Text size="xs" c={t.daysOverdue > 0 ? 'red.8' : 'dimmed'}>
              {t.daysOverdue === 0 ? 'due today' : `${t.daysOverdue} ${t.daysOverdue === 1 ? 'day' : 'days'} overdue`}
            </Text>
          </Group>
        </div>
      ))}
    </Section>
  );
}

function Promises({ title, items, empty, testId, late }: { title: string; items: PromiseItem[]; empty: string; testId: string; late?: boolean }) {
  return (
    <Section title={title} count={items.length} empty={empty} testId={testId}>
      {items.map((p) => (
        <div key={`${p.organisationId}|${p.contactExternalId}|${p.invoiceNumber ?? ''}`}>
          <CustomerName item={p} />
          <Text size="xs" c={late ? 'red.8' : 'dimmed'}>
            {p.invoiceNumber ? `Invoice ${p.invoiceNumber}` : 'All open invoices'} · promised for {shortDate(p.promisedDate)}
          </Text>
        </div>
      ))}
    </Section>
  );
}

function TeamQueues() {
  const q = useTeamQueues(true);
  if (q.error) return <Alert color="red">{q.error.message}</Alert>;
  if (!q.data) return null;
  const { reportingCurrency, queues } = q.data;
  return (
    <Paper withBorder radius="md" p="md" data-testid="team-queues">
      <Title order={4} mb="xs">
        Team queues
      </Title>
      <Table.ScrollContainer minWidth={480}>
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Person</Table.Th>
              <Table.Th ta="right">Customers</Table.Th>
              <Table.Th ta="right">Open</Table.Th>
              <Table.Th ta="right">Priority</Table.Th>
              <Table.Th ta="right">Follow-ups due</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {queues.map((t) => (
              <Table.Tr key={t.userId}>
                <Table.Td>
                  <Text size="sm">{t.name}</Text>
                  <Text size="xs" c="dimmed">
                    {t.roleName}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{t.customers}</Table.Td>
                <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                  {formatMoney(t.open, reportingCurrency, 0)}
                </Table.Td>
                <Table.Td ta="right">{Math.round(t.value).toLocaleString('en')}</Table.Td>
                <Table.Td ta="right">{t.tasksDue}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

export function MyWorkPage() {
  const session = useSession();
  const permissions = session.data?.user?.permissions ?? [];
  const [page, setPage] = useState(1);
  const q = useMyWork(page);
  const pages = q.data ? Math.max(1, Math.ceil(q.data.worklist.totalCustomers / MY_WORK_PAGE_SIZE)) : 1;
  useEffect(() => {
    if (!q.isPlaceholderData && page > pages) setPage(pages);
  }, [page, pages, q.isPlaceholderData]);
  const goTo = (p: number) => {
    setPage(p);
    window.scrollTo({ top: 0 });
  };
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>My work</Title>
        <Text c="dimmed" size="sm">
          The customers assigned to you across all your clients, ranked as the worklist ranks them, with what falls due today.
        </Text>
      </div>
      {q.isPending ? (
        <Center py="xl">
          <Loader aria-label="Loading your work" />
        </Center>
      ) : null}
      {q.error ? <Alert color="red">{q.error.message}</Alert> : null}
      {q.data ? (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: q.data.approvalsWaiting === null ? 3 : 4 }} spacing="sm">
            <FollowUps items={q.data.followUps} />
            <Promises title="Promises due today" items={q.data.promisesDueToday} empty="No promises fall due today." testId="my-work-promises-today" />
            <Promises title="Broken promises" items={q.data.brokenPromises} empty="No broken promises in the last 30 days." testId="my-work-broken-promises" late />
            {q.data.approvalsWaiting !== null ? (
              <Section title="Approvals waiting" count={q.data.approvalsWaiting} empty="Nothing waits for your approval." testId="my-work-approvals">
                <Anchor component={Link} href="/approvals" size="sm">
                  Review the changes waiting for approval
                </Anchor>
              </Section>
            ) : null}
          </SimpleGrid>
          <WaitingRepliesCard />
          <ChangedBehaviourCard items={q.data.changedBehaviour} />
          <ScoringPending items={q.data.worklist.scoringPending} what="your customers below" />
          <Group justify="space-between" align="center">
            <Text size="sm" c="dimmed" data-testid="my-work-summary">
              {q.data.worklist.totalCustomers} {q.data.worklist.totalCustomers === 1 ? 'customer' : 'customers'} with {q.data.worklist.totalInvoices} open invoices · values in {q.data.worklist.reportingCurrency}
            </Text>
            {pages > 1 ? (
              <nav aria-label="My work pages">
                <Pagination total={pages} value={Math.min(page, pages)} onChange={goTo} size="sm" />
              </nav>
            ) : null}
          </Group>
          {q.data.worklist.totalCustomers === 0 ? (
            <Paper withBorder p="xl" radius="md">
              <Text fw={600}>No customers assigned to you</Text>
              <Text size="sm" c="dimmed">
                A manager assigns customers under Settings › Team. Until then, the worklist shows every customer of the organisations you work on.
              </Text>
            </Paper>
          ) : null}
          {q.data.worklist.customers.map((c) => (
            <CustomerCard key={`${c.organisationId}|${c.contactExternalId}`} c={c} currency={q.data.worklist.reportingCurrency} canAct={permissions.includes('collect')} />
          ))}
        </>
      ) : null}
      {permissions.includes('team.read') ? <TeamQueues /> : null}
    </Stack>
  );
}
