/**
 * The debtor's pay page (/pay/:token), outside the staff shell and without sign-in: the
 * organisation's name, the invoices and what is due, an early-payment discount with its
 * deadline, "Pay now" (to the provider's hosted checkout), "I'll pay on…" (a promise) and
 * "Something's wrong" (a dispute). Returns from the provider land here with ?checkout=<id>.
 * In the customer's language (decision 041), with a switcher to the others: every word from
 * messages/<language>.ts, amounts and dates with Intl for that language (kernel/locale.ts).
 */
import { Alert, Anchor, Box, Button, Checkbox, Container, Group, Loader, NativeSelect, Paper, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language, localeFor } from '../../../kernel/locale';
import { fieldErrors, formError } from '../api';
import { AutopaySection } from './AutopaySection';
import { day, money, PayApiError, type PayInvoice, type PaySummary, payApi } from './api';
import { PAY_MESSAGES, type PayMessages } from './messages';

const REASON_KEYS = ['incorrect_amount', 'not_received', 'quality', 'already_paid', 'duplicate', 'other'] as const;

/** Before the summary says the customer's language: the one asked for in the link (?lang=), else the browser's, else English. */
function requestedLanguage(): Language | null {
  const asked = new URLSearchParams(window.location.search).get('lang');
  return isLanguage(asked) ? asked : null;
}

function browserLanguage(): Language {
  const l = (navigator.language || 'en').slice(0, 2).toLowerCase();
  return isLanguage(l) ? l : 'en';
}

/** The language picker: each language by its own name. */
function LanguageSwitch({ value, onChange, label }: { value: Language; onChange: (l: Language) => void; label: string }) {
  return (
    <NativeSelect
      aria-label={label}
      size="xs"
      w={130}
      data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
      value={value}
      onChange={(e) => {
        const v = e.currentTarget.value;
        if (isLanguage(v)) onChange(v);
      }}
      data-testid="pay-language"
    />
  );
}

type Mode = 'idle' | 'promise' | 'dispute';
type Done = { kind: 'promise'; date: string } | { kind: 'dispute' } | null;

function statusBadge(inv: PayInvoice, t: PayMessages) {
  const label = (text: string, c: string) => (
    <Text size="sm" fw={600} c={c}>
      {text}
    </Text>
  );
  if (inv.processing) return label(t.status.processing, 'teal.8');
  if (inv.ledgerStatus === 'paid' || (inv.ledgerStatus === 'authorised' && inv.amountDue === '0.00')) return label(t.status.paid, 'green.8');
  if (inv.ledgerStatus === 'voided' || inv.ledgerStatus === 'deleted') return label(t.status.cancelled, 'gray.7');
  if (inv.overdue) return label(t.status.overdue, 'red.7');
  return label(t.status.due, 'blue.7');
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
  const [chosen, setChosen] = useState<Language | null>(requestedLanguage);
  const language: Language = chosen ?? summary.data?.language ?? browserLanguage();
  const t = PAY_MESSAGES[language];
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  if (summary.isPending) {
    return (
      <Box mih="100vh" bg="gray.0" py={80} ta="center">
        <Loader aria-label={t.loading} />
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
              {missing ? t.invalidLinkTitle : t.somethingWrongTitle}
            </Title>
            <Text c="dimmed">{missing ? t.invalidLinkBody : summary.error.message}</Text>
          </Paper>
        </Container>
      </Box>
    );
  }
  return <PayView token={token} s={summary.data} checkoutId={checkoutId} cancelled={cancelled} returned={ret.data ?? null} returnPending={ret.isFetching} language={language} onLanguage={setChosen} />;
}

