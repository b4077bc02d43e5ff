/**
 * A client's "Service & fees" (server/fees/README.md): when the service started, the fee plan
 * (parts summed; every problem shown in words beside its input), who the client is in the practice
 * ledger, and a month's statement with its working, to work out and approve. Every text shown comes
 * from the server in words or from the labels here; no id or key is shown.
 */
import { ActionIcon, Alert, Anchor, Badge, Breadcrumbs, Button, Card, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearch } from 'wouter';
import type { FeeComponent, FeePlan } from '../../../../server/fees/core';
import type { StatementView } from '../../../../server/fees/statements';
import { api, fieldErrors, formError } from '../../api';
import { appNow } from '../../clock';
import { useSession } from '../../session';
import { monthChoices } from './months';

interface FeesView {
  organisationName: string;
  currency: string;
  month: string;
  monthName: string;
  plan: FeePlan | null;
  planWords: string[];
  ledgerContactId: string | null;
  practiceLedgerName: string | null;
  customers: { id: string; name: string }[];
  customerNote: string;
  service: { startDate: string; startText: string } | null;
  statement: StatementView | null;
}

type Part = FeeComponent['type'];
const PART_WORDS: Record<Part, string> = {
  fixed: 'Fixed monthly fee',
  tiered: 'Monthly fee by how many are chased',
  volume: 'Price for each one chased',
  share: 'Share of cash collected through Arcus',
  kpi_bonus: 'Bonus per day of DSO reduced',
};
const MEASURE_CHOICES = [
  { value: 'invoices', label: 'Invoices chased' },
  { value: 'customers', label: 'Customers chased' },
];

function newPart(type: Part): FeeComponent {
  switch (type) {
    case 'fixed':
      return { type, amount: '' };
    case 'tiered':
    case 'volume':
      return { type, measure: 'invoices', bands: [{ upTo: 50, amount: '' }, { upTo: null, amount: '' }] };
    case 'share':
      return { type, percent: '', floor: null, cap: null };
    case 'kpi_bonus':
      return { type, perDay: '', sustainMonths: 3 };
  }
}

