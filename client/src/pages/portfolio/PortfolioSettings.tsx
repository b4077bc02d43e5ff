/** Admin settings the portfolio reads: the reporting currency, exchange rates to it and the needs-help thresholds. */
import { appNow } from '../../clock';
import { ActionIcon, Button, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { LoadError, Loading } from '../../components/analytics/bits';
import { formatDate, formatRate } from '../../components/analytics/format';
import { useApiQuery } from '../../components/analytics/use-api';

interface Rates {
  reportingCurrency: string;
  rates: { id: string; currency: string; reportingCurrency: string; rateToReporting: string; asOf: string }[];
}
interface Settings {
  reportingCurrency: string;
  needsHelp: { dsoIncreasePct: number; ceiBelow: number; past60SharePct: number };
  currencyChoices: { inOrganisations: string[]; common: string[] };
}

function useInvalidate() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['analytics'] });
}

const currencyNames = new Intl.DisplayNames(['en'], { type: 'currency' });
const currencyOption = (code: string) => ({ value: code, label: `${code} — ${currencyNames.of(code) ?? code}` });

/**
 * The firm's reporting currency: the portfolio's totals are in it. Admins pick it from the
 * currencies of the firm's organisations and common ones; everyone else sees it, read-only.
 */
export function ReportingCurrencyControl({ canChange }: { canChange: boolean }) {
  const settings = useApiQuery<Settings>('/firm/settings');
  const invalidate = useInvalidate();
  const save = useMutation({ mutationFn: (reportingCurrency: string) => api('/firm/settings', { method: 'PATCH', body: { reportingCurrency } }), onSuccess: invalidate });
  const current = settings.data?.reportingCurrency ?? null;
  const choices = settings.data?.currencyChoices;
  const data = choices
    ? [
        { group: 'Your organisations’ currencies', items: choices.inOrganisations.map(currencyOption) },
        { group: 'Other currencies', items: choices.common.map(currencyOption) },
      ]
    : [];
  const select = (
    <Select
      size="xs"
      w={165}
      aria-label="Reporting currency"
      data={data}
      value={save.isPending ? (save.variables ?? current) : current}
      onChange={(v) => v && v !== current && save.mutate(v)}
      allowDeselect={false}
      searchable={canChange}
      readOnly={!canChange}
      disabled={settings.isPending || save.isPending}
      error={save.error?.message}
      comboboxProps={{ withinPortal: true }}
    />
  );
  return (
    <Group gap={6} wrap="nowrap" align="center">
      <Text fz="xs" fw={500} c="dimmed">
        Reporting currency
      </Text>
      {canChange ? (
        select
      ) : (
        <Tooltip label="Only an admin can change the reporting currency." withArrow>
          <div>{select}</div>
        </Tooltip>
      )}
    </Group>
  );
}

export function PortfolioSettingsButtons() {
  const [open, setOpen] = useState<'rates' | 'thresholds' | null>(null);
  return (
    <>
      <Button variant="default" size="xs" onClick={() => setOpen('rates')}>
        Exchange rates
      </Button>
      <Button variant="default" size="xs" onClick={() => setOpen('thresholds')}>
        Needs-help rules
      </Button>
      <Modal opened={open === 'rates'} onClose={() => setOpen(null)} title="Exchange rates" size="lg">
        <RatesEditor />
      </Modal>
      <Modal opened={open === 'thresholds'} onClose={() => setOpen(null)} title="When a client needs help">
        <ThresholdsEditor onDone={() => setOpen(null)} />
      </Modal>
    </>
  );
}

function RatesEditor() {
  const rates = useApiQuery<Rates>('/exchange-rates');
  const invalidate = useInvalidate();
  const [currency, setCurrency] = useState('');
  const [rate, setRate] = useState('');
  const [asOf, setAsOf] = useState(appNow().toISOString().slice(0, 10));
  const save = useMutation({ mutationFn: () => api('/exchange-rates', { method: 'PUT', body: { currency: currency.toUpperCase(), rateToReporting: rate, asOf } }), onSuccess: invalidate });
  const remove = useMutation({ mutationFn: (id: string) => api(`/exchange-rates/${id}`, { method: 'DELETE' }), onSuccess: invalidate });
  if (rates.isPending) return <Loading />;
  if (rates.error) return <LoadError error={rates.error} />;
  const rc = rates.data.reportingCurrency;
  return (
    <Stack gap="sm">
      <Text fz="sm" c="dimmed">
        One unit of each currency in {rc}. The portfolio uses the latest rate dated on or before the period’s end. Without one, it takes the rate of the latest invoice in your clients’ ledgers that prices the currency in {rc}; with neither, the organisation is shown in its own currency and left out of the totals. A rate older than 45 days is flagged.
      </Text>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Currency</Table.Th>
            <Table.Th>Rate to {rc}</Table.Th>
            <Table.Th>As of</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rates.data.rates
            .filter((r) => r.reportingCurrency === rc)
            .map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.currency}</Table.Td>
                <Table.Td>{formatRate(r.rateToReporting)}</Table.Td>
                <Table.Td>{formatDate(r.asOf)}</Table.Td>
                <Table.Td>
                  <ActionIcon variant="subtle" color="red" aria-label={`Delete ${r.currency} rate`} onClick={() => remove.mutate(r.id)}>
                    ×
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
      <Group gap="xs" align="flex-end">
        <TextInput label="Currency" size="xs" w={90} maxLength={3} value={currency} onChange={(e) => setCurrency(e.currentTarget.value)} />
        <TextInput label={`Rate to ${rc}`} size="xs" w={120} value={rate} onChange={(e) => setRate(e.currentTarget.value)} placeholder="1.2700" />
        <TextInput label="As of" type="date" size="xs" w={150} value={asOf} onChange={(e) => setAsOf(e.currentTarget.value)} />
        <Button size="xs" onClick={() => save.mutate()} loading={save.isPending}>
          Save rate
        </Button>
      </Group>
      {save.error && (
        <Text c="red" fz="xs">
          {save.error.message}
        </Text>
      )}
    </Stack>
  );
}

function ThresholdsEditor({ onDone }: { onDone: () => void }) {
  const settings = useApiQuery<Settings>('/firm/settings');
  const invalidate = useInvalidate();
  const [v, setV] = useState<Settings['needsHelp'] | null>(null);
  useEffect(() => {
    if (settings.data && !v) setV(settings.data.needsHelp);
  }, [settings.data, v]);
  const save = useMutation({
    mutationFn: () => api('/firm/settings', { method: 'PATCH', body: { needsHelp: v } }),
    onSuccess: () => {
      invalidate();
      onDone();
    },
  });
  if (settings.isPending || !v) return <Loading />;
  if (settings.error) return <LoadError error={settings.error} />;
  return (
    <Stack gap="sm">
      <NumberInput label="DSO up by more than (% in 90 days)" value={v.dsoIncreasePct} min={0} max={1000} onChange={(x) => setV({ ...v, dsoIncreasePct: Number(x) })} />
      <NumberInput label="CEI below (%)" value={v.ceiBelow} min={0} max={100} onChange={(x) => setV({ ...v, ceiBelow: Number(x) })} />
      <NumberInput label="Share of receivables more than 60 days past due above (%)" value={v.past60SharePct} min={0} max={100} onChange={(x) => setV({ ...v, past60SharePct: Number(x) })} />
      {save.error && (
        <Text c="red" fz="xs">
          {save.error.message}
        </Text>
      )}
      <Group justify="flex-end">
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}
