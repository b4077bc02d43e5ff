/**
 * The worklist: customers to act on now across the organisations the caller works on, ranked
 * by the value of acting now (amount × risk × how overdue, less what is already in motion),
 * each with its open invoices, reasons and a "why here" breakdown.
 */
import { Alert, Anchor, Button, Center, Group, Loader, Pagination, Paper, Popover, Select, Stack, Table, Text, ThemeIcon, Title, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { useSession } from '../../session';
import { ScoringPending } from '../../scoring/ScoringPending';
import { type Motion, useMarkContacted, useWorklist, WORKLIST_PAGE_SIZE, type Why, type Worklist, type WorklistCustomer, type WorklistInvoice } from '../../scoring/api';
import { InvoiceRiskBadge, RiskBadge, ScoreChange, SegmentBadge } from '../../scoring/badges';
import { ChangeAlerts } from '../../scoring/ChangedBehaviour';
import { formatMoney, percent, shortDate } from '../../scoring/format';
import { CustomerActions, InvoiceActionsMenu } from '../../writebacks/actions/Actions';

const PROVIDER = { xero: 'Xero', quickbooks: 'QuickBooks' } as const;

const MOTION_COLOR: Record<Motion['kind'], string> = { promised: 'teal.7', on_plan: 'teal.7', disputed: 'grape.7', reminded: 'blue.7', contacted: 'blue.7' };

function WhyHere({ why, currency, rank }: { why: Why; currency: string; rank: number }) {
  const overdue = why.daysOverdue > 0 ? `× ${why.overdueFactor.toFixed(2)} for ${why.daysOverdue} days overdue` : `× ${why.overdueFactor} not due yet${why.daysOverdue === 0 ? ' (due today)' : ` (due in ${-why.daysOverdue} days)`}`;
  return (
    <Popover width={340} position="left" withArrow shadow="md">
      <Popover.Target>
        <Button size="compact-xs" variant="subtle" aria-label={`Why is this invoice ranked here (customer #${rank})`}>
          Why here?
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={2}>
          <Text size="xs" fw={600}>
            Value of acting now
          </Text>
          <Text size="xs">{formatMoney(why.amount, currency)} due</Text>
          <Text size="xs">× {percent(why.risk)} risk of being paid late</Text>
          <Text size="xs">{overdue}</Text>
          <Text size="xs">= {formatMoney(why.base, currency)}</Text>
          {why.motions.map((m) => (
            <Text size="xs" key={m.kind}>
              × {m.factor} already in motion: {m.label}
            </Text>
          ))}
          <Text size="xs" fw={600}>
            = {formatMoney(why.value, currency)}
          </Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

function MotionList({ motions }: { motions: readonly Motion[] }) {
  if (motions.length === 0) return null;
  return (
    <Stack gap={0}>
      {motions.map((m) => (
        <Text key={m.kind} size="xs" c={MOTION_COLOR[m.kind]} fw={500}>
          ● {m.label}
        </Text>
      ))}
    </Stack>
  );
}

function InvoiceRow({ inv, currency, rank, provider, shown, customer }: { inv: WorklistInvoice; currency: string; rank: number; provider: string; shown: ReadonlySet<string>; customer: WorklistCustomer }) {
  // The customer's reasons are in its header already: a row shows only what is its own.
  const own = inv.reasons.find((r) => !shown.has(r.text));
  return (
    <Table.Tr>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm" fw={500}>
          {inv.number}
        </Text>
        <MotionList motions={inv.motions.filter((m) => m.scope === 'invoice')} />
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm">{shortDate(inv.dueDate)}</Text>
        {inv.daysOverdue > 0 ? (
          <Text size="xs" fw={600} c={inv.daysOverdue > 60 ? 'red.8' : inv.daysOverdue > 30 ? 'orange.8' : 'yellow.9'}>
            {inv.daysOverdue} days overdue
          </Text>
        ) : (
          <Text size="xs" c="dimmed">
            {inv.daysOverdue === 0 ? 'due today' : `due in ${-inv.daysOverdue} days`}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm">{formatMoney(inv.amountDue, inv.currency)}</Text>
        <Text size="xs" c="dimmed">
          {formatMoney(inv.amountAtRisk, inv.currency, 0)} at risk
        </Text>
      </Table.Td>
      <Table.Td>
        <InvoiceRiskBadge score={inv} />
        {own ? (
          <Text size="xs" c="dimmed" lineClamp={2} maw={240}>
            {own.text}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm">{shortDate(inv.predictedDate)}</Text>
        <Text size="xs" c="dimmed">
          {shortDate(inv.lowDate)} – {shortDate(inv.highDate)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          <WhyHere why={inv.why} currency={currency} rank={rank} />
          <Anchor href={inv.link} target="_blank" rel="noreferrer" size="xs" style={{ whiteSpace: 'nowrap' }}>
            Open in {provider}
          </Anchor>
          <InvoiceActionsMenu target={{ organisationId: customer.organisationId, contactExternalId: customer.contactExternalId, customerName: customer.name, invoice: { id: inv.invoiceId, number: inv.number, currency: inv.currency, amountDue: inv.amountDue } }} icon />
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

export function CustomerCard({ c, currency, canAct }: { c: WorklistCustomer; currency: string; canAct: boolean }) {
  const mark = useMarkContacted();
  const contacted = c.invoices.some((i) => i.motions.some((m) => m.kind === 'contacted'));
  const provider = PROVIDER[c.provider];
  const shown = new Set(c.reasons.slice(0, 3).map((r) => r.text));
  const customerMotions = (c.invoices[0]?.motions ?? []).filter((m) => m.scope === 'customer');
  return (
    <Paper withBorder radius="md" p="md" data-testid="worklist-customer">
      {/* On a phone the priority and actions go under the customer instead of squeezing it. */}
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Group gap="sm" align="flex-start" wrap="nowrap" style={{ flex: '1 1 260px', minWidth: 0 }}>
          <ThemeIcon variant="light" radius="xl" size="lg" color="gray">
            <Text size="sm" fw={700}>
              {c.rank}
            </Text>
          </ThemeIcon>
          <Stack gap={2}>
            <Group gap="xs">
              <Text fw={600} data-testid="worklist-customer-name">
                {c.name}
              </Text>
              <Text size="sm" c="dimmed">
                {c.organisationName}
              </Text>
            </Group>
            <Group gap={6}>
              {c.score !== null ? <RiskBadge score={c.score} reasons={c.reasons} change={c.change} /> : null}
              {c.segment ? <SegmentBadge segment={c.segment} /> : null}
              <ScoreChange change={c.change} />
            </Group>
            <Text size="xs" c="dimmed" maw={560}>
              {c.reasons
                .slice(0, 3)
                .map((r) => r.text)
                .join(' · ')}
            </Text>
            <MotionList motions={customerMotions} />
            {c.changes.length > 0 ? (
              <div data-testid="worklist-changes">
                <ChangeAlerts alerts={c.changes} />
              </div>
            ) : null}
          </Stack>
        </Group>
        <Stack gap={4} align="flex-end">
          <Tooltip label={`Priority is the sum of its invoices’ value of acting now, in ${currency}: amount × risk × how overdue (up to ×7), less what is in motion, ×1.5 when the customer’s paying behaviour changed. It ranks the list; it is not an amount owed.`} multiline w={280} withArrow>
            <Text size="sm" fw={600} style={{ cursor: 'help', whiteSpace: 'nowrap' }}>
              Priority {Math.round(c.value).toLocaleString('en')}
            </Text>
          </Tooltip>
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {c.open.map((o) => formatMoney(o.amount, o.currency)).join(' + ')} open
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Anchor href={c.link} target="_blank" rel="noreferrer" size="xs">
              Open in {provider}
            </Anchor>
            {canAct ? (
              <Button
                size="compact-xs"
                variant={contacted ? 'light' : 'filled'}
                loading={mark.isPending}
                onClick={() => mark.mutate({ organisationId: c.organisationId, contactExternalId: c.contactExternalId })}
                aria-label={`Mark ${c.name} contacted`}
              >
                {contacted ? 'Contacted again' : 'Mark contacted'}
              </Button>
            ) : null}
          </Group>
          <CustomerActions
            compact
            target={{ organisationId: c.organisationId, contactExternalId: c.contactExternalId, customerName: c.name }}
            openInvoices={c.invoices.map((i) => ({ id: i.invoiceId, number: i.number, currency: i.currency, amountDue: i.amountDue, dueDate: i.dueDate }))}
          />
          {mark.error ? (
            <Text size="xs" c="red">
              {mark.error.message}
            </Text>
          ) : null}
        </Stack>
      </Group>
      <Table.ScrollContainer minWidth={640} mt="sm">
      <Table verticalSpacing={4} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Invoice</Table.Th>
            <Table.Th>Due</Table.Th>
            <Table.Th ta="right">Amount due</Table.Th>
            <Table.Th>Risk</Table.Th>
            <Table.Th>Expected payment</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {c.invoices.map((inv) => (
            <InvoiceRow key={inv.invoiceId} inv={inv} currency={currency} rank={c.rank} provider={provider} shown={shown} customer={c} />
          ))}
        </Table.Tbody>
      </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

export function WorklistPage() {
  const session = useSession();
  const [organisationId, setOrganisationId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const q = useWorklist(organisationId, page);
  const goTo = (p: number) => {
    setPage(p);
    window.scrollTo({ top: 0 });
  };
  // The list shrank under an open page (customers paid, another organisation chosen): show its last page.
  const lastPage = q.data ? Math.max(1, Math.ceil(q.data.totalCustomers / WORKLIST_PAGE_SIZE)) : 1;
  useEffect(() => {
    if (!q.isPlaceholderData && page > lastPage) setPage(lastPage);
  }, [page, lastPage, q.isPlaceholderData]);
  const canAct = session.data?.user?.role !== 'viewer';
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Worklist</Title>
          <Text c="dimmed" size="sm">
            Customers to act on now, ranked by amount × risk × how overdue, less what is already in motion (promises, disputes, plans, recent contact).
          </Text>
        </div>
        <Group gap="sm" align="flex-end">
          <Select
            label="Organisation"
            size="sm"
            w={240}
            allowDeselect={false}
            value={organisationId ?? ''}
            onChange={(v) => {
              setOrganisationId(v ? v : null);
              setPage(1);
            }}
            data={[{ value: '', label: 'All organisations' }, ...(q.data?.organisations ?? []).map((o) => ({ value: o.id, label: o.name }))]}
          />
          <Button component={Link} href="/forecast" variant="light" size="sm">
            Cash forecast
          </Button>
        </Group>
      </Group>
      {q.isPending ? (
        <Center py="xl">
          <Loader aria-label="Loading the worklist" />
        </Center>
      ) : null}
      {q.error ? <Alert color="red">{q.error.message}</Alert> : null}
      {q.data ? (
        <>
          <Group justify="space-between" align="center">
            <Text size="sm" c="dimmed" data-testid="worklist-summary">
              {q.data.totalCustomers} customers with {q.data.totalInvoices} open invoices · values in {q.data.reportingCurrency}
              {pageRange(q.data)}
            </Text>
            <WorklistPager data={q.data} page={page} onChange={goTo} label="Worklist pages" />
          </Group>
          <ScoringPending items={q.data.scoringPending} what="the worklist and its ranking" />
          {q.data.unconverted.length > 0 ? (
            <Alert color="yellow" variant="light">
              No exchange rate to {q.data.reportingCurrency} for {q.data.unconverted.map((o) => `${o.name} (${o.currency})`).join(', ')}: their customers are ranked by amounts in their own currency.
            </Alert>
          ) : null}
          {q.data.totalCustomers === 0 ? (
            <Paper withBorder p="xl" radius="md">
              <Text fw={600}>Nothing to chase</Text>
              <Text size="sm" c="dimmed">
                No open invoices in the organisations you work on. Connect a client’s ledger under Settings to bring them in.
              </Text>
            </Paper>
          ) : null}
          {q.data.customers.map((c) => (
            <CustomerCard key={`${c.organisationId}|${c.contactExternalId}`} c={c} currency={q.data.reportingCurrency} canAct={canAct} />
          ))}
          <Group justify="flex-end">
            <WorklistPager data={q.data} page={page} onChange={goTo} label="Worklist pages (bottom)" />
          </Group>
          <ReasonsLegend />
        </>
      ) : null}
    </Stack>
  );
}

/** " · showing 51–100" when the worklist has more than one page. */
function pageRange(w: Worklist): string {
  if (w.totalCustomers <= w.limit || w.customers.length === 0) return '';
  return ` · showing ${w.offset + 1}–${w.offset + w.customers.length}`;
}

const CONTROL_WORDS = { first: 'First page', previous: 'Previous page', next: 'Next page', last: 'Last page' } as const;

function WorklistPager({ data, page, onChange, label }: { data: Worklist; page: number; onChange: (page: number) => void; label: string }) {
  const pages = Math.ceil(data.totalCustomers / WORKLIST_PAGE_SIZE);
  if (pages <= 1) return null;
  return (
    <nav aria-label={label}>
      <Pagination total={pages} value={Math.min(page, pages)} onChange={onChange} size="sm" getControlProps={(c) => ({ 'aria-label': CONTROL_WORDS[c] })} />
    </nav>
  );
}

function ReasonsLegend() {
  return (
    <Text size="xs" c="dimmed">
      Risk scores are learnt from each organisation’s own payment history, with the firm’s history filling in for customers with few paid invoices. Hover a badge for its reasons.
    </Text>
  );
}