function PayView({ token, s, checkoutId, cancelled, returned, returnPending, language, onLanguage }: { token: string; s: PaySummary; checkoutId: string | null; cancelled: boolean; returned: { status: string; amount: string; currency: string } | null; returnPending: boolean; language: Language; onLanguage: (l: Language) => void }) {
  const qc = useQueryClient();
  const t = PAY_MESSAGES[language];
  // Amounts and dates in the language, with the organisation's country where it speaks it.
  const cc = localeFor(language, s.organisation.countryCode);
  const reasons = REASON_KEYS.map((value) => ({ value, label: t.reasons[value] }));
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
          <Group justify="space-between" align="center" wrap="nowrap">
            <Text size="sm" opacity={0.85}>
              {t.paymentTo}
            </Text>
            <LanguageSwitch value={language} onChange={onLanguage} label={t.languageLabel} />
          </Group>
          <Title order={1} fz={{ base: 24, sm: 30 }}>
            {s.organisation.name}
          </Title>
        </Container>
      </Box>
      <Container size={720}>
        <Stack gap="md">
          {checkoutId && returned?.status === 'completed' && (
            <Alert color="green" title={t.received.title} variant="light">
              {t.received.body(money(returned.amount, returned.currency, cc), s.organisation.name)}
            </Alert>
          )}
          {checkoutId && returned && returned.status === 'open' && (
            <Alert color="blue" title={t.checking.title} variant="light">
              {returnPending ? <Loader size="xs" /> : t.checking.body}
            </Alert>
          )}
          {checkoutId && returned && (returned.status === 'expired' || returned.status === 'failed') && (
            <Alert color="orange" title={t.failed.title} variant="light">
              {t.failed.body}
            </Alert>
          )}
          {cancelled && !checkoutId && (
            <Alert color="gray" title={t.cancelled.title} variant="light">
              {t.cancelled.body}
            </Alert>
          )}
          {done?.kind === 'promise' && (
            <Alert color="green" title={t.promised.title} variant="light">
              {t.promised.body(s.organisation.name, day(done.date, cc))}
            </Alert>
          )}
          {done?.kind === 'dispute' && (
            <Alert color="green" title={t.disputed.title} variant="light">
              {t.disputed.body(s.organisation.name)}
            </Alert>
          )}

          <Paper p={{ base: 'md', sm: 'xl' }} radius="md" withBorder>
            <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
              <div>
                <Text size="sm" c="dimmed">
                  {s.scope === 'statement' ? t.statementFor : t.invoiceFor}
                </Text>
                <Title order={2} fz={20}>
                  {s.customer.name}
                </Title>
              </div>
              {s.totals.map((total) => (
                <div key={total.currency} style={{ textAlign: 'right' }}>
                  <Text size="sm" c="dimmed">
                    {t.toPayToday}
                  </Text>
                  <Text fz={26} fw={700} data-testid="pay-total">
                    {money(total.payNow, total.currency, cc)}
                  </Text>
                </div>
              ))}
            </Group>

            {discounts.map((i) => (
              <Alert key={i.id} color="teal" variant="light" mb="md" title={t.discountTitle(rate(i.discount!.rateBp, language), day(i.discount!.expiresOn, cc))}>
                {t.discountBody(i.number, day(i.discount!.expiresOn, cc), money(i.discount!.amount, i.currency, cc), money(i.payNow, i.currency, cc), money(i.amountDue, i.currency, cc))}
              </Alert>
            ))}

            <InvoiceTable s={s} t={t} cc={cc} selected={selected} setSelected={setSelected} />

            {allPaid ? (
              <Text mt="lg" fw={600} c="green.8">
                {t.nothingLeft}
              </Text>
            ) : (
              <Stack mt="lg" gap="sm">
                {error && (
                  <Alert color="red" variant="light" title={t.didNotWork}>
                    {error}
                  </Alert>
                )}
                {s.canPay && (
                  <Button size="lg" fullWidth h="auto" mih={50} py={8} styles={{ label: { whiteSpace: 'normal', textAlign: 'center' } }} onClick={pay} loading={busy && mode === 'idle'} disabled={!payTotal || payTotal === '0.00'}>
                    {payTotal && currencies[0] ? t.payNow(money(payTotal, currencies[0], cc)) : currencies.length > 1 ? t.oneCurrency : t.payNowPlain}
                  </Button>
                )}
                <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
                  <Button variant="light" onClick={() => { setFailure(null); setMode(mode === 'promise' ? 'idle' : 'promise'); }}>
                    {t.promiseButton}
                  </Button>
                  <Button variant="subtle" color="gray" onClick={() => { setFailure(null); setMode(mode === 'dispute' ? 'idle' : 'dispute'); }}>
                    {t.disputeButton}
                  </Button>
                </SimpleGrid>

                {mode === 'promise' && (
                  <Paper p="md" withBorder radius="md" bg="gray.0">
                    <Stack gap="sm">
                      <Text size="sm">{t.promisePrompt(s.organisation.name, s.scope === 'statement')}</Text>
                      <TextInput type="date" label={t.promiseDate} value={date} min={s.today} max={s.promiseLatest} onChange={(e) => setDate(e.currentTarget.value)} error={problems['date']} required />
                      <Button onClick={promise} loading={busy}>
                        {t.promiseConfirm}
                      </Button>
                    </Stack>
                  </Paper>
                )}
                {mode === 'dispute' && (
                  <Paper p="md" withBorder radius="md" bg="gray.0">
                    <Stack gap="sm">
                      <Select label={t.disputeReason} placeholder={t.disputeReasonPlaceholder} data={reasons} value={reason} onChange={setReason} error={problems['reason']} required comboboxProps={{ withinPortal: false }} />
                      <Textarea label={t.disputeDetails} maxLength={1000} autosize minRows={3} value={details} onChange={(e) => setDetails(e.currentTarget.value)} error={problems['details']} />
                      <Button color="orange" onClick={dispute} loading={busy}>
                        {t.disputeSend(s.organisation.name)}
                      </Button>
                    </Stack>
                  </Paper>
                )}
              </Stack>
            )}
          </Paper>
          {s.autopay && <AutopaySection token={token} autopay={s.autopay} organisation={s.organisation.name} t={t.autopay} />}
          <Text size="xs" c="dimmed" ta="center">
            {t.footer(s.provider === 'sandbox', s.provider === 'stripe', s.organisation.name)}
          </Text>
        </Stack>
      </Container>
    </Box>
  );
}

