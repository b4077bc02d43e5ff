/**
 * "Cancel service" on the customer page (issue #19; server/cancellations/, decision 048): pick the
 * invoices and lines cancelled, the service period, the day the cancellation takes effect and how the
 * credit is worked out → a preview (credit per line, what is taken off what is owed, what is left as
 * the customer's credit, which instalments, offers and reminders stop) → confirm. The request id is
 * made when the dialog opens, so confirming twice is one cancellation.
 */
import { Alert, Badge, Button, Checkbox, Group, Modal, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { appNow } from '../../clock';
import { useApiQuery } from '../../components/analytics/use-api';
import { notify } from '../../writebacks/notify';
import { newRequestKey } from '../../writebacks/uuid';
import type { CancellableInvoice, CancelPreview, ConfirmResult } from '../../../../server/cancellations/service';

type Method = 'by_days' | 'fixed_schedule';
interface Choices {
  customerName: string;
  invoices: CancellableInvoice[];
  scheduleText: string;
}

const FIELDS = ['invoices', 'lines', 'serviceStart', 'serviceEnd', 'effectiveDate', 'method', 'reason'];

export function CancelServiceButton({ organisationId, customerId }: { organisationId: string; customerId: string }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" color="red" onClick={() => setOpened(true)}>
        Cancel service
      </Button>
      {opened ? <CancelServiceModal organisationId={organisationId} customerId={customerId} onClose={() => setOpened(false)} /> : null}
    </>
  );
}

