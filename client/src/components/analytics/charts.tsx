/** Charts for the analytics pages (@mantine/charts on recharts). */
import '@mantine/charts/styles.css';
import { BarChart, ChartLegend, ChartTooltip, LineChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { formatDate, formatMoney, formatMonth } from './format';
import type { SeriesPoint } from './types';

export function AgingChart({ aging, currency }: { aging: { label: string; amount: number }[]; currency: string }) {
  return (
    <BarChart
      h={240}
      data={aging.map((a) => ({ bucket: a.label.replace(' days', ''), amount: a.amount }))}
      dataKey="bucket"
      series={[{ name: 'amount', label: 'Receivables', color: 'blue.6' }]}
      barProps={{ radius: 4 }}
      valueFormatter={(v) => formatMoney(v, currency, true)}
      withBarValueLabel
      tickLine="y"
      xAxisProps={{ interval: 0 }}
    />
  );
}

type TrendKey = 'dso' | 'bestPossibleDso' | 'cei';

/**
 * Chart rows for a trend: each line's value for whole months, and a `<key>Partial` value on the
 * last whole month and the month to date, so the month to date is drawn as a dashed stretch
 * (its figures cover part of a month and are not comparable with whole months).
 */
export function trendRows(series: SeriesPoint[], keys: TrendKey[]): Record<string, string | number | null>[] {
  const last = series.length - 1;
  return series.map((p, i) => {
    const row: Record<string, string | number | null> = { month: p.partial ? `${formatMonth(p.month)} (to date)` : formatMonth(p.month) };
    for (const k of keys) {
      const joinsPartial = i === last - 1 && series[last]?.partial === true;
      row[k] = p.partial ? null : p[k];
      row[`${k}Partial`] = p.partial || joinsPartial ? p[k] : null;
    }
    return row;
  });
}

export function TrendChart({ series, lines, unit }: { series: SeriesPoint[]; lines: { key: TrendKey; label: string; color: string }[]; unit: string }) {
  const partial = series.at(-1)?.partial ? series.at(-1)! : null;
  const data = trendRows(
    series,
    lines.map((l) => l.key),
  );
  const chartSeries = lines.flatMap((l) => [
    { name: l.key, label: l.label, color: l.color },
    ...(partial ? [{ name: `${l.key}Partial`, label: `${l.label}, month to date`, color: l.color, strokeDasharray: '5 4' }] : []),
  ]);
  return (
    <>
      <LineChart
        h={220}
        data={data}
        dataKey="month"
        series={chartSeries}
        curveType="monotone"
        connectNulls
        withLegend={lines.length > 1}
        valueFormatter={(v) => `${v.toFixed(1)}${unit}`}
        yAxisProps={{ tickFormatter: (v: number) => v.toFixed(0), width: 40 }}
        tickLine="y"
        xAxisProps={{ minTickGap: 18 }}
        // The month-to-date stretches share their line's colour and are explained under the chart: one legend entry per line.
        legendProps={{ content: ({ payload }) => <ChartLegend payload={(payload ?? []).filter((item) => !String(item.dataKey).endsWith('Partial'))} series={chartSeries} legendPosition="top" onHighlight={() => {}} /> }}
        tooltipProps={{
          content: ({ label, payload }) => (
            <ChartTooltip
              label={label}
              // The last whole month carries both its own value and the start of the dashed stretch: show it once.
              payload={(payload ?? []).filter((item) => !(String(item.name).endsWith('Partial') && (payload ?? []).some((o) => o.name === String(item.name).replace(/Partial$/, '') && o.value !== null && o.value !== undefined)))}
              series={chartSeries}
              valueFormatter={(v) => `${v.toFixed(1)}${unit}`}
            />
          ),
        }}
      />
      {partial && (
        <Text fz="xs" c="dimmed" mt={4} data-testid="partial-month-note">
          {formatMonth(partial.month)} is month to date (to {formatDate(partial.to)}), drawn dashed: a month that is not over yet reads lower or higher than a whole one.
        </Text>
      )}
    </>
  );
}

export function PaymentHistoryChart({ history, currency }: { history: { month: string; invoiced: number; collected: number }[]; currency: string }) {
  return (
    <BarChart
      h={240}
      data={history.map((h) => ({ ...h, month: formatMonth(h.month) }))}
      dataKey="month"
      series={[
        { name: 'invoiced', label: 'Invoiced', color: 'blue.5' },
        { name: 'collected', label: 'Collected', color: 'teal.6' },
      ]}
      withLegend
      valueFormatter={(v) => formatMoney(v, currency, true)}
      tickLine="y"
      xAxisProps={{ minTickGap: 18 }}
    />
  );
}
