/**
 * Set up a payment plan: which open invoices it covers, weekly / fortnightly / monthly, a number
 * of instalments or an instalment amount, the first date, and whether instalments are posted to
 * the ledger as invoices. The schedule is previewed (dates and amounts) before it is created.
 */
import { Alert, Button, Checkbox, Group, Modal, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { fieldErrors, formError } from '../../api';
import { formatDate } from '../../components/analytics/format';
import { createPlan, type Frequency, type PlanInput, previewPlan, useCollectionsPolicy, useWritebackMutation } from '../api';
import { addDaysTo, money, todayLocal } from '../labels';
import { notify } from '../notify';

export interface PlanInvoice {
  id: string;
  number: string;
  currency: string;
  amountDue: number;
  dueDate: string | null;
}

export function PlanModal({ organisationId, contactExternalId, customerName, invoices, opened, onClose }: { organisationId: string; contactExternalId: string; customerName: string; invoices: PlanInvoice[]; opened: boolean; onClose: () => void }) {
  const policy = useCollectionsPolicy();
  const [chosen, setChosen] = useState<string[]>(() => invoices.map((i) => i.id));
  const [frequency, setFrequency] = useState<Frequency>('monthly');
  const [by, setBy] = useState<'count' | 'amount'>('count');
  const [count, setCount] = useState<number | string>(3);
  const [amount, setAmount] = useState('');
  const [startDate, setStartDate] = useState(addDaysTo(todayLocal(), 7));
  const [postInvoices, setPostInvoices] = useState(false);
  const preview = useWritebackMutation(previewPlan);
  const create = useWritebackMutation(createPlan);
  const idsKey = invoices.map((i) => i.id).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the dialog opens or the invoices change
  useEffect(() => {
    if (!opened) return;
    setChosen(invoices.map((i) => i.id));
    preview.reset();
    create.reset();
  }, [opened, idsKey]);
  useEffect(() => {
    if (policy.data) setPostInvoices(policy.data.plans.postInvoices);
  }, [policy.data]);
  const input: PlanInput = {
    organisationId,
    contactExternalId,
    invoiceIds: chosen,
    frequency,
    startDate,
    ...(by === 'count' ? { count: Number(count) || 0 } : { instalmentAmount: amount.trim() }),
    postInvoices,
  };
  // Any change makes the shown schedule stale.
  const key = JSON.stringify(input);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key is the whole input
  useEffect(() => preview.reset(), [key]);
  const currency = invoices.find((i) => chosen.includes(i.id))?.currency ?? invoices[0]?.currency ?? 'USD';
  const p = preview.data;
  const plan = create.data;
  // Every problem of the last preview or create, each beside its field; the rest above the buttons.
  const failure = create.error ?? preview.error;
  const problems = fieldErrors(failure);
  const rest = formError(failure, ['invoiceIds', 'frequency', 'startDate', 'count', 'instalmentAmount']);
  const toggle = (id: string, on: boolean) => setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));
  return (
    <Modal opened={opened} onClose={onClose} title={`Payment plan for ${customerName}`} size="xl">
      {plan ? (
        <Stack gap="sm" data-testid="plan-created">
          <Text fw={600}>
            Plan agreed: {plan.instalments.length} {plan.frequency} instalments, {money(plan.total, plan.currency)} in all
          </Text>
          <Text size="sm">Reminders for the covered invoices pause while the plan runs; each instalment gets its own reminder. {plan.postInvoices ? 'The instalments are being posted to the ledger as invoices.' : 'The plan is noted on each invoice in the ledger.'}</Text>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm">
          <Text size="sm" fw={500}>
            Invoices in the plan
          </Text>
          {invoices.length === 0 ? (
            <Alert color="yellow">{customerName} has no open invoices.</Alert>
          ) : (
            <Table verticalSpacing={2} withRowBorders={false}>
              <Table.Tbody>
                {invoices.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td w={32}>
                      <Checkbox aria-label={`Include ${i.number}`} checked={chosen.includes(i.id)} onChange={(e) => toggle(i.id, e.currentTarget.checked)} />
                    </Table.Td>
                    <Table.Td>{i.number}</Table.Td>
                    <Table.Td c="dimmed">{i.dueDate ? `due ${formatDate(i.dueDate)}` : ''}</Table.Td>
                    <Table.Td ta="right">{money(i.amountDue, i.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {problems['invoiceIds'] ? (
            <Text size="sm" c="red" role="alert">
              {problems['invoiceIds']}
            </Text>
          ) : null}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="How often"
              data={[
                { value: 'weekly', label: 'Weekly' },
                { value: 'fortnightly', label: 'Fortnightly' },
                { value: 'monthly', label: 'Monthly' },
              ]}
              value={frequency}
              onChange={(v) => v && setFrequency(v as Frequency)}
              allowDeselect={false}
              error={problems['frequency']}
            />
            <TextInput type="date" label="First instalment" value={startDate} min={todayLocal()} onChange={(e) => setStartDate(e.currentTarget.value)} error={problems['startDate']} />
            <div>
              <Text size="sm" fw={500} mb={4}>
                Split by
              </Text>
              <SegmentedControl
                fullWidth
                value={by}
                onChange={(v) => setBy(v as 'count' | 'amount')}
                aria-label="Split by"
                data={[
                  { value: 'count', label: 'Number' },
                  { value: 'amount', label: 'Amount' },
                ]}
              />
            </div>
          </SimpleGrid>
          <Group align="flex-start">
            {by === 'count' ? (
              <NumberInput label="Instalments" min={1} max={policy.data?.plans.maxInstalments ?? 120} value={count} onChange={setCount} w={160} allowDecimal={false} error={problems['count']} />
            ) : (
              <TextInput label={`Each instalment (${currency})`} placeholder="e.g. 250" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} inputMode="decimal" w={200} error={problems['instalmentAmount']} />
            )}
            <Checkbox label="Post instalments to the ledger as invoices" description="Otherwise the plan is noted on the invoices" checked={postInvoices} onChange={(e) => setPostInvoices(e.currentTarget.checked)} mt={28} />
          </Group>
          {rest ? <Alert color="red">{rest}</Alert> : null}
          {p ? (
            <Stack gap={4} data-testid="plan-preview">
              <Text size="sm" fw={600}>
                {p.summary}
              </Text>
              <Table verticalSpacing={3} striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>#</Table.Th>
                    <Table.Th>Due</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.instalments.map((i) => (
                    <Table.Tr key={i.seq}>
                      <Table.Td>{i.seq}</Table.Td>
                      <Table.Td>{formatDate(i.dueDate)}</Table.Td>
                      <Table.Td ta="right">{money(i.amount, p.currency)}</Table.Td>
                    </Table.Tr>
                  ))}
                  <Table.Tr>
                    <Table.Td />
                    <Table.Td fw={600}>Total</Table.Td>
                    <Table.Td ta="right" fw={600}>
                      {money(p.total, p.currency)}
                    </Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            </Stack>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button variant={p ? 'light' : 'filled'} onClick={() => preview.mutate(input)} loading={preview.isPending} disabled={chosen.length === 0}>
              Preview schedule
            </Button>
            <Button
              disabled={!p}
              loading={create.isPending}
              onClick={() => create.mutate(input, { onSuccess: (plan) => notify({ title: 'Payment plan set up', message: `${plan.instalments.length} ${plan.frequency} instalments from ${formatDate(plan.startDate)} for ${money(plan.total, plan.currency)}.` }) })}
            >
              Create plan
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
