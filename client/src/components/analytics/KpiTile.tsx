/** A KPI tile; hovering it shows the metric's formula and this period's workings. */
import { Paper, Stack, Text, Tooltip } from '@mantine/core';
import { formatDays, formatMoney, formatPct } from './format';
import type { Kpi } from './types';

export function formatKpi(kpi: Kpi, currency: string): string {
  if (kpi.value === null) return '—';
  return kpi.unit === 'amount' ? formatMoney(kpi.value, currency) : kpi.unit === 'percent' ? formatPct(kpi.value) : formatDays(kpi.value);
}

export function KpiTile({ kpi, currency }: { kpi: Kpi; currency: string }) {
  return (
    <Tooltip
      multiline
      w={340}
      withArrow
      openDelay={100}
      label={
        <Stack gap={4}>
          <Text fz="xs" fw={700}>
            {kpi.name}
          </Text>
          <Text fz="xs">{kpi.formula}</Text>
          {kpi.workings && (
            <Text fz="xs" ff="monospace">
              = {kpi.workings}
            </Text>
          )}
          {kpi.value === null && <Text fz="xs">Not available: {kpi.why ?? 'no figures for this period'}.</Text>}
        </Stack>
      }
    >
      <Paper withBorder p="sm" radius="md" data-kpi={kpi.key} style={{ cursor: 'help' }}>
        <Text fz="xs" c="dimmed" tt="uppercase" fw={600} lineClamp={1}>
          {kpi.label}
        </Text>
        <Text fz="xl" fw={700}>
          {formatKpi(kpi, currency)}
        </Text>
        {kpi.value === null && kpi.why && (
          <Text fz="xs" c="dimmed" lineClamp={2}>
            {kpi.why}
          </Text>
        )}
      </Paper>
    </Tooltip>
  );
}
