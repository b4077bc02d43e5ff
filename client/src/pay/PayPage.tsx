/**
 * The debtor's pay page (/pay/:token), outside the staff shell and without sign-in: the
 * organisation's name, the invoices and what is due, an early-payment discount with its
 * deadline, "Pay now" (to the provider's hosted checkout), "I'll pay on…" (a promise) and
 * "Something's wrong" (a dispute). Returns from the provider land here with ?checkout=<id>.
 */
import { Alert, Anchor, Box, Button, Checkbox, Container, Group, Loader, Paper, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { fieldErrors, formError } from '../api';
import { day, money, type PayInvoice, PayApiError, type PaySummary, payApi } from './api';

const REASONS = [
  { value: 'incorrect_amount', label: 'The amount is wrong' },
  { value: 'not_received', label: 'Goods or services not received' },
  { value: 'quality', label: 'A problem with the goods or service' },
  { value: 'already_paid', label: 'I have already paid' },
  { value: 'duplicate', label: 'I was invoiced twice' },
  { value: 'other', label: 'Something else' },
];

type Mode = 'idle' | 'promise' | 'dispute';
type Done = { kind: 'promise'; date: string } | { kind: 'dispute' } | null;

function statusBadge(inv: PayInvoice) {
  const label = (text: string, c: string) => (
    <Text size="sm" fw={600} c={c}>
      {text}
    </Text>
  );
  if (inv.processing) return label('Processing', 'teal.8');
  if (inv.ledgerStatus === 'paid' || (inv.ledgerStatus === 'authorised' && inv.amountDue === '0.00')) return label('Paid', 'green.8');
  if (inv.ledgerStatus === 'voided' || inv.ledgerStatus === 'deleted') return label('Cancelled', 'gray.7');
  if (inv.overdue) return label('Overdue', 'red.7');
  return label('Due', 'blue.7');
}

function useReturn(token: string) {
  const params = new URLSearchParams(window.location.search);
  const checkoutId = params.get('checkout');
  const cancelled = params.get('cancelled') === '1';
  const qc = useQueryClient();
  const ret = useQuery({
    queryKey: ['pay-return', token, checkoutId],
    enabled: Boolean(checkoutId),
    queryFn: () => payApi<{ status: string; amount: string; currency: string }>(`${encodeURIComponent(token)}/checkouts/${encodeURIComponent(checkoutId ?? '')}`),
    refetchInterval: (q) => (q.state.data?.status === 'open' && q.state.dataUpdateCount < 10 ? 2000 : false),
  });
  useEffect(() => {
    if (ret.data?.status === 'completed') void qc.invalidateQueries({ queryKey: ['pay', token] });
  }, [ret.data?.status, qc, token]);
  return { checkoutId, cancelled, ret };
}

export function PayPage({ token }: { token: string }) {
  const summary = useQuery({ queryKey: ['pay', token], queryFn: () => payApi<PaySummary>(encodeURIComponent(token)), retry: false });
  const { checkoutId, cancelled, ret } = useReturn(token);

  if (summary.isPending) {
    return (
      <Box mih="100vh" bg="gray.0" py={80} ta="center">
        <Loader aria-label="Loading" />
      </Box>
    );
  }
  if (summary.error) {
    const missing = summary.error instanceof PayApiError && summary.error.status === 404;
    return (
      <Box mih="100vh" bg="gray.0" py={60}>
        <Container size={520}>
          <Paper p="xl" radius="md" withBorder>
            <Title order={2} mb="sm">
              {missing ? 'This payment link is not valid' : 'Something went wrong'}
            </Title>
            <Text c="dimmed">{missing ? 'The link may be incomplete or may have been replaced. Please use the most recent email you received, or reply to it.' : summary.error.message}</Text>
          </Paper>
        </Container>
      </Box>
    );
  }
  return <PayView token={token} s={summary.data} checkoutId={checkoutId} cancelled={cancelled} returned={ret.data ?? null} returnPending={ret.isFetching} />;
}

function PayView({ token, s, checkoutId, cancelled, returned, returnPending }: { token: string; s: PaySummary; checkoutId: string | null; cancelled: boolean; returned: { status: string; amount: string; currency: string } | null; returnPending: boolean }) {
  const qc = useQueryClient();
  const cc = s.organisation.countryCode;
  const payable = useMemo(() => s.invoices.filter((i) => i.payNow !== '0.00'), [s.invoices]);
  const open = useMemo(() => s.invoices.filter((i) => i.ledgerStatus === 'authorised' && i.amountDue !== '0.00'), [s.invoices]);
  const [selected, setSelected] = useState<string[]>(() => payable.map((i) => i.id));
  useEffect(() => setSelected((prev) => prev.filter((id) => s.invoices.some((i) => i.id === id && i.payNow !== '0.00'))), [s.invoices]);
  const [mode, setMode] = useState<Mode>('idle');
  const [done, setDone] = useState<Done>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const problems = fieldErrors(failure);
  const [date, setDate] = useState('');
  const [reason, setReason] = useState<string | null>(null);
  const [details, setDetails] = useState('');

  const chosen = s.scope === 'statement' ? s.invoices.filter((i) => selected.includes(i.id)) : s.invoices;
  const chosenPayable = chosen.filter((i) => i.payNow !== '0.00');
  const currencies = [...new Set(chosenPayable.map((i) => i.currency))];
  const payTotal = currencies.length === 1 ? sumDecimal(chosenPayable.map((i) => i.payNow)) : null;
  const discounts = s.invoices.filter((i) => i.discount);

  async function pay() {
    setBusy(true);
    setFailure(null);
    try {
      const body = s.scope === 'statement' ? { invoiceIds: chosenPayable.map((i) => i.id) } : {};
      const out = await payApi<{ url: string }>(`${encodeURIComponent(token)}/checkout`, body);
      window.location.assign(out.url);
    } catch (e) {
      setFailure(e);
      setBusy(false);
    }
  }

  async function promise() {
    setBusy(true);
    setFailure(null);
    try {
      const ids = s.scope === 'statement' && selected.length ? { invoiceIds: chosen.filter((i) => open.includes(i)).map((i) => i.id) } : {};
      await payApi(`${encodeURIComponent(token)}/promise`, { date, ...ids });
      setDone({ kind: 'promise', date });
      setMode('idle');
      void qc.invalidateQueries({ queryKey: ['pay', token] });
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  }

  async function dispute() {
    setBusy(true);
    setFailure(null);
    try {
      const one = s.scope === 'statement' && chosen.length === 1 ? { invoiceId: chosen[0]!.id } : {};
      await payApi(`${encodeURIComponent(token)}/dispute`, { reason, details, ...one });
      setDone({ kind: 'dispute' });
      setMode('idle');
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  }

  // Problems with a field of their own sit beside it; the rest (and the invoices chosen) above the buttons.
  const error = failure ? formError(failure, mode === 'promise' ? ['date'] : mode === 'dispute' ? ['reason', 'details'] : []) : null;
  const allPaid = open.length === 0;
  return (
    <Box mih="100vh" bg="gray.0" pb={48}>
      <Box bg="blue.7" c="white" py="lg" mb="lg">
        <Container size={720}>
          {s.organisation.logoUrl && (
            <Box bg="white" p={6} mb="sm" style={{ display: 'inline-block', borderRadius: 6 }}>
              <img src={s.organisation.logoUrl} alt={s.organisation.name} style={{ display: 'block', maxHeight: 48, maxWidth: 220 }} />
            </Box>
          )}
          <Text size="sm" opacity={0.85}>
            Payment to
          </Text>
          <Title order={1} fz={{ base: 24, sm: 30 }}>
            {s.organisation.name}
          </Title>
        </Container>
      </Box>
      <Container size={720}>
        <Stack gap="md">
          {checkoutId && returned?.status === 'completed' && (
            <Alert color="green" title="Thank you — payment received" variant="light">
              We received your payment of {money(returned.amount, returned.currency, cc)}. {s.organisation.name} will see it in their accounts shortly; there is nothing else you need to do.
            </Alert>
          )}
          {checkoutId && returned && returned.status === 'open' && (
            <Alert color="blue" title="Checking your payment…" variant="light">
              {returnPending ? <Loader size="xs" /> : 'Your payment has not been confirmed yet. If you completed it, this page will update shortly.'}
            </Alert>
          )}
          {checkoutId && returned && (returned.status === 'expired' || returned.status === 'failed') && (
            <Alert color="orange" title="The payment did not go through" variant="light">
              No money was taken. You can try again below.
            </Alert>
          )}
          {cancelled && !checkoutId && (
            <Alert color="gray" title="Payment cancelled" variant="light">
              No money was taken. You can pay whenever you are ready.
            </Alert>
          )}
          {done?.kind === 'promise' && (
            <Alert color="green" title="Thank you — we have noted your payment date" variant="light">
              {s.organisation.name} knows you plan to pay by {day(done.date, cc)}. We will not send reminders before then.
            </Alert>
          )}
          {done?.kind === 'dispute' && (
            <Alert color="green" title="Thank you — we have let them know" variant="light">
              {s.organisation.name} will look into it and get back to you. Reminders are paused meanwhile.
            </Alert>
          )}

          <Paper p={{ base: 'md', sm: 'xl' }} radius="md" withBorder>
            <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
              <div>
                <Text size="sm" c="dimmed">
                  {s.scope === 'statement' ? 'Statement for' : 'Invoice for'}
                </Text>
                <Title order={2} fz={20}>
                  {s.customer.name}
                </Title>
              </div>
              {s.totals.map((t) => (
                <div key={t.currency} style={{ textAlign: 'right' }}>
                  <Text size="sm" c="dimmed">
                    To pay today
                  </Text>
                  <Text fz={26} fw={700} data-testid="pay-total">
                    {money(t.payNow, t.currency, cc)}
                  </Text>
                </div>
              ))}
            </Group>

            {discounts.map((i) => (
              <Alert key={i.id} color="teal" variant="light" mb="md" title={`Save ${rate(i.discount!.rateBp)}% by paying by ${day(i.discount!.expiresOn, cc)}`}>
                Pay {i.number} in full by {day(i.discount!.expiresOn, cc)} and {money(i.discount!.amount, i.currency, cc)} comes off: you pay {money(i.payNow, i.currency, cc)} instead of {money(i.amountDue, i.currency, cc)}.
              </Alert>
            ))}

            <Table.ScrollContainer minWidth={300}>
              <Table verticalSpacing="sm" aria-label="Invoices">
                <Table.Thead>
                  <Table.Tr>
                    {s.scope === 'statement' && <Table.Th w={36} />}
                    <Table.Th>Invoice</Table.Th>
                    <Table.Th visibleFrom="sm">Issued</Table.Th>
                    <Table.Th>Due</Table.Th>
                    <Table.Th ta="right">Amount due</Table.Th>
                    <Table.Th visibleFrom="sm">Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.invoices.map((i) => (
                    <Table.Tr key={i.id}>
                      {s.scope === 'statement' && (
                        <Table.Td>
                          <Checkbox aria-label={`Select ${i.number}`} checked={selected.includes(i.id)} disabled={i.ledgerStatus !== 'authorised' || i.amountDue === '0.00'} onChange={(e) => {
                              const on = e.currentTarget.checked;
                              setSelected((prev) => (on ? [...prev, i.id] : prev.filter((x) => x !== i.id)));
                            }} />
                        </Table.Td>
                      )}
                      <Table.Td fw={600} style={{ whiteSpace: 'nowrap' }}>
                        {i.onlineUrl ? (
                          <Anchor href={i.onlineUrl} target="_blank" rel="noreferrer" title="View the invoice">
                            {i.number || 'View'} ↗
                          </Anchor>
                        ) : (
                          i.number || '—'
                        )}
                      </Table.Td>
                      <Table.Td visibleFrom="sm" style={{ whiteSpace: 'nowrap' }}>
                        {day(i.issueDate, cc)}
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(i.dueDate, cc)}</Table.Td>
                      <Table.Td ta="right">
                        <span style={{ whiteSpace: 'nowrap' }}>{money(i.amountDue, i.currency, cc)}</span>
                        <Box hiddenFrom="sm">{statusBadge(i)}</Box>
                        {i.discount && (
                          <Text size="xs" c="teal.8">
                            {money(i.payNow, i.currency, cc)} if paid by {day(i.discount.expiresOn, cc)}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td visibleFrom="sm" style={{ whiteSpace: 'nowrap' }}>
                        {statusBadge(i)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>

            {allPaid ? (
              <Text mt="lg" fw={600} c="green.8">
                Nothing is left to pay. Thank you!
              </Text>
            ) : (
              <Stack mt="lg" gap="sm">
                {error && (
                  <Alert color="red" variant="light" title="That did not work">
                    {error}
                  </Alert>
                )}
                {s.canPay && (
                  <Button size="lg" fullWidth onClick={pay} loading={busy && mode === 'idle'} disabled={!payTotal || payTotal === '0.00'}>
                    {payTotal && currencies[0] ? `Pay now ${money(payTotal, currencies[0], cc)}` : currencies.length > 1 ? 'Choose invoices in one currency' : 'Pay now'}
                  </Button>
                )}
                <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
                  <Button variant="light" onClick={() => { setFailure(null); setMode(mode === 'promise' ? 'idle' : 'promise'); }}>
                    I’ll pay on…
                  </Button>
                  <Button variant="subtle" color="gray" onClick={() => { setFailure(null); setMode(mode === 'dispute' ? 'idle' : 'dispute'); }}>
                    Something’s wrong
                  </Button>
                </SimpleGrid>

                {mode === 'promise' && (
                  <Paper p="md" withBorder radius="md" bg="gray.0">
                    <Stack gap="sm">
                      <Text size="sm">Tell {s.organisation.name} when you will pay{s.scope === 'statement' ? ' the selected invoices' : ''}. Reminders stop until then.</Text>
                      <TextInput type="date" label="I will pay on" value={date} min={s.today} max={s.promiseLatest} onChange={(e) => setDate(e.currentTarget.value)} error={problems['date']} required />
                      <Button onClick={promise} loading={busy}>
                        Confirm payment date
                      </Button>
                    </Stack>
                  </Paper>
                )}
                {mode === 'dispute' && (
                  <Paper p="md" withBorder radius="md" bg="gray.0">
                    <Stack gap="sm">
                      <Select label="What is wrong?" placeholder="Choose a reason" data={REASONS} value={reason} onChange={setReason} error={problems['reason']} required comboboxProps={{ withinPortal: false }} />
                      <Textarea label="Anything else they should know?" maxLength={1000} autosize minRows={3} value={details} onChange={(e) => setDetails(e.currentTarget.value)} error={problems['details']} />
                      <Button color="orange" onClick={dispute} loading={busy}>
                        Send to {s.organisation.name}
                      </Button>
                    </Stack>
                  </Paper>
                )}
              </Stack>
            )}
          </Paper>
          <Text size="xs" c="dimmed" ta="center">
            {s.provider === 'sandbox' ? 'Demo payments: no real money moves. ' : ''}Payments are processed securely by {s.provider === 'stripe' ? 'Stripe' : 'our payment provider'}; card details never reach {s.organisation.name}.
          </Text>
        </Stack>
      </Container>
    </Box>
  );
}

function rate(bp: number): string {
  const whole = Math.trunc(bp / 100);
  const frac = String(bp % 100).padStart(2, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

/** Exact sum of decimal strings with two places (no float arithmetic). */
function sumDecimal(values: string[]): string {
  let cents = 0n;
  for (const v of values) {
    const [w = '0', f = ''] = v.split('.');
    cents += BigInt(w) * 100n + BigInt((f + '00').slice(0, 2));
  }
  const s = cents.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}
