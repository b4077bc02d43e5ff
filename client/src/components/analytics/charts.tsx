/** Charts for the analytics pages (@mantine/charts on recharts). */
import '@mantine/charts/styles.css';
import { BarChart, LineChart } from '@mantine/charts';
import { formatMoney, formatMonth } from './format';
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

export function TrendChart({ series, lines, unit }: { series: SeriesPoint[]; lines: { key: 'dso' | 'bestPossibleDso' | 'cei'; label: string; color: string }[]; unit: string }) {
  const data = series.map((p) => ({ month: formatMonth(p.month), dso: p.dso, bestPossibleDso: p.bestPossibleDso, cei: p.cei }));
  return (
    <LineChart
      h={220}
      data={data}
      dataKey="month"
      series={lines.map((l) => ({ name: l.key, label: l.label, color: l.color }))}
      curveType="monotone"
      connectNulls
      withLegend={lines.length > 1}
      valueFormatter={(v) => `${v.toFixed(1)}${unit}`}
      yAxisProps={{ tickFormatter: (v: number) => v.toFixed(0), width: 40 }}
      tickLine="y"
      xAxisProps={{ minTickGap: 18 }}
    />
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