export function ServiceFeesPage({ organisationId }: { organisationId: string }) {
  const qc = useQueryClient();
  const session = useSession();
  const isAdmin = session.data?.user?.permissions.includes('settings.manage') ?? false;
  const months = monthChoices(appNow());
  const asked = new URLSearchParams(useSearch()).get('month');
  const [month, setMonth] = useState<string>(asked && months.some((m) => m.value === asked) ? asked : months[0]!.value);
  const key = ['service-fees', organisationId, month];
  const view = useQuery({ queryKey: key, queryFn: () => api<FeesView>(`/organisations/${organisationId}/fees?month=${month}`) });
  const [parts, setParts] = useState<FeeComponent[]>([]);
  const [contact, setContact] = useState<string | null>(null);
  const [startDate, setStartDate] = useState('');
  const [adding, setAdding] = useState<Part | null>(null);

  useEffect(() => {
    if (!view.data) return;
    setParts(view.data.plan?.components ?? []);
    setContact(view.data.ledgerContactId);
    setStartDate(view.data.service?.startDate ?? '');
  }, [view.data]);

  const refresh = (data: FeesView) => qc.setQueryData(key, data);
  const save = useMutation({ mutationFn: () => api<FeesView>(`/organisations/${organisationId}/fees/plan`, { method: 'PUT', body: { plan: { components: parts }, ledgerContactId: contact } }), onSuccess: () => qc.invalidateQueries({ queryKey: ['service-fees', organisationId] }) });
  const compute = useMutation({ mutationFn: () => api<FeesView>(`/organisations/${organisationId}/fees/compute`, { method: 'POST', body: { month } }), onSuccess: refresh });
  const approve = useMutation({ mutationFn: () => api<FeesView>(`/organisations/${organisationId}/fees/approve`, { method: 'POST', body: { month } }), onSuccess: refresh });
  const service = useMutation({
    mutationFn: () => api<{ startText: string }>(`/organisations/${organisationId}/service`, { method: 'PUT', body: { startDate } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['service-fees', organisationId] }),
  });

  if (view.isLoading) return <Text>Loading…</Text>;
  if (view.error) return <Alert color="red">{view.error.message}</Alert>;
  const d = view.data!;
  const errs = fieldErrors(save.error);
  const err = (path: string) => errs[`plan.components.${path}`];
  const update = (i: number, next: FeeComponent) => setParts(parts.map((p, j) => (j === i ? next : p)));
  const s = d.statement;

  return (
    <Stack gap="md" maw={900}>
      <Breadcrumbs>
        <Anchor component={Link} href="/fees" fz="sm">
          Fees
        </Anchor>
        <Anchor component={Link} href={`/organisations/${organisationId}`} fz="sm">
          {d.organisationName}
        </Anchor>
        <Text fz="sm">Service & fees</Text>
      </Breadcrumbs>
      <Title order={2}>{d.organisationName}: service & fees</Title>

      <Card withBorder>
        <Title order={4}>Service</Title>
        <Text size="sm" c="dimmed">
          {d.service ? `The service started on ${d.service.startText}. Gains are measured against the 3 months before it.` : 'The service’s start date is not set: there is no baseline to measure gains against.'}
        </Text>
        <Group align="flex-end" mt="xs" wrap="wrap">
          <TextInput type="date" label="Service start date" value={startDate} onChange={(e) => setStartDate(e.currentTarget.value)} error={fieldErrors(service.error).startDate} disabled={!isAdmin} w={200} />
          <Button variant="light" onClick={() => service.mutate()} loading={service.isPending} disabled={!isAdmin || !startDate}>
            Save start date
          </Button>
          <Anchor component={Link} href={`/organisations/${organisationId}/report`} size="sm">
            Monthly report
          </Anchor>
        </Group>
        {!isAdmin && (
          <Text size="xs" c="dimmed" mt={4}>
            Only an administrator can change the start date.
          </Text>
        )}
        {formError(service.error, ['startDate']) && (
          <Alert color="red" mt="xs">
            {formError(service.error, ['startDate'])}
          </Alert>
        )}
      </Card>

      <Card withBorder>
        <Title order={4}>Fee plan</Title>
        <Text size="sm" c="dimmed">
          Amounts are in {d.currency}, the client’s currency. The month’s fee is the sum of the parts.
        </Text>
        <Stack gap="sm" mt="sm">
          {parts.length === 0 && <Text size="sm">No fee plan yet. Add a part below.</Text>}
          {parts.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a part is its place in the plan; every input is controlled from `parts`, so no state is kept by key.
            <Card key={i} withBorder padding="sm" aria-label={PART_WORDS[p.type]}>
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Text fw={600}>{PART_WORDS[p.type]}</Text>
                <ActionIcon variant="subtle" color="red" aria-label={`Remove ${PART_WORDS[p.type]}`} onClick={() => setParts(parts.filter((_, j) => j !== i))}>
                  ✕
                </ActionIcon>
              </Group>
              <PartFields part={p} onChange={(next) => update(i, next)} error={(f) => err(`${i}.${f}`)} currency={d.currency} />
            </Card>
          ))}
          <Group align="flex-end" wrap="wrap">
            <Select label="Add a part" placeholder="Choose" data={Object.entries(PART_WORDS).map(([value, label]) => ({ value, label }))} value={adding} onChange={(v) => setAdding(v as Part | null)} w={320} />
            <Button
              variant="light"
              disabled={!adding}
              onClick={() => {
                if (adding) setParts([...parts, newPart(adding)]);
                setAdding(null);
              }}
            >
              Add
            </Button>
          </Group>
          <Select
            label={d.practiceLedgerName ? `Customer in ${d.practiceLedgerName}` : 'Customer in the practice ledger'}
            description={d.customerNote}
            placeholder="Choose the customer the invoice is made out to"
            data={d.customers.map((c) => ({ value: c.id, label: c.name }))}
            value={contact}
            onChange={setContact}
            searchable
            clearable
            disabled={!d.practiceLedgerName}
            error={errs.ledgerContactId}
          />
          {formError(save.error, Object.keys(errs).filter((k) => k === 'ledgerContactId' || k.startsWith('plan.components.'))) && <Alert color="red">{formError(save.error, Object.keys(errs).filter((k) => k === 'ledgerContactId' || k.startsWith('plan.components.')))}</Alert>}
          {save.isSuccess && !save.isPending && <Text size="sm">The plan is saved.</Text>}
          <Group>
            <Button onClick={() => save.mutate()} loading={save.isPending}>
              Save plan
            </Button>
          </Group>
        </Stack>
      </Card>

      <Card withBorder>
        <Group justify="space-between" wrap="wrap">
          <Title order={4}>Fee for {d.monthName}</Title>
          <Select aria-label="Month" data={months} value={month} onChange={(v) => v && setMonth(v)} w={180} allowDeselect={false} />
        </Group>
        {!s && <Text size="sm">{d.plan ? `The fee for ${d.monthName} has not been worked out yet.` : 'Save a fee plan first.'}</Text>}
        {s && (
          <Stack gap="xs" mt="xs">
            <Group gap="sm">
              <Text fz={26} fw={700}>
                {s.amountText}
              </Text>
              <Badge variant="light" color={s.status === 'draft' ? 'yellow' : s.status === 'invoiced' ? 'green' : 'blue'} style={{ textTransform: 'none' }}>
                {s.statusText}
              </Badge>
            </Group>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Part</Table.Th>
                  <Table.Th>How it was worked out</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.working.map((w) => (
                  <Table.Tr key={w.label}>
                    <Table.Td>{w.label}</Table.Td>
                    <Table.Td>{w.detail}</Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                      {w.amountText}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" c="dimmed">
              {s.computedText}.
            </Text>
          </Stack>
        )}
        {(compute.error || approve.error) && (
          <Alert color="red" mt="xs">
            {(compute.error ?? approve.error)!.message}
          </Alert>
        )}
        <Group mt="sm">
          <Button variant="light" onClick={() => compute.mutate()} loading={compute.isPending} disabled={!d.plan || (s !== null && !s.canApprove)}>
            Work out the fee
          </Button>
          <Button onClick={() => approve.mutate()} loading={approve.isPending} disabled={!s?.canApprove}>
            Approve and invoice
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}

function PartFields({ part, onChange, error, currency }: { part: FeeComponent; onChange: (p: FeeComponent) => void; error: (field: string) => string | undefined; currency: string }) {
  switch (part.type) {
    case 'fixed':
      return <TextInput label={`Amount a month (${currency})`} value={part.amount} onChange={(e) => onChange({ ...part, amount: e.currentTarget.value })} error={error('amount')} w={220} />;
    case 'share':
      return (
        <Group align="flex-start" wrap="wrap">
          <TextInput label="Percentage" rightSection="%" value={part.percent} onChange={(e) => onChange({ ...part, percent: e.currentTarget.value })} error={error('percent')} w={140} />
          <TextInput label={`At least (${currency})`} placeholder="No floor" value={part.floor ?? ''} onChange={(e) => onChange({ ...part, floor: e.currentTarget.value || null })} error={error('floor')} w={180} />
          <TextInput label={`At most (${currency})`} placeholder="No cap" value={part.cap ?? ''} onChange={(e) => onChange({ ...part, cap: e.currentTarget.value || null })} error={error('cap')} w={180} />
        </Group>
      );
    case 'kpi_bonus':
      return (
        <Group align="flex-start" wrap="wrap">
          <TextInput label={`Per day of DSO reduced (${currency})`} value={part.perDay} onChange={(e) => onChange({ ...part, perDay: e.currentTarget.value })} error={error('perDay')} w={220} />
          <NumberInput label="Paid once sustained for (months)" value={part.sustainMonths} min={1} max={12} onChange={(v) => onChange({ ...part, sustainMonths: typeof v === 'number' ? v : Number(v) || 1 })} error={error('sustainMonths')} w={240} />
        </Group>
      );
    case 'tiered':
    case 'volume':
      return (
        <Stack gap={6}>
          <Select label="Counted by" data={MEASURE_CHOICES} value={part.measure} onChange={(v) => v && onChange({ ...part, measure: v as 'invoices' | 'customers' })} allowDeselect={false} w={220} />
          {part.bands.map((b, i) => {
            const last = i === part.bands.length - 1;
            const from = i === 0 ? 0 : (part.bands[i - 1]!.upTo ?? 0) + 1;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: bands are added and removed only at the end; a band is its place in the list.
              <Group key={i} align="flex-start" wrap="wrap">
                {last ? (
                  <Text size="sm" w={200} pt={28}>
                    {from === 0 ? 'Any number' : `${from} or more`}
                  </Text>
                ) : (
                  <NumberInput label={`From ${from} up to`} value={b.upTo ?? ''} min={0} onChange={(v) => onChange({ ...part, bands: part.bands.map((x, j) => (j === i ? { ...x, upTo: typeof v === 'number' ? v : null } : x)) })} error={error(`bands.${i}.upTo`)} w={200} />
                )}
                <TextInput label={part.type === 'volume' ? `Price each (${currency})` : `Fee a month (${currency})`} value={b.amount} onChange={(e) => onChange({ ...part, bands: part.bands.map((x, j) => (j === i ? { ...x, amount: e.currentTarget.value } : x)) })} error={error(`bands.${i}.amount`)} w={200} />
              </Group>
            );
          })}
          <Group>
            <Button
              size="xs"
              variant="subtle"
              onClick={() => {
                const bands = part.bands.slice(0, -1);
                const prev = bands[bands.length - 1]?.upTo ?? 0;
                onChange({ ...part, bands: [...bands, { upTo: prev + 50, amount: '' }, { ...part.bands[part.bands.length - 1]!, upTo: null }] });
              }}
            >
              Add a band
            </Button>
            {part.bands.length > 1 && (
              <Button size="xs" variant="subtle" color="red" onClick={() => onChange({ ...part, bands: [...part.bands.slice(0, -2), { ...part.bands[part.bands.length - 1]!, upTo: null }] })}>
                Remove a band
              </Button>
            )}
          </Group>
        </Stack>
      );
  }
}
