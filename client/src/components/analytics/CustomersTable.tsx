/** An organisation's customers with balances and payment behaviour; a row opens the customer. */
import { Anchor, Text } from '@mantine/core';
import { useLocation } from 'wouter';
import { Figure } from './bits';
import { type Column, DataTable } from './DataTable';
import { figureOrReason, formatDays, formatListDate, formatMoney, formatPct } from './format';
import type { CustomerFigureKey, CustomerSummary } from './types';

function figure(c: CustomerSummary, key: CustomerFigureKey, format: (v: number | null) => string) {
  const f = figureOrReason(c[key], format, c.why[key]);
  return <Figure text={f.text} why={f.why} />;
}

/**
 * Per customer, DSO (AR / S × D) is not shown: a customer's sales in a period are too few for it
 * (server/analytics/customer-figures.ts). Days late, ADD and DSO counted back through its sales are.
 */
/** `extraColumns` go after the name; `sort` + `onSortChange`: the rows come sorted (by the server) and a header click asks for another order. */
export function CustomersTable<T extends CustomerSummary = CustomerSummary>({
  customers,
  currency,
  timeZone,
  label = 'Customers',
  compact = false,
  extraColumns = [],
  sort,
  onSortChange,
}: {
  customers: T[];
  currency: string;
  timeZone?: string;
  label?: string;
  compact?: boolean;
  extraColumns?: Column<T>[];
  sort?: { key: string; desc: boolean } | null;
  onSortChange?: (sort: { key: string; desc: boolean }) => void;
}) {
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
      { key: 'late', label: 'Avg days late', align: 'right', sort: (c) => c.avgDaysLate, render: (c) => figure(c, 'avgDaysLate', formatDays) },
      { key: 'add', label: 'ADD', align: 'right', sort: (c) => c.add, render: (c) => figure(c, 'add', formatDays) },
      { key: 'cbdso', label: 'Countback DSO', align: 'right', sort: (c) => c.dsoCountback, render: (c) => figure(c, 'dsoCountback', formatDays) },
      { key: 'cei', label: 'CEI', align: 'right', sort: (c) => c.cei, render: (c) => figure(c, 'cei', formatPct) },
      { key: 'last', label: 'Last payment', sort: (c) => c.lastPaymentDate, render: (c) => formatListDate(c.lastPaymentDate, timeZone) },
    );
  }
  const shown: Column<T>[] = [...columns.slice(0, 1), ...extraColumns, ...columns.slice(1)];
  return (
    <DataTable
      label={label}
      minWidth={compact ? 420 : 860}
      columns={shown}
      rows={customers}
      rowKey={(c) => c.externalId}
      initialSort={{ key: compact ? 'overdue' : 'ar', desc: true }}
      sort={sort}
      onSortChange={onSortChange}
      empty={
        <Text c="dimmed" fz="sm">
          No customers with receivables in this period.
        </Text>
      }
    />
  );
}
