/** An organisation's invoices with status filters, in each invoice's own currency. */
import { Anchor, Badge, Group, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { Link } from 'wouter';
import { ExportCsvButton, LoadError, Loading } from './bits';
import { type Column, DataTable } from './DataTable';
import { formatDate, formatListDate, formatMoney, INVOICE_STATUS_WORDS, invoiceName } from './format';
import type { InvoiceRow } from './types';
import { useApiQuery } from './use-api';

const STATUS_COLORS = { open: 'blue', overdue: 'red', paid: 'teal' } as const;

interface InvoiceList {
  total: number;
  asOf: string;
  invoices: InvoiceRow[];
  totalsByCurrency: { currency: string; invoices: number; total: number; balance: number }[];
}

/** `actions` renders a last column per row (the invoices page's Actions menu). */
export function InvoicesTable({ organisationId, timeZone, actions }: { organisationId: string; timeZone?: string; actions?: (row: InvoiceRow & { customerExternalId?: string }) => ReactNode }) {
  const [status, setStatus] = useState('open');
  const [q, setQ] = useState('');
  const path = `/organisations/${organisationId}/invoices?status=${status}${q.trim() ? `&q=${encodeURIComponent(q.trim())}` : ''}`;
  const list = useApiQuery<InvoiceList>(`${path}&limit=200`);
  const columns: Column<InvoiceRow>[] = [
    {
      key: 'number',
      label: 'Invoice',
      sort: (r) => r.number,
      render: (r) => (
        <Anchor href={r.link} target="_blank" rel="noreferrer" fz="sm">
          {invoiceName(r)}
        </Anchor>
      ),
    },
    {
      key: 'customer',
      label: 'Customer',
      wrap: true,
      sort: (r) => r.customerName.toLowerCase(),
      render: (r) =>
        r.customerId ? (
          <Anchor component={Link} href={`/customers/${r.customerId}`} fz="sm">
            {r.customerName}
          </Anchor>
        ) : (
          r.customerName
        ),
    },
    { key: 'issue', label: 'Issued', sort: (r) => r.issueDate, render: (r) => formatListDate(r.issueDate, timeZone) },
    { key: 'due', label: 'Due', sort: (r) => r.dueDate, render: (r) => formatListDate(r.dueDate, timeZone) },
    { key: 'total', label: 'Total', align: 'right', sort: (r) => r.total, render: (r) => formatMoney(r.total, r.currency) },
    { key: 'balance', label: 'Balance', align: 'right', sort: (r) => r.balance, render: (r) => formatMoney(r.balance, r.currency) },
    { key: 'late', label: 'Days late', align: 'right', sort: (r) => r.daysPastDue, render: (r) => r.daysPastDue ?? '—' },
    {
      key: 'status',
      label: 'Status',
      sort: (r) => r.status,
      render: (r) => (
        <Badge variant="light" tt="none" color={STATUS_COLORS[r.status]}>
          {INVOICE_STATUS_WORDS[r.status] ?? 'Other'}
        </Badge>
      ),
    },
  ];
  if (actions) columns.push({ key: 'actions', label: '', align: 'right', render: (r) => actions(r) });
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap="sm">
          <SegmentedControl
            size="xs"
            value={status}
            onChange={setStatus}
            aria-label="Invoice status"
            data={[
              { value: 'open', label: 'Open' },
              { value: 'overdue', label: 'Overdue' },
              { value: 'paid', label: 'Paid' },
              { value: 'all', label: 'All' },
            ]}
          />
          <TextInput size="xs" placeholder="Search number, reference, customer" value={q} onChange={(e) => setQ(e.currentTarget.value)} aria-label="Search invoices" w={260} />
        </Group>
        <ExportCsvButton path={path} />
      </Group>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <LoadError error={list.error} />
      ) : (
        <>
          <Text fz="sm" c="dimmed">
            {list.data.total} invoice{list.data.total === 1 ? '' : 's'} as of {formatDate(list.data.asOf)}
            {list.data.total > list.data.invoices.length ? ` (first ${list.data.invoices.length} shown; the CSV has all)` : ''}
            {list.data.totalsByCurrency.map((t) => ` · ${formatMoney(t.balance, t.currency)} open in ${t.currency}`).join('')}
          </Text>
          <DataTable label="Invoices" columns={columns} rows={list.data.invoices} rowKey={(r) => r.id} empty={<Text c="dimmed">No invoices match.</Text>} />
        </>
      )}
    </Stack>
  );
}
