/** An organisation's customers with balances and payment behaviour; a row opens the customer. */
import { Anchor, Text } from '@mantine/core';
import { useLocation } from 'wouter';
import { type Column, DataTable } from './DataTable';
import { formatDate, formatDays, formatMoney, formatPct } from './format';
import type { CustomerSummary } from './types';

export function CustomersTable({ customers, currency, label = 'Customers', compact = false }: { customers: CustomerSummary[]; currency: string; label?: string; compact?: boolean }) {
  const [, navigate] = useLocation();
  const columns: Column<CustomerSummary>[] = [
    {
      key: 'name',
      label: 'Customer',
      wrap: true,
      sort: (c) => c.name.toLowerCase(),
      render: (c) =>
        c.customerId ? (
          <Anchor component="button" type="button" fz="sm" ta="left" onClick={() => navigate(`/customers/${c.customerId}`)}>
            {c.name}
          </Anchor>
        ) : (
          <Text fz="sm">{c.name}</Text>
        ),
    },
    { key: 'ar', label: 'Balance', align: 'right', sort: (c) => c.arEnd, render: (c) => formatMoney(c.arEnd, currency) },
    { key: 'overdue', label: 'Overdue', align: 'right', sort: (c) => c.overdue, render: (c) => <Text fz="sm" c={c.overdue > 0 ? 'red.7' : undefined}>{formatMoney(c.overdue, currency)}</Text> },
    { key: 'oldest', label: 'Oldest', align: 'right', sort: (c) => c.oldestDaysPastDue, render: (c) => formatDays(c.oldestDaysPastDue) },
  ];
  if (!compact) {
    columns.push(
      { key: 'open', label: 'Open', align: 'right', sort: (c) => c.openInvoices, render: (c) => c.openInvoices },
      { key: 'dso', label: 'DSO', align: 'right', sort: (c) => c.dso, render: (c) => formatDays(c.dso) },
      { key: 'adp', label: 'Days to pay', align: 'right', sort: (c) => c.avgDaysToPay, render: (c) => formatDays(c.avgDaysToPay) },
      { key: 'cei', label: 'CEI', align: 'right', sort: (c) => c.cei, render: (c) => formatPct(c.cei) },
      { key: 'last', label: 'Last payment', sort: (c) => c.lastPaymentDate, render: (c) => formatDate(c.lastPaymentDate) },
    );
  }
  return (
    <DataTable
      label={label}
      minWidth={compact ? 420 : 720}
      columns={columns}
      rows={customers}
      rowKey={(c) => c.externalId}
      initialSort={{ key: compact ? 'overdue' : 'ar', desc: true }}
      empty={
        <Text c="dimmed" fz="sm">
          No customers with receivables in this period.
        </Text>
      }
    />
  );
}
