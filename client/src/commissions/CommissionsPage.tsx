/**
 * Commissions for one client organisation (staff; docs/decisions/036): where "who sold" comes
 * from, the salespeople and their plans, the month's statements with their lines, and the exports.
 */
import { Alert, Button, Card, Checkbox, Container, Group, Loader, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { CommissionSettings, Salesperson } from '../../../server/commissions/config';
import type { StatementView } from '../../../server/commissions/statements';
import { api, fieldErrors, formError } from '../api';
import { StatementCard } from './StatementCard';

interface Page {
  organisation: { id: string; name: string; currency: string };
  month: string;
  monthText: string;
  settings: CommissionSettings;
  categories: string[];
  people: Salesperson[];
  statements: StatementView[];
}

const EXPORTS = [
  { format: 'generic', label: 'Download CSV' },
  { format: 'gusto', label: 'Download for Gusto' },
  { format: 'adp', label: 'Download for ADP' },
] as const;

async function download(organisationId: string, month: string, format: string): Promise<void> {
  const res = await fetch(`/api/organisations/${organisationId}/commissions/export?month=${month}&format=${format}`, { credentials: 'same-origin' });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? 'The export did not work. Try again.');
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `commissions-${format}-${month}.csv`;
  a.click();
  URL.revokeObjectURL(url);
}

export function CommissionsPage({ organisationId }: { organisationId: string }) {
  const [month, setMonth] = useState<string | null>(null);
  const qc = useQueryClient();
  const key = ['commissions', organisationId, month];
  const q = useQuery({ queryKey: key, queryFn: () => api<Page>(`/organisations/${organisationId}/commissions${month ? `?month=${month}` : ''}`) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['commissions', organisationId] });
  const compute = useMutation({ mutationFn: (m: string) => api(`/organisations/${organisationId}/commissions/compute`, { method: 'POST', body: { month: m } }), onSuccess: refresh });
  const exporting = useMutation({ mutationFn: (format: string) => download(organisationId, q.data!.month, format), onSuccess: refresh });
  if (q.isPending) return <Loader aria-label="Loading" />;
  if (q.error) return <Alert color="red">{q.error.message}</Alert>;
  const page = q.data;
  return (
    <Container size="lg" px={0}>
      <Stack>
        <Title order={2}>Sales commissions — {page.organisation.name}</Title>
        <SourceCard organisationId={organisationId} settings={page.settings} categories={page.categories} onSaved={refresh} />
        <PeopleCard organisationId={organisationId} people={page.people} currency={page.organisation.currency} onSaved={refresh} />
        <Card withBorder>
          <Stack>
            <Title order={3} size="h4">
              Statements for {page.monthText}
            </Title>
            <Group align="end" wrap="wrap">
              <TextInput label="Month" type="month" value={page.month} onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} />
              <Button onClick={() => compute.mutate(page.month)} loading={compute.isPending}>
                Work out {page.monthText}
              </Button>
              {EXPORTS.map((e) => (
                <Button key={e.format} variant="default" onClick={() => exporting.mutate(e.format)} loading={exporting.isPending && exporting.variables === e.format}>
                  {e.label}
                </Button>
              ))}
            </Group>
            <Text size="sm" c="dimmed">
              Working a month out again replaces the statements still waiting for approval; approved ones stay as they are, and anything they missed goes on the next month. Gusto and ADP files hold approved statements only.
            </Text>
            {compute.error && <Alert color="red">{compute.error.message}</Alert>}
            {exporting.error && <Alert color="red">{exporting.error.message}</Alert>}
            {page.statements.length === 0 && <Text>No statements for {page.monthText} yet.</Text>}
            {page.statements.map((s) => (
              <StatementCard key={s.id} statement={s} />
            ))}
          </Stack>
        </Card>
      </Stack>
    </Container>
  );
}

function SourceCard({ organisationId, settings, categories, onSaved }: { organisationId: string; settings: CommissionSettings; categories: string[]; onSaved: () => void }) {
  const [form, setForm] = useState(settings);
  const save = useMutation({ mutationFn: () => api(`/organisations/${organisationId}/commissions/settings`, { method: 'PUT', body: form }), onSuccess: onSaved });
  const errors = fieldErrors(save.error);
  return (
    <Card withBorder>
      <Stack>
        <Title order={3} size="h4">
          Who sold each invoice
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Where the salesperson comes from"
            data={[
              { value: 'tracking', label: 'A tracking category or class in the ledger' },
              { value: 'arcus', label: 'Only who is assigned here, by customer or invoice' },
            ]}
            value={form.source}
            onChange={(v) => v && setForm({ ...form, source: v as CommissionSettings['source'] })}
            allowDeselect={false}
          />
          {form.source === 'tracking' && (
            <Select label="Tracking category" data={categories} value={form.trackingCategory} onChange={(v) => setForm({ ...form, trackingCategory: v })} error={errors.trackingCategory} placeholder={categories.length ? 'Choose one' : 'None on this ledger’s invoices'} />
          )}
          <TextInput label="ADP company code" value={form.adpCompanyCode ?? ''} onChange={(e) => setForm({ ...form, adpCompanyCode: e.currentTarget.value || null })} error={errors.adpCompanyCode} />
          <TextInput label="ADP earnings code for commission" value={form.adpEarningsCode ?? ''} onChange={(e) => setForm({ ...form, adpEarningsCode: e.currentTarget.value || null })} error={errors.adpEarningsCode} />
        </SimpleGrid>
        {formError(save.error, ['trackingCategory', 'adpCompanyCode', 'adpEarningsCode']) && <Alert color="red">{formError(save.error, ['trackingCategory', 'adpCompanyCode', 'adpEarningsCode'])}</Alert>}
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save
          </Button>
          {save.isSuccess && <Text size="sm">Saved.</Text>}
        </Group>
      </Stack>
    </Card>
  );
}

