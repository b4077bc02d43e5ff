/**
 * Settings › Collections › Statutory reference rates: the table the "UK statutory interest" and
 * "EU directive" presets read (GET/PUT/DELETE /api/collections/statutory-rates; docs/decisions/042).
 * Built-in rows can be corrected; a firm may add a rate when the Bank of England or the ECB changes it.
 */
import { Alert, Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RateView } from '../../../../server/collections/statutory-rates';
import { api, fieldErrors, formError } from '../../api';
import { notify } from '../../writebacks/notify';

const JURISDICTION_WORDS = { uk: 'UK', eu: 'EU' } as const;

function dayText(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export function StatutoryRates({ admin }: { admin: boolean }) {
  const qc = useQueryClient();
  const table = useQuery({ queryKey: ['statutory-rates'], queryFn: () => api<{ rates: RateView[]; confirmedThrough: string }>('/collections/statutory-rates') });
  const [form, setForm] = useState<{ jurisdiction: 'uk' | 'eu'; effectiveFrom: string; rate: string }>({ jurisdiction: 'uk', effectiveFrom: '', rate: '' });
  const done = (r: RateView[], title: string) => {
    qc.setQueryData(['statutory-rates'], (old: { confirmedThrough: string } | undefined) => ({ confirmedThrough: old?.confirmedThrough ?? '', rates: r }));
    notify({ title, message: 'Statutory interest from now on uses the table as it stands.' });
  };
  const save = useMutation({
    mutationFn: async () => (await api<{ rates: RateView[] }>('/collections/statutory-rates', { method: 'PUT', body: form })).rates,
    onSuccess: (r) => {
      done(r, 'Rate saved');
      setForm({ ...form, effectiveFrom: '', rate: '' });
    },
  });
  const remove = useMutation({
    mutationFn: async (row: RateView) => (await api<{ rates: RateView[] }>(`/collections/statutory-rates?jurisdiction=${row.jurisdiction}&effectiveFrom=${row.effectiveFrom}`, { method: 'DELETE' })).rates,
    onSuccess: (r) => done(r, 'Your firm’s rate removed'),
  });
  const errs = fieldErrors(save.error);
  const general = formError(save.error, ['jurisdiction', 'effectiveFrom', 'rate']) ?? remove.error?.message;
  return (
    <Paper withBorder p="md" radius="md" data-testid="statutory-rates">
      <Stack gap="sm">
        <Title order={5}>Statutory reference rates</Title>
        <Text size="xs" c="dimmed">
          Used by “UK statutory interest” (Bank of England base rate on 30 June or 31 December before the invoice fell due, plus 8%) and “EU directive” (ECB main refinancing rate on the first day of each half-year, plus 8 points). Check new rates against the Bank of England and the ECB.
        </Text>
        {table.data?.confirmedThrough ? (
          <Text size="xs" data-testid="rates-checked">
            The built-in rates were checked against the Bank of England’s and the ECB’s decisions up to {dayText(table.data.confirmedThrough)}. If either bank has changed its rate since, add the new rate below before relying on statutory interest for debts it affects.
          </Text>
        ) : null}
        {table.error ? <Alert color="red">{table.error.message}</Alert> : null}
        <Table.ScrollContainer minWidth={560} maw={640}>
          <Table striped withTableBorder fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Where</Table.Th>
                <Table.Th>Rate</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th ta="right">Percent a year</Table.Th>
                <Table.Th>Source</Table.Th>
                {admin ? <Table.Th /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(table.data?.rates ?? [])
                .slice()
                .sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction) || b.effectiveFrom.localeCompare(a.effectiveFrom))
                .map((r) => (
                  <Table.Tr key={`${r.jurisdiction}-${r.effectiveFrom}`}>
                    <Table.Td>{JURISDICTION_WORDS[r.jurisdiction]}</Table.Td>
                    <Table.Td>{r.rateName}</Table.Td>
                    <Table.Td>{dayText(r.effectiveFrom)}</Table.Td>
                    <Table.Td ta="right">{r.rate}%</Table.Td>
                    <Table.Td>{r.originText}</Table.Td>
                    {admin ? (
                      <Table.Td>
                        {r.origin !== 'built_in' ? (
                          <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove.mutate(r)} loading={remove.isPending}>
                            Remove
                          </Button>
                        ) : null}
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {admin ? (
          <Group align="flex-end">
            <Select label="Where" data={[{ value: 'uk', label: 'UK — Bank of England base rate' }, { value: 'eu', label: 'EU — ECB main refinancing rate' }]} value={form.jurisdiction} onChange={(v) => v && setForm({ ...form, jurisdiction: v as 'uk' | 'eu' })} allowDeselect={false} error={errs['jurisdiction']} comboboxProps={{ withinPortal: true }} />
            <TextInput label="In force from" type="date" value={form.effectiveFrom} onChange={(ev) => setForm({ ...form, effectiveFrom: ev.currentTarget.value })} error={errs['effectiveFrom']} />
            <TextInput label="Rate" rightSection="%" w={110} inputMode="decimal" value={form.rate} onChange={(ev) => setForm({ ...form, rate: ev.currentTarget.value })} error={errs['rate']} />
            <Button onClick={() => save.mutate()} loading={save.isPending}>
              Save rate
            </Button>
          </Group>
        ) : null}
        {general ? <Alert color="red">{general}</Alert> : null}
      </Stack>
    </Paper>
  );
}