function CancelServiceModal({ organisationId, customerId, onClose }: { organisationId: string; customerId: string; onClose: () => void }) {
  const choices = useApiQuery<Choices>(`/cancellations/invoices?organisationId=${organisationId}&customerId=${customerId}`);
  const [requestId] = useState(newRequestKey);
  const [chosen, setChosen] = useState<Record<string, number[]>>({});
  const [serviceStart, setServiceStart] = useState('');
  const [serviceEnd, setServiceEnd] = useState('');
  const [effectiveDate, setEffectiveDate] = useState(() => appNow().toISOString().slice(0, 10));
  const [method, setMethod] = useState<Method>('by_days');
  const [reason, setReason] = useState('');
  const [step, setStep] = useState<'choose' | 'preview' | 'done'>('choose');
  const qc = useQueryClient();
  const list = choices.data?.invoices ?? [];

  const body = () => ({
    organisationId,
    customerId,
    invoices: Object.entries(chosen).map(([invoiceId, lines]) => {
      const all = list.find((i) => i.id === invoiceId)?.lines.length ?? 0;
      return { invoiceId, lines: lines.length === all ? ('all' as const) : lines };
    }),
    serviceStart,
    serviceEnd,
    effectiveDate,
    method,
    reason: reason.trim(),
  });
  const preview = useMutation({ mutationFn: () => api<{ preview: CancelPreview }>('/cancellations/preview', { method: 'POST', body: body() }), onSuccess: () => setStep('preview') });
  const confirm = useMutation({
    mutationFn: () => api<{ cancellation: ConfirmResult; message: string }>('/cancellations', { method: 'POST', body: { ...body(), requestId } }),
    onSuccess: (r) => {
      setStep('done');
      notify({ title: 'Service cancelled', message: r.message });
      void qc.invalidateQueries();
    },
  });

  // The period from the first invoice chosen, when the form has none yet.
  useEffect(() => {
    const first = list.find((i) => chosen[i.id]);
    if (first && !serviceStart && !serviceEnd) {
      setServiceStart(first.period.start);
      setServiceEnd(first.period.end);
    }
  }, [chosen, list, serviceStart, serviceEnd]);

  const toggleInvoice = (inv: CancellableInvoice, on: boolean) =>
    setChosen((c) => {
      const next = { ...c };
      if (on) next[inv.id] = inv.lines.map((l) => l.lineNo);
      else delete next[inv.id];
      return next;
    });
  const toggleLine = (inv: CancellableInvoice, lineNo: number, on: boolean) =>
    setChosen((c) => {
      const have = c[inv.id] ?? [];
      const lines = on ? [...new Set([...have, lineNo])].sort((a, b) => a - b) : have.filter((n) => n !== lineNo);
      const next = { ...c };
      if (lines.length) next[inv.id] = lines;
      else delete next[inv.id];
      return next;
    });

  const problems = fieldErrors(preview.error ?? confirm.error);
  const rest = formError(preview.error ?? confirm.error, FIELDS);
  const p = preview.data?.preview;

  return (
    <Modal opened onClose={onClose} title={`Cancel service${choices.data ? ` for ${choices.data.customerName}` : ''}`} size="xl" fullScreen={typeof window !== 'undefined' && window.innerWidth < 600}>
      {choices.isPending ? <Text c="dimmed">Loading invoices…</Text> : null}
      {choices.error ? <Alert color="red">{choices.error.message}</Alert> : null}
      {step === 'choose' && choices.data ? (
        <Stack gap="sm" data-testid="cancel-choose">
          <Text size="sm" c="dimmed">
            Choose what the customer no longer takes. Arcus credits the unused part: what is still owed is reduced first, and anything already paid is left as the customer’s credit.
          </Text>
          {list.length === 0 ? <Text c="dimmed">This customer has no open or paid invoices to cancel.</Text> : null}
          <Stack gap={6}>
            {list.map((inv) => (
              <Paper key={inv.id} withBorder p="xs" radius="sm">
                <Checkbox
                  label={
                    <Group gap={6} wrap="wrap">
                      <Text size="sm" fw={600}>{inv.number}</Text>
                      <Text size="sm">{inv.issueDateText} · {inv.totalText}</Text>
                      <Badge size="xs" variant="light" color={inv.statusText === 'Paid' ? 'teal' : 'blue'}>{inv.statusText}</Badge>
                    </Group>
                  }
                  checked={!!chosen[inv.id]}
                  onChange={(e) => toggleInvoice(inv, e.currentTarget.checked)}
                />
                {chosen[inv.id] && inv.lines.length > 1 ? (
                  <Stack gap={4} ml="lg" mt={6}>
                    {inv.lines.map((l) => (
                      <Checkbox key={l.lineNo} size="xs" label={`${l.description} — ${l.totalText}`} checked={chosen[inv.id]!.includes(l.lineNo)} onChange={(e) => toggleLine(inv, l.lineNo, e.currentTarget.checked)} />
                    ))}
                  </Stack>
                ) : null}
              </Paper>
            ))}
          </Stack>
          {problems['invoices'] || problems['lines'] ? <Text size="sm" c="red" role="alert">{problems['invoices'] ?? problems['lines']}</Text> : null}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput type="date" label="Service from" value={serviceStart} onChange={(e) => setServiceStart(e.currentTarget.value)} error={problems['serviceStart']} />
            <TextInput type="date" label="Paid up to" description="The day the paid period runs out" value={serviceEnd} onChange={(e) => setServiceEnd(e.currentTarget.value)} error={problems['serviceEnd']} />
            <TextInput type="date" label="Cancelled from" description="The first day without the service" value={effectiveDate} onChange={(e) => setEffectiveDate(e.currentTarget.value)} error={problems['effectiveDate']} />
          </SimpleGrid>
          <div>
            <Text size="sm" fw={500} mb={4}>How the credit is worked out</Text>
            <SegmentedControl fullWidth value={method} onChange={(v) => setMethod(v as Method)} aria-label="How the credit is worked out" data={[{ value: 'by_days', label: 'By unused days' }, { value: 'fixed_schedule', label: 'Fixed schedule' }]} />
            <Text size="xs" c="dimmed" mt={4}>
              {method === 'by_days' ? 'Each line is credited for the days from the cancellation to the end of the paid period.' : `The firm’s schedule, by month of the term: ${choices.data.scheduleText}`}
            </Text>
          </div>
          <TextInput label="Reason" description="On the timeline and the note in the ledger" placeholder="e.g. The customer closed the branch" value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} error={problems['reason']} />
          {rest ? <Alert color="red">{rest}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Close</Button>
            <Button onClick={() => preview.mutate()} loading={preview.isPending}>Preview</Button>
          </Group>
        </Stack>
      ) : null}
      {step === 'preview' && p ? (
        <Stack gap="sm" data-testid="cancel-preview">
          <Text size="sm">{p.periodText}. {p.methodText}.</Text>
          <div style={{ overflowX: 'auto' }}>
            <Table striped withTableBorder fz="sm" miw={340}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Line</Table.Th>
                  <Table.Th ta="right">Line total</Table.Th>
                  <Table.Th ta="right">Credit</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {p.lines.map((l) => (
                  <Table.Tr key={l.key}>
                    <Table.Td>
                      <Text size="sm">{l.description}</Text>
                      <Text size="xs" c="dimmed">{l.invoiceNumber}</Text>
                    </Table.Td>
                    <Table.Td ta="right">{l.lineTotalText}</Table.Td>
                    <Table.Td ta="right">{l.creditText}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
            <Paper withBorder p="xs" data-fact="Credit"><Text size="xs" c="dimmed">Credit</Text><Text fw={700}>{p.creditText}</Text></Paper>
            <Paper withBorder p="xs" data-fact="Taken off what is owed"><Text size="xs" c="dimmed">Taken off what is owed</Text><Text fw={700}>{p.allocatedText}</Text></Paper>
            <Paper withBorder p="xs" data-fact="Left as credit"><Text size="xs" c="dimmed">Left as credit</Text><Text fw={700}>{p.leftAsCreditText}</Text></Paper>
          </SimpleGrid>
          {p.leftAsCreditSentence ? <Alert color="yellow">{p.leftAsCreditSentence}</Alert> : null}
          {p.stops.length ? (
            <div>
              <Text size="sm" fw={600} mb={4}>What stops</Text>
              <Stack gap={2}>
                {p.stops.map((s) => (
                  <Text key={s} size="sm">• {s}</Text>
                ))}
              </Stack>
            </div>
          ) : null}
          <Text size="xs" c="dimmed">Confirming writes one credit note per invoice to the ledger and emails the customer what was credited.</Text>
          {p.nothingToCredit ? <Alert color="gray">Cancelling from that date credits nothing: the paid period has ended by then.</Alert> : null}
          {rest ? <Alert color="red">{rest}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setStep('choose')}>Back</Button>
            <Button color="red" onClick={() => confirm.mutate()} loading={confirm.isPending} disabled={p.nothingToCredit}>Confirm cancellation</Button>
          </Group>
        </Stack>
      ) : null}
      {step === 'done' && confirm.data ? (
        <Stack gap="sm" data-testid="cancel-done">
          <Text fw={600}>{confirm.data.cancellation.created ? 'The service is cancelled.' : 'This cancellation was already confirmed.'}</Text>
          <Text size="sm">
            Credit of {confirm.data.cancellation.preview.creditText}: the credit note is on its way to the ledger.{' '}
            {confirm.data.cancellation.debtorTold ? 'The customer has been emailed what was credited.' : 'The customer was not emailed: see the timeline for why.'}
          </Text>
          {confirm.data.cancellation.preview.leftAsCreditSentence ? <Alert color="yellow">{confirm.data.cancellation.preview.leftAsCreditSentence}</Alert> : null}
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
