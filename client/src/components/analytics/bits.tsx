/** Small shared pieces: CSV export link, period control, provider and needs-help badges, trend arrow, loading/error states. */
import { Alert, Badge, Button, Center, Group, Loader, SegmentedControl, Text, Tooltip } from '@mantine/core';
import { QuickBooksMark, XeroMark } from '../ProviderButtons';
import { formatPct } from './format';
import type { Provider, Verdict } from './types';
import { PERIOD_PRESETS } from './use-api';

/** Downloads `/api{path}` with `format=csv` (the server sends it as an attachment). */
export function ExportCsvButton({ path, label = 'Export CSV' }: { path: string; label?: string }) {
  const href = `/api${path}${path.includes('?') ? '&' : '?'}format=csv`;
  return (
    <Button component="a" href={href} download variant="default" size="xs">
      {label}
    </Button>
  );
}

export function PeriodControl({ days, onChange }: { days: string; onChange: (days: string) => void }) {
  return <SegmentedControl size="xs" value={days} onChange={onChange} data={PERIOD_PRESETS} aria-label="Period" />;
}

export function ProviderBadge({ provider }: { provider: Provider }) {
  return (
    <Badge variant="light" color={provider === 'xero' ? 'cyan' : 'green'} leftSection={provider === 'xero' ? <XeroMark size={14} /> : <QuickBooksMark size={14} />}>
      {provider === 'xero' ? 'Xero' : 'QuickBooks'}
    </Badge>
  );
}

export function NeedsHelpBadge({ verdict }: { verdict: Verdict }) {
  if (!verdict.flag) {
    return (
      <Badge variant="light" color="gray">
        OK
      </Badge>
    );
  }
  return (
    <Tooltip
      multiline
      w={320}
      withArrow
      label={verdict.reasons.map((r) => (
        <div key={r}>• {r}</div>
      ))}
    >
      <Badge color="red" variant="filled" style={{ cursor: 'help' }}>
        Needs help
      </Badge>
    </Tooltip>
  );
}

export function TrendArrow({ trend, compare }: { trend: { direction: 'up' | 'down' | 'flat'; changePct: number } | null; compare: number | null }) {
  if (!trend) return <Text c="dimmed">—</Text>;
  // For DSO, up is worse.
  const color = trend.direction === 'up' ? 'red' : trend.direction === 'down' ? 'teal' : 'gray';
  const arrow = trend.direction === 'up' ? '▲' : trend.direction === 'down' ? '▼' : '▶';
  return (
    <Tooltip label={`DSO 90 days earlier: ${compare ?? '—'} days`} withArrow>
      <Text c={color} fz="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
        {arrow} {formatPct(Math.abs(trend.changePct))}
      </Text>
    </Tooltip>
  );
}

export function Loading() {
  return (
    <Center py="xl">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function LoadError({ error }: { error: Error }) {
  return (
    <Alert color="red" title="Could not load">
      {error.message}
    </Alert>
  );
}

export function Header({ title, children }: { title: React.ReactNode; children?: React.ReactNode }) {
  return (
    <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
      {title}
      <Group gap="sm">{children}</Group>
    </Group>
  );
}

/** A figure, or '—' that says on hover (and to screen readers) why there is none. */
export function Figure({ text, why, fz = 'sm' }: { text: string; why: string | null; fz?: string }) {
  if (why === null) return <>{text}</>;
  return (
    <Tooltip label={why} withArrow>
      <Text span c="dimmed" fz={fz} aria-label={`— ${why}`} data-why={why} style={{ cursor: 'help' }}>
        —
      </Text>
    </Tooltip>
  );
}
