/**
 * One customer's statement (issue #19, server/statements/): open items as of a day, or activity
 * for a period with its opening and closing balance; aging; the PDF and the billing-ledger CSV;
 * "Email statement" with a confirmation that names who gets it (the reminders' recipients, less
 * unsubscribed addresses). Every text comes from the server in words.
 */
import { Alert, Anchor, Breadcrumbs, Button, Group, Modal, Paper, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { api } from '../../api';
import { Header, LoadError, Loading } from '../../components/analytics/bits';
import { useApiQuery } from '../../components/analytics/use-api';
import { useCanAct } from '../../writebacks/actions/Actions';
import { notify, notifyError } from '../../writebacks/notify';
import type { StatementView } from '../../../../server/statements/service';

interface StatementAnswer {
  statement: StatementView;
  customerId: string;
  organisationId: string;
  recipients: { to: string[]; unsubscribed: number };
}

type Kind = StatementView['kind'];

function Money({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md" data-fact={label}>
      <Text fz="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text fz="lg" fw={700} style={{ overflowWrap: 'anywhere' }}>
        {value}
      </Text>
    </Paper>
  );
}

export function StatementPage() {
  const { id } = useParams<{ id: string }>();
  const { canAct } = useCanAct();
  const [kind, setKind] = useState<Kind>('open_items');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [currency, setCurrency] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const params = new URLSearchParams({ kind });
  if (kind === 'activity' && from) params.set('from', from);
  if (to) params.set('to', to);
  if (currency) params.set('currency', currency);
  const q = params.toString();
  const answer = useApiQuery<StatementAnswer>(`/customers/${id}/statement?${q}`);
  const send = useMutation({
    mutationFn: (requestId: string) => api<{ message: string }>(`/customers/${id}/statement/email`, { method: 'POST', body: { requestId, kind } }),
    onSuccess: (r) => {
      setConfirming(null);
      notify({ title: 'Email statement', message: r.message });
    },
    onError: (err) => notifyError(err, 'The statement was not sent'),
  });
  if (answer.isPending) return <Loading />;
  if (answer.error) return <LoadError error={answer.error} />;
  const { statement: s, recipients } = answer.data;
  const csv = `/api/customers/${id}/billing-ledger.csv?currency=${encodeURIComponent(s.currency)}`;
  return (
    <Stack gap="md">
      <Breadcrumbs separatorMargin={6} style={{ flexWrap: 'wrap' }}>
        <Anchor component={Link} href={`/organisations/${answer.data.organisationId}`} fz="sm">
          {s.organisationName}
        </Anchor>
        <Anchor component={Link} href={`/customers/${id}`} fz="sm">
          {s.customerName}
        </Anchor>
        <Text fz="sm">Statement</Text>
      </Breadcrumbs>
      <Header
        title={
          <div>
            <Title order={2}>Statement</Title>
            <Text c="dimmed" fz="sm">
              {s.customerName} · {s.kindText} · {s.periodText}
            </Text>
          </div>
        }
      >
        <Group gap="xs" wrap="wrap">
          <Button component="a" variant="light" size="xs" href={`/api/customers/${id}/statement/pdf?${q}`} download>
            Download PDF
          </Button>
          <Button component="a" variant="default" size="xs" href={csv} download>
            Download billing ledger CSV
          </Button>
          {canAct && (
            <Button size="xs" onClick={() => setConfirming(crypto.randomUUID())}>
              Email statement
            </Button>
          )}
        </Group>
      </Header>

      <Paper withBorder p="sm" radius="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <SegmentedControl
            size="xs"
            aria-label="Kind of statement"
            transitionDuration={0}
            value={kind}
            onChange={(v) => setKind(v as Kind)}
            data={[
              { value: 'open_items', label: 'Open items' },
              { value: 'activity', label: 'Activity' },
            ]}
          />
          {kind === 'activity' && <TextInput size="xs" type="date" label="From" value={from || s.from} max={to || s.to} onChange={(e) => setFrom(e.currentTarget.value)} />}
          <TextInput size="xs" type="date" label={kind === 'activity' ? 'To' : 'As of'} value={to || s.to} onChange={(e) => setTo(e.currentTarget.value)} />
          {s.currencies.length > 1 && <Select size="xs" label="Currency" data={s.currencies} value={s.currency} onChange={setCurrency} allowDeselect={false} w={110} />}
        </Group>
      </Paper>

      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        {s.opening !== null && <Money label="Opening balance" value={s.opening} />}
        <Money label="Closing balance" value={s.closing} />
        {/* The model signs credit as negative (it lowers the balance); the label already says it is credit. */}
        {s.unapplied && <Money label="Credit not yet applied" value={s.unapplied.replace(/^−/, '')} />}
      </SimpleGrid>

      <Paper withBorder p="md" radius="md">
        <Text fw={600} mb="sm">
          Aging
        </Text>
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="xs">
          {s.aging.map((a) => (
            <div key={a.name} data-aging={a.name}>
              <Text fz="xs" c="dimmed">
                {a.name}
              </Text>
              <Text fz="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                {a.amount}
              </Text>
            </div>
          ))}
        </SimpleGrid>
      </Paper>

      <Paper withBorder p="md" radius="md">
        <Text fw={600} mb="sm">
          {s.kind === 'activity' ? 'Activity' : 'Open items'}
        </Text>
        {s.lines.length === 0 ? (
          <Text c="dimmed">{s.kind === 'activity' ? 'Nothing happened in this period.' : 'Nothing is open.'}</Text>
        ) : (
          <>
          {/* On a phone each line is a short block; from a tablet up, a table. */}
          <Stack gap={0} hiddenFrom="sm" data-testid="statement-lines-phone">
            {s.lines.map((l) => (
              <Group key={`${l.raw.date}|${l.type}|${l.document}|${l.reference}|${l.raw.balance}`} justify="space-between" align="flex-start" wrap="nowrap" gap="sm" py="xs" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
                <div style={{ minWidth: 0 }}>
                  <Text fz="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {l.type} {l.document}
                  </Text>
                  <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {l.date}
                    {l.due ? ` · due ${l.due}` : ''}
                    {l.reference && l.reference !== l.document ? ` · ${l.reference}` : ''}
                  </Text>
                </div>
                <div style={{ textAlign: 'right', whiteSpace: 'nowrap' }}>
                  <Text fz="sm" fw={600}>
                    {l.balance}
                  </Text>
                  <Text fz="xs" c="dimmed">
                    {l.debit || l.credit}
                  </Text>
                </div>
              </Group>
            ))}
          </Stack>
          <Table.ScrollContainer minWidth={640} visibleFrom="sm">
            <Table striped fz="sm" aria-label="Statement lines">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Document</Table.Th>
                  <Table.Th>Due</Table.Th>
                  <Table.Th ta="right">Debit</Table.Th>
                  <Table.Th ta="right">Credit</Table.Th>
                  <Table.Th ta="right">{s.kind === 'activity' ? 'Balance' : 'Open'}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.lines.map((l) => (
                  <Table.Tr key={`${l.raw.date}|${l.type}|${l.document}|${l.reference}|${l.raw.debit}|${l.raw.credit}|${l.raw.balance}`}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{l.date}</Table.Td>
                    <Table.Td>{l.type}</Table.Td>
                    <Table.Td>
                      {l.document}
                      {l.reference && l.reference !== l.document && (
                        <Text fz="xs" c="dimmed">
                          {l.reference}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{l.due}</Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{l.debit}</Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{l.credit}</Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{l.balance}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          </>
        )}
      </Paper>

      <Modal opened={confirming !== null} onClose={() => setConfirming(null)} title="Email this statement?">
        <Stack gap="sm">
          {recipients.to.length === 0 ? (
            <Alert color="orange">{recipients.unsubscribed > 0 ? 'Every address for this customer has unsubscribed from emails, so there is no one to send it to.' : 'This customer has no email address to send it to.'}</Alert>
          ) : (
            <>
              <Text fz="sm">
                The {s.kindText.toLowerCase()} statement ({s.periodText}) goes to {s.customerName} at:
              </Text>
              <Stack gap={2} data-testid="statement-recipients">
                {recipients.to.map((a) => (
                  <Text key={a} fz="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {a}
                  </Text>
                ))}
              </Stack>
              {recipients.unsubscribed > 0 && (
                <Text fz="xs" c="dimmed">
                  {recipients.unsubscribed === 1 ? 'One address that unsubscribed is left out.' : `${recipients.unsubscribed} addresses that unsubscribed are left out.`}
                </Text>
              )}
            </>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
            <Button disabled={recipients.to.length === 0} loading={send.isPending} onClick={() => confirming && send.mutate(confirming)}>
              Send
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