const percent = (rate: string) => `${Number((Number(rate) * 100).toFixed(4))}%`;

function planWords(p: Salesperson['plan'], currency: string): string {
  if (!p) return 'No plan yet.';
  const parts = [`${percent(p.baseRate)} of cash collected`];
  for (const t of p.tiers) parts.push(`${percent(t.rate)} above ${t.from} ${currency} in a month`);
  if (p.accelerator) parts.push(`× ${p.accelerator.multiplier} above ${p.accelerator.above} ${currency}`);
  if (p.cap) parts.push(`at most ${p.cap} ${currency} a month`);
  if (p.holdback) parts.push(`${percent(p.holdback.share)} held back on payments more than ${p.holdback.lateDays} days late, for ${p.holdback.releaseAfterMonths} months`);
  return `${parts.join('; ')}.`;
}

function PeopleCard({ organisationId, people, currency, onSaved }: { organisationId: string; people: Salesperson[]; currency: string; onSaved: () => void }) {
  const empty = { name: '', email: '', ledgerName: '', payrollId: '', canSignIn: true, rate: 5, tierFrom: '', tierRate: '' as number | '', cap: '', lateDays: '' as number | '', heldPercent: '' as number | '' };
  const [f, setF] = useState(empty);
  const add = useMutation({
    mutationFn: () =>
      api(`/organisations/${organisationId}/commissions/people`, {
        method: 'POST',
        body: {
          name: f.name,
          email: f.email,
          ledgerName: f.ledgerName || null,
          payrollId: f.payrollId || null,
          canSignIn: f.canSignIn,
          plan: {
            baseRate: String(f.rate / 100),
            tiers: f.tierFrom && f.tierRate !== '' ? [{ from: f.tierFrom, rate: String(Number(f.tierRate) / 100) }] : [],
            cap: f.cap || null,
            holdback: f.lateDays !== '' && f.heldPercent !== '' ? { lateDays: Number(f.lateDays), share: String(Number(f.heldPercent) / 100), releaseAfterMonths: 3 } : null,
          },
        },
      }),
    onSuccess: () => {
      setF(empty);
      onSaved();
    },
  });
  const errors = fieldErrors(add.error);
  return (
    <Card withBorder>
      <Stack>
        <Title order={3} size="h4">
          Salespeople and their plans
        </Title>
        {people.length === 0 && <Text size="sm">No salespeople yet.</Text>}
        {people.map((p) => (
          <div key={p.id}>
            <Text fw={600}>
              {p.name} <Text span c="dimmed" size="sm">{p.email}{p.canSignIn ? ' · can see their statements' : ''}</Text>
            </Text>
            <Text size="sm">{planWords(p.plan, currency)}</Text>
          </div>
        ))}
        <Title order={4} size="h5">
          Add a salesperson
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
          <TextInput label="Name" value={f.name} onChange={(e) => setF({ ...f, name: e.currentTarget.value })} error={errors.name} />
          <TextInput label="Email address" value={f.email} onChange={(e) => setF({ ...f, email: e.currentTarget.value })} error={errors.email} />
          <TextInput label="Name in the ledger (if different)" value={f.ledgerName} onChange={(e) => setF({ ...f, ledgerName: e.currentTarget.value })} />
          <TextInput label="Payroll id (Gusto employee ID or ADP file number)" value={f.payrollId} onChange={(e) => setF({ ...f, payrollId: e.currentTarget.value })} error={errors.payrollId} />
          <NumberInput label="Rate on cash collected (%)" value={f.rate} onChange={(v) => setF({ ...f, rate: Number(v) || 0 })} min={0} max={100} decimalScale={4} error={errors['plan.baseRate']} />
          <TextInput label={`Higher rate from (${currency} in a month)`} value={f.tierFrom} onChange={(e) => setF({ ...f, tierFrom: e.currentTarget.value })} />
          <NumberInput label="Higher rate (%)" value={f.tierRate} onChange={(v) => setF({ ...f, tierRate: v === '' ? '' : Number(v) })} min={0} max={100} decimalScale={4} />
          <TextInput label={`Most a month (${currency})`} value={f.cap} onChange={(e) => setF({ ...f, cap: e.currentTarget.value })} />
          <NumberInput label="Hold back when paid more than (days late)" value={f.lateDays} onChange={(v) => setF({ ...f, lateDays: v === '' ? '' : Number(v) })} min={0} />
          <NumberInput label="Share held back (%)" value={f.heldPercent} onChange={(v) => setF({ ...f, heldPercent: v === '' ? '' : Number(v) })} min={0} max={100} />
        </SimpleGrid>
        <Checkbox label="Let them sign in to see their own statements" checked={f.canSignIn} onChange={(e) => setF({ ...f, canSignIn: e.currentTarget.checked })} />
        {formError(add.error, ['name', 'email', 'payrollId', 'plan.baseRate']) && <Alert color="red">{formError(add.error, ['name', 'email', 'payrollId', 'plan.baseRate'])}</Alert>}
        <Group>
          <Button onClick={() => add.mutate()} loading={add.isPending}>
            Add salesperson
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
