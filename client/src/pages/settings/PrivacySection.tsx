/**
 * Settings › Privacy (firm admins): a customer's data request (download their data, or erase it
 * with the accounting records kept), retention periods, the audit log, and the firm's own data
 * (download everything, close the account). Everything in words; no ids or internal names shown.
 */
import { Alert, Anchor, Badge, Button, Group, Modal, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useRefreshSession, useSession } from '../../session';
import { notify, notifyError } from '../../writebacks/notify';
import {
  type DebtorMatch,
  type ErasureReasonKey,
  type ErasureResult,
  type Retention,
  useAudit,
  useCloseFirm,
  useCustomerSearch,
  useErase,
  useErasures,
  useRetention,
  useSaveRetention,
} from './privacy-api';

const REASONS: { value: ErasureReasonKey; label: string }[] = [
  { value: 'debtor_request', label: 'The customer asked us to erase their data' },
  { value: 'no_longer_needed', label: 'We no longer need their personal data' },
  { value: 'objection', label: 'The customer objected to how we use their data' },
  { value: 'other', label: 'Another reason' },
];

function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function CustomerRequests() {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [chosen, setChosen] = useState<DebtorMatch | null>(null);
  const [erasing, setErasing] = useState(false);
  const [reason, setReason] = useState<ErasureReasonKey>('debtor_request');
  const [done, setDone] = useState<ErasureResult | null>(null);
  const search = useCustomerSearch(q);
  const erase = useErase();
  const submit = () => {
    setChosen(null);
    setDone(null);
    setQ(text.trim());
  };
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <div>
          <Title order={4}>A customer’s data request</Title>
          <Text size="sm" c="dimmed">
            Find the customer, then download everything Arcus holds about them, or erase it. Invoices, payments and credit notes are kept without their name or contact details: the law requires them to be kept.
          </Text>
        </div>
        <Group align="flex-end">
          <TextInput
            label="Find a customer"
            placeholder="Part of their name or email address"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') submit();
            }}
            w={360}
          />
          <Button onClick={submit} disabled={!text.trim()}>
            Search
          </Button>
        </Group>
        {search.error ? <Alert color="red">{search.error.message}</Alert> : null}
        {search.data && search.data.length === 0 ? <Text size="sm">No customer matches “{q}”.</Text> : null}
        {search.data && search.data.length > 0 && !chosen ? (
          <Table striped highlightOnHover data-testid="privacy-matches">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>Client organisation</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {search.data.map((c) => (
                <Table.Tr key={c.contactId}>
                  <Table.Td>
                    {c.name} {c.erased ? <Badge color="gray">Erased</Badge> : null}
                  </Table.Td>
                  <Table.Td>{c.organisationName}</Table.Td>
                  <Table.Td>{c.email ?? '—'}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="light" onClick={() => setChosen(c)}>
                      Choose
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        {chosen ? (
          <Paper withBorder p="sm" radius="sm" data-testid="privacy-chosen">
            <Stack gap="xs">
              <Text fw={600}>
                {chosen.name} <Text span c="dimmed">· {chosen.organisationName}</Text>
              </Text>
              <Group>
                <Button component="a" href={`/api/privacy/customers/${chosen.contactId}/export?format=json`} download variant="light">
                  Download their data
                </Button>
                <Button component="a" href={`/api/privacy/customers/${chosen.contactId}/export?format=csv`} download variant="light">
                  Download as a spreadsheet (CSV)
                </Button>
                {chosen.erased ? null : (
                  <Button color="red" variant="outline" onClick={() => setErasing(true)}>
                    Erase their personal data…
                  </Button>
                )}
                <Button variant="subtle" onClick={() => setChosen(null)}>
                  Choose another customer
                </Button>
              </Group>
            </Stack>
          </Paper>
        ) : null}
        {done ? (
          <Alert color="green" title="Personal data erased" data-testid="erasure-done">
            From now on this customer is shown as “{done.name}”. {done.retained} No reminders will be sent to them, and a sync from the ledger will not bring their details back.
          </Alert>
        ) : null}
      </Stack>
      <Modal opened={erasing && chosen !== null} onClose={() => setErasing(false)} title={`Erase ${chosen?.name ?? ''}’s personal data?`} size="lg">
        <Stack>
          <Text size="sm">
            Their name, email addresses, phone numbers and postal addresses are removed from Arcus, with the text of the reminder emails sent to them and of notes, promises and disputes about them. Their pay links stop working. This cannot be undone.
          </Text>
          <Text size="sm">Their invoices, payments and credit notes stay, with amounts and dates, so your clients’ accounts and your reports do not change.</Text>
          <Text size="sm" c="dimmed">
            Arcus does not change the client’s ledger: erase the contact in Xero or QuickBooks too if it should go there.
          </Text>
          <Select label="Why" data={REASONS} value={reason} onChange={(v) => v && setReason(v as ErasureReasonKey)} allowDeselect={false} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setErasing(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={erase.isPending}
              onClick={() =>
                chosen &&
                erase.mutate(
                  { contactId: chosen.contactId, reason },
                  {
                    onSuccess: (r) => {
                      setErasing(false);
                      setChosen(null);
                      setQ('');
                      setDone(r);
                    },
                    onError: (e) => notifyError(e, 'The data could not be erased'),
                  },
                )
              }
            >
              Erase personal data
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

function Erasures() {
  const erasures = useErasures();
  if (!erasures.data?.length) return null;
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={4} mb="xs">
        Erasures
      </Title>
      <Table data-testid="privacy-erasures">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Customer</Table.Th>
            <Table.Th>Client organisation</Table.Th>
            <Table.Th>Why</Table.Th>
            <Table.Th>By</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {erasures.data.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>{when(e.erasedAt)}</Table.Td>
              <Table.Td>{e.customer}</Table.Td>
              <Table.Td>{e.organisationName}</Table.Td>
              <Table.Td>{e.reason}</Table.Td>
              <Table.Td>{e.erasedBy ?? 'Arcus (retention)'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

const RETENTION_FIELDS: { key: keyof Retention; label: string; description: string }[] = [
  { key: 'emailBodyDays', label: 'Text of reminder emails sent', description: 'After this many days the subject and text are removed; that an email was sent, and when, stays.' },
  { key: 'activityNoteDays', label: 'Timeline entries and notes', description: 'Notes, promises, disputes and other timeline entries older than this are deleted.' },
  { key: 'closedDebtorDays', label: 'Customers with nothing open', description: 'A customer with nothing owed and no activity for this long has their personal data erased.' },
];

function RetentionCard() {
  const current = useRetention();
  const save = useSaveRetention();
  const [draft, setDraft] = useState<Retention | null>(null);
  useEffect(() => {
    if (current.data) setDraft({ emailBodyDays: current.data.emailBodyDays, activityNoteDays: current.data.activityNoteDays, closedDebtorDays: current.data.closedDebtorDays });
  }, [current.data]);
  if (!draft) return null;
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <div>
          <Title order={4}>How long Arcus keeps data</Title>
          <Text size="sm" c="dimmed">
            In days, at least 30. Leave a field empty to keep that data for as long as the account is open. Checked every day.
            {current.data?.lastRunAt ? ` Last checked ${when(current.data.lastRunAt)}.` : ''}
          </Text>
        </div>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {RETENTION_FIELDS.map((f) => (
            <NumberInput
              key={f.key}
              label={f.label}
              description={f.description}
              placeholder="Keep"
              suffix=" days"
              min={30}
              max={3650}
              allowDecimal={false}
              value={draft[f.key] ?? ''}
              onChange={(v) => setDraft({ ...draft, [f.key]: typeof v === 'number' ? v : v === '' ? null : Number.parseInt(v, 10) || null })}
            />
          ))}
        </SimpleGrid>
        {save.error ? <Alert color="red">{save.error.message.replace(/^\w+: /, '')}</Alert> : null}
        <Group>
          <Button loading={save.isPending} onClick={() => save.mutate(draft, { onSuccess: () => notify({ title: 'Retention saved', message: 'Older data will be deleted at the next daily check.' }) })}>
            Save retention
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function AuditCard() {
  const audit = useAudit();
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <div>
            <Title order={4}>Audit log</Title>
            <Text size="sm" c="dimmed">
              Who did what in the firm: sign-ins, approvals, exports, erasures, settings. Entries cannot be changed or deleted.
            </Text>
          </div>
          <Button component="a" href="/api/privacy/audit?format=csv" download variant="light">
            Download the audit log (CSV)
          </Button>
        </Group>
        {audit.error ? <Alert color="red">{audit.error.message}</Alert> : null}
        <Table.ScrollContainer minWidth={600} mah={420}>
          <Table striped data-testid="audit-log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th>Details</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(audit.data ?? []).map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(e.at)}</Table.Td>
                  <Table.Td>{e.who}</Table.Td>
                  <Table.Td>{e.what}</Table.Td>
                  <Table.Td>{e.summary}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Paper>
  );
}

function FirmDataCard() {
  const session = useSession();
  const refresh = useRefreshSession();
  const close = useCloseFirm();
  const [closing, setClosing] = useState(false);
  const [typed, setTyped] = useState('');
  const firmName = session.data?.firm?.name ?? '';
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <div>
          <Title order={4}>Your firm’s data</Title>
          <Text size="sm" c="dimmed">
            Download everything Arcus holds for the firm as one file, or close the account.
          </Text>
        </div>
        <Group>
          <Button component="a" href="/api/privacy/firm/export" download variant="light">
            Download all of the firm’s data
          </Button>
          <Button color="red" variant="outline" onClick={() => setClosing(true)}>
            Close the account…
          </Button>
        </Group>
      </Stack>
      <Modal opened={closing} onClose={() => setClosing(false)} title="Close the account?" size="lg">
        <Stack>
          <Text size="sm">
            Arcus disconnects every client ledger (its access is revoked with Xero and QuickBooks), then deletes all of the firm’s data: organisations, customers, invoices, reminders, settings, the audit log and the users who belong to no other firm. Download the firm’s data first if you need it. This cannot be undone.
          </Text>
          <TextInput label={`Type the firm’s name, ${firmName}, to confirm`} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} />
          {close.error ? <Alert color="red">{close.error.message.replace(/^\w+: /, '')}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setClosing(false)}>
              Keep the account
            </Button>
            <Button color="red" disabled={typed.trim() !== firmName.trim()} loading={close.isPending} onClick={() => close.mutate(typed, { onSuccess: () => void refresh() })}>
              Close the account permanently
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

export function PrivacySection({ role }: { role: 'admin' | 'collector' | 'viewer' }) {
  if (role !== 'admin') return <Alert color="blue">Only firm admins handle customers’ data requests, retention and the audit log.</Alert>;
  return (
    <Stack gap="md" maw={1100} data-testid="privacy-settings">
      <div>
        <Title order={3}>Privacy</Title>
        <Text c="dimmed" size="sm">
          Your firm’s duties under data protection law, for the customers in your clients’ ledgers. <Anchor href="#audit">Audit log</Anchor> below.
        </Text>
      </div>
      <CustomerRequests />
      <Erasures />
      <RetentionCard />
      <div id="audit">
        <AuditCard />
      </div>
      <FirmDataCard />
    </Stack>
  );
}
