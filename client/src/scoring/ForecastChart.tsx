/** Weekly expected collections with their 10–90% band (and, for last quarter, what came in). */
import { Box, Paper, Text } from '@mantine/core';
import { Area, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ForecastWeek } from './api';
import { formatCompact, formatMoney, shortDate } from './format';

interface Props {
  weeks: readonly ForecastWeek[];
  currency: string;
  /** Draw the actual collections beside the forecast. */
  actual?: boolean;
  height?: number;
  label: string;
}

interface Point {
  week: string;
  range: string;
  expected: number;
  band: [number, number];
  actual?: number;
}

function ChartTooltip({ active, payload, currency }: { active?: boolean; payload?: { payload: Point }[]; currency: string }) {
  const p = payload?.[0]?.payload;
  if (!active || !p) return null;
  return (
    <Paper withBorder shadow="sm" p="xs" radius="sm">
      <Text size="xs" fw={600}>
        Week of {p.range}
      </Text>
      <Text size="xs">Expected {formatMoney(p.expected, currency, 0)}</Text>
      <Text size="xs" c="dimmed">
        Likely {formatMoney(p.band[0], currency, 0)} – {formatMoney(p.band[1], currency, 0)}
      </Text>
      {p.actual !== undefined ? <Text size="xs">Actually collected {formatMoney(p.actual, currency, 0)}</Text> : null}
    </Paper>
  );
}

export function ForecastChart({ weeks, currency, actual = false, height = 280, label }: Props) {
  const data: Point[] = weeks.map((w) => ({
    week: shortDate(w.weekStart),
    range: `${shortDate(w.weekStart)} – ${shortDate(w.weekEnd)}`,
    expected: w.expected,
    band: [w.low, w.high],
    ...(actual && w.actual !== undefined ? { actual: w.actual } : {}),
  }));
  return (
    <Box h={height} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--mantine-color-gray-3)" vertical={false} />
          <XAxis dataKey="week" tick={{ fontSize: 11 }} interval={0} angle={-35} textAnchor="end" height={48} />
          <YAxis tick={{ fontSize: 11 }} width={64} tickFormatter={(v: number) => formatCompact(v, currency)} />
          <Tooltip content={<ChartTooltip currency={currency} />} />
          <Legend verticalAlign="top" height={28} iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
          <Area dataKey="band" name="Likely range (10–90%)" type="monotone" stroke="none" fill="var(--mantine-color-blue-2)" fillOpacity={0.7} isAnimationActive={false} />
          <Line dataKey="expected" name="Expected" type="monotone" stroke="var(--mantine-color-blue-7)" strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} />
          {actual ? <Line dataKey="actual" name="Actually collected" type="monotone" stroke="var(--mantine-color-orange-7)" strokeWidth={2} strokeDasharray="5 3" dot={{ r: 2 }} isAnimationActive={false} /> : null}
        </ComposedChart>
      </ResponsiveContainer>
    </Box>
  );
}
