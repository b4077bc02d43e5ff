/** Receivables by customer or by the ledger's tracking categories (Xero) / classes and departments (QuickBooks). */
import { Group, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { ExportCsvButton, LoadError, Loading } from '../../components/analytics/bits';
import { type Column, DataTable } from '../../components/analytics/DataTable';
import { formatDays, formatMoney, formatPct } from '../../components/analytics/format';
import type { SegmentRow } from '../../components/analytics/types';
import { useApiQuery, withQuery } from '../../components/analytics/use-api';
import type { Segment } from '../../scoring/api';
import { SEGMENT_LABEL } from '../../scoring/badges';

/** A risk segment's key in words ("chronic_late" → "Chronic late"); other groupings are names already. */
const segmentName = (by: Segments['by'], segment: string) => (by === 'risk' ? (SEGMENT_LABEL[segment as Segment] ?? (segment === 'not scored' ? 'Not scored' : segment)) : segment);

interface Segments {
  by: 'customer' | 'tracking' | 'risk';
  category: string | null;
  categories: string[];
  segments: SegmentRow[];
}

export function SegmentsTab({ organisationId, currency, query }: { organisationId: string; currency: string; query: string }) {
  const [by, setBy] = useState<'customer' | 'tracking' | 'risk'>('customer');
  const [category, setCategory] = useState<string | null>(null);
  const path = withQuery(`/organisations/${organisationId}/segments?by=${by}`, by === 'tracking' && category ? `category=${encodeURIComponent(category)}` : '', query);
  const seg = useApiQuery<Segments>(path);
  const columns: Column<SegmentRow>[] = [
    { key: 'segment', label: by === 'customer' ? 'Customer' : by === 'risk' ? 'Risk segment' : (seg.data?.category ?? 'Segment'), sort: (s) => segmentName(by, s.segment).toLowerCase(), render: (s) => segmentName(by, s.segment) },
    { key: 'ar', label: 'Receivables', align: 'right', sort: (s) => s.arEnd, render: (s) => formatMoney(s.arEnd, currency) },
    { key: 'share', label: 'Share', align: 'right', sort: (s) => s.shareOfAr, render: (s) => formatPct(s.shareOfAr) },
    { key: 'overdue', label: 'Overdue', align: 'right', sort: (s) => s.overduePct, render: (s) => formatPct(s.overduePct) },
    { key: 'sales', label: 'Sales', align: 'right', sort: (s) => s.creditSales, render: (s) => formatMoney(s.creditSales, currency) },
    { key: 'dso', label: 'DSO', align: 'right', sort: (s) => s.dso, render: (s) => formatDays(s.dso) },
    { key: 'cei', label: 'CEI', align: 'right', sort: (s) => s.cei, render: (s) => formatPct(s.cei) },
    { key: 'dbt', label: 'DBT', align: 'right', sort: (s) => s.dbt, render: (s) => formatDays(s.dbt) },
  ];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap="sm">
          <SegmentedControl
            size="xs"
            value={by}
            onChange={(v) => setBy(v as 'customer' | 'tracking' | 'risk')}
            aria-label="Segment by"
            data={[
              { value: 'customer', label: 'By customer' },
              { value: 'tracking', label: 'By tracking category' },
              { value: 'risk', label: 'By risk segment' },
            ]}
          />
          {by === 'tracking' && seg.data && seg.data.categories.length > 0 && (
            <Select size="xs" w={200} aria-label="Tracking category" data={seg.data.categories} value={seg.data.category} onChange={setCategory} allowDeselect={false} />
          )}
        </Group>
        <ExportCsvButton path={path} />
      </Group>
      <Text fz="xs" c="dimmed">
        Risk segments come from customer scoring (customers not scored yet are grouped as “not scored”). Invoices split across tracking options pro rata by their line amounts.
      </Text>
      {seg.isPending ? (
        <Loading />
      ) : seg.error ? (
        <LoadError error={seg.error} />
      ) : by === 'tracking' && seg.data.categories.length === 0 ? (
        <Text c="dimmed">This ledger has no tracking categories (Xero) or classes / departments (QuickBooks) on its invoice lines.</Text>
      ) : (
        <DataTable label="Segments" columns={columns} rows={seg.data.segments} rowKey={(s) => s.segment} initialSort={{ key: 'ar', desc: true }} />
      )}
    </Stack>
  );
}