/** Basis points as a percentage with up to two decimals, the decimal mark the language's ("2.5", "2,5"). */
/**
 * The invoices. On a wide screen a table with a column each (the number wraps if it must); on a
 * phone (below Mantine's `sm`) two columns stacked in their cells — the number with its due day
 * under it, and the amount with its state (and any discount) under it — so every row reads without
 * scrolling sideways (the card never gets wider than the window).
 */
function InvoiceTable({ s, t, cc, selected, setSelected }: { s: PaySummary; t: PayMessages; cc: string; selected: string[]; setSelected: (f: (prev: string[]) => string[]) => void }) {
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const statement = s.scope === 'statement';
  const select = (i: PayInvoice) =>
    statement && (
      <Table.Td w={36} style={{ verticalAlign: phone ? 'top' : undefined }}>
        <Checkbox aria-label={t.table.select(i.number)} checked={selected.includes(i.id)} disabled={i.ledgerStatus !== 'authorised' || i.amountDue === '0.00'} onChange={(e) => {
            const on = e.currentTarget.checked;
            setSelected((prev) => (on ? [...prev, i.id] : prev.filter((x) => x !== i.id)));
          }} />
      </Table.Td>
    );
  const number = (i: PayInvoice) =>
    i.onlineUrl ? (
      <Anchor href={i.onlineUrl} target="_blank" rel="noreferrer" title={t.table.viewTitle} style={{ overflowWrap: 'anywhere' }}>
        {i.number || t.table.view} ↗
      </Anchor>
    ) : (
      i.number || '—'
    );
  const discount = (i: PayInvoice) =>
    i.discount && (
      <Text size="xs" c="teal.8">
        {t.ifPaidBy(money(i.payNow, i.currency, cc), day(i.discount.expiresOn, cc))}
      </Text>
    );
  if (phone)
    return (
      <Table verticalSpacing="sm" aria-label={t.table.label}>
        <Table.Thead>
          <Table.Tr>
            {statement && <Table.Th w={36} />}
            <Table.Th>{t.table.invoice}</Table.Th>
            <Table.Th ta="right">{t.table.amountDue}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {s.invoices.map((i) => (
            <Table.Tr key={i.id}>
              {select(i)}
              <Table.Td style={{ verticalAlign: 'top', overflowWrap: 'anywhere' }}>
                <Text fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {number(i)}
                </Text>
                <Text size="xs" c="dimmed">
                  {t.table.due} {day(i.dueDate, cc)}
                </Text>
              </Table.Td>
              <Table.Td ta="right" style={{ verticalAlign: 'top' }}>
                <Text size="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
                  {money(i.amountDue, i.currency, cc)}
                </Text>
                {statusBadge(i, t)}
                {discount(i)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  return (
    <Table.ScrollContainer minWidth={300}>
      <Table verticalSpacing="sm" aria-label={t.table.label}>
        <Table.Thead>
          <Table.Tr>
            {statement && <Table.Th w={36} />}
            <Table.Th>{t.table.invoice}</Table.Th>
            <Table.Th>{t.table.issued}</Table.Th>
            <Table.Th>{t.table.due}</Table.Th>
            <Table.Th ta="right">{t.table.amountDue}</Table.Th>
            <Table.Th>{t.table.status}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {s.invoices.map((i) => (
            <Table.Tr key={i.id}>
              {select(i)}
              {/* A long number wraps rather than pushing the state out of the card. */}
              <Table.Td fw={600} style={{ overflowWrap: 'anywhere' }}>
                {number(i)}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(i.issueDate, cc)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(i.dueDate, cc)}</Table.Td>
              <Table.Td ta="right">
                <span style={{ whiteSpace: 'nowrap' }}>{money(i.amountDue, i.currency, cc)}</span>
                {discount(i)}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{statusBadge(i, t)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function rate(bp: number, language: Language): string {
  const whole = Math.trunc(bp / 100);
  const frac = String(bp % 100).padStart(2, '0').replace(/0+$/, '');
  return frac ? `${whole}${language === 'en' ? '.' : ','}${frac}` : String(whole);
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
