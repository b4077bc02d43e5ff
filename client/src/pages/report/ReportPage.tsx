/**
 * The monthly client report (server/reports/): KPIs against baseline and target, aging then and
 * now, cash collected and how, actions, promises, top risks and next month's plan. The same model
 * the PDF and the email are made from; every text comes from the server in words.
 * Staff reach it at /organisations/:id/report, a client contact from their navigation (/report).
 */
import { Alert, Badge, Button, Card, Center, Container, Group, Loader, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useLocation, useSearch } from 'wouter';
import type { ClientReport } from '../../../../server/reports/report';
import { api } from '../../api';
import { appNow } from '../../clock';

interface OrganisationChoice {
  id: string;
  name: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** The 12 months before this one, newest first, as { value: 'YYYY-MM', label: 'November 2026' }. */
function monthChoices(today: Date): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (let i = 1; i <= 12; i++) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - i, 1));
    out.push({ value: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, label: `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` });
  }
  return out;
}

const figure = (v: number | null, unit: 'days' | '%') => (v === null ? '—' : `${v.toFixed(2)}${unit === '%' ? '%' : ' days'}`);
const change = (v: number | null, unit: 'days' | '%') => (v === null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)}${unit === '%' ? ' points' : ' days'}`);

export function ReportPage({ organisationId }: { organisationId?: string }) {
  const search = new URLSearchParams(useSearch());
  const [location, navigate] = useLocation();
  const orgs = useQuery({ queryKey: ['organisations-for-report'], queryFn: () => api<{ organisations: OrganisationChoice[] }>('/organisations'), enabled: !organisationId });
  const chosenOrg = organisationId ?? search.get('organisation') ?? orgs.data?.organisations[0]?.id ?? null;
  const month = search.get('month');
  const report = useQuery({
    queryKey: ['client-report', chosenOrg, month],
    queryFn: () => api<{ month: string; report: ClientReport }>(`/organisations/${chosenOrg}/report${month ? `?month=${month}` : ''}`),
    enabled: Boolean(chosenOrg),
  });
  const setQuery = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    next.set(key, value);
    navigate(`${location}?${next.toString()}`);
  };
  const r = report.data?.report;
  const shownMonth = report.data?.month ?? month;

  return (
    <Container size="lg" px={0}>
      <Stack gap="md">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <div>
            {r && (
              <Text c="blue" fw={700} size="sm">
                {r.firmName}
              </Text>
            )}
            <Title order={2}>{r ? `${r.organisationName}: ${r.monthName}` : 'Monthly report'}</Title>
            {r && (
              <Text c="dimmed" size="sm">
                {r.periodText}. {r.service ? `Service started ${r.service.startText}. “Now” is ${r.service.nowText}; the baseline is ${r.service.baselineText}.` : 'The service’s start date is not set yet, so there is no baseline to compare with.'}
              </Text>
            )}
          </div>
          <Group gap="xs" wrap="wrap">
            {!organisationId && (orgs.data?.organisations.length ?? 0) > 1 && (
              <Select aria-label="Organisation" data={orgs.data!.organisations.map((o) => ({ value: o.id, label: o.name }))} value={chosenOrg} onChange={(v) => v && setQuery('organisation', v)} w={200} allowDeselect={false} />
            )}
            <Select aria-label="Month" data={monthChoices(appNow())} value={shownMonth} onChange={(v) => v && setQuery('month', v)} w={170} allowDeselect={false} placeholder="Month" />
            {chosenOrg && (
              <Button component="a" variant="light" href={`/api/organisations/${chosenOrg}/report/pdf${shownMonth ? `?month=${shownMonth}` : ''}`}>
                Download PDF
              </Button>
            )}
          </Group>
        </Group>

        {((report.isLoading && Boolean(chosenOrg)) || orgs.isLoading) && (
          <Center py="xl">
            <Loader aria-label="Loading" />
          </Center>
        )}
        {report.error && <Alert color="red">{report.error.message}</Alert>}
        {orgs.data && orgs.data.organisations.length === 0 && <Alert>There is no organisation to report on yet.</Alert>}

        {r && (
          <>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Card withBorder>
                <Text size="sm" c="dimmed">
                  Cash collected
                </Text>
                <Text fz={26} fw={700}>
                  {r.collected.total.text}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="sm" c="dimmed">
                  Cash released by a lower DSO
                </Text>
                <Text fz={26} fw={700}>
                  {r.cashReleased ? r.cashReleased.amount.text : '—'}
                </Text>
                {r.cashReleased && (
                  <Text size="xs" c="dimmed">
                    {r.cashReleased.sentence}
                  </Text>
                )}
              </Card>
              <Card withBorder>
                <Text size="sm" c="dimmed">
                  Promises to pay due this month
                </Text>
                <Text fz={26} fw={700}>
                  {r.promises.kept} kept, {r.promises.broken} broken
                </Text>
              </Card>
              {r.billingAccuracy && (
                <Card withBorder data-testid="report-billing-accuracy">
                  <Text size="sm" c="dimmed">
                    Billing accuracy (invoices not voided, credited or amended within 30 days)
                  </Text>
                  <Text fz="md" fw={700}>
                    {r.billingAccuracy.rateText}
                  </Text>
                  {r.billingAccuracy.reasons.length > 0 && (
                    <Text size="xs" c="dimmed">
                      {r.billingAccuracy.reasons.map((x) => `${x.name}: ${x.count}`).join(' · ')}
                    </Text>
                  )}
                </Card>
              )}
            </SimpleGrid>

            <Card withBorder>
              <Title order={4} mb="xs">
                Key figures against baseline and target
              </Title>
              <Stack gap="sm" hiddenFrom="sm">
                {r.kpis.map((k) => (
                  <div key={k.name}>
                    <Text size="sm" fw={600}>
                      {k.name}
                    </Text>
                    <Text size="sm">
                      {figure(k.current, k.unit)} now, {figure(k.baseline, k.unit)} at baseline{' '}
                      <Text span c={k.better === true ? 'teal' : k.better === false ? 'red' : 'dimmed'}>
                        ({change(k.change, k.unit)})
                      </Text>
                    </Text>
                    {k.target && (
                      <Text size="xs" c="dimmed">
                        Target {figure(k.target.goal, k.unit)} by {k.target.dueText}: {k.target.status}
                      </Text>
                    )}
                  </div>
                ))}
              </Stack>
              <Table.ScrollContainer minWidth={560} visibleFrom="sm">
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Measure</Table.Th>
                      <Table.Th ta="right">Baseline</Table.Th>
                      <Table.Th ta="right">Now</Table.Th>
                      <Table.Th ta="right">Change</Table.Th>
                      <Table.Th>Target</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {r.kpis.map((k) => (
                      <Table.Tr key={k.name}>
                        <Table.Td>{k.name}</Table.Td>
                        <Table.Td ta="right">{figure(k.baseline, k.unit)}</Table.Td>
                        <Table.Td ta="right">{figure(k.current, k.unit)}</Table.Td>
                        <Table.Td ta="right" c={k.better === true ? 'teal' : k.better === false ? 'red' : undefined}>
                          {change(k.change, k.unit)}
                        </Table.Td>
                        <Table.Td>
                          {k.target ? (
                            <Group gap={6} wrap="nowrap">
                              <Text size="sm">
                                {figure(k.target.goal, k.unit)} by {k.target.dueText}
                              </Text>
                              <Badge size="sm" variant="light">
                                {k.target.status}
                              </Badge>
                            </Group>
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>

            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Card withBorder>
                <Title order={4} mb="xs">
                  Cash collected and how
                </Title>
                <Table>
                  <Table.Tbody>
                    {r.collected.rows.map((c) => (
                      <Table.Tr key={c.name}>
                        <Table.Td>After {c.name.toLowerCase()}</Table.Td>
                        <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                          {c.amount.text}
                        </Table.Td>
                        <Table.Td c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {c.payments === 1 ? '1 payment' : `${c.payments} payments`}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                    <Table.Tr>
                      <Table.Td>Not through Arcus</Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        {r.collected.notThroughArcus.text}
                      </Table.Td>
                      <Table.Td />
                    </Table.Tr>
                  </Table.Tbody>
                </Table>
                <Text size="xs" c="dimmed" mt="xs">
                  How payments are credited: {r.collected.rule}
                </Text>
              </Card>
              <Card withBorder>
                <Title order={4} mb="xs">
                  Aging then and now
                </Title>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th />
                      <Table.Th ta="right">{r.aging.beforeText ? `At ${r.aging.beforeText}` : 'At the start'}</Table.Th>
                      <Table.Th ta="right">At {r.aging.nowText}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {r.aging.now.map((n, i) => (
                      <Table.Tr key={n.name}>
                        <Table.Td>{n.name}</Table.Td>
                        <Table.Td ta="right">{r.aging.before?.[i]?.amount.text ?? '—'}</Table.Td>
                        <Table.Td ta="right">{n.amount.text}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
              <Card withBorder>
                <Title order={4} mb="xs">
                  Actions taken
                </Title>
                <Table>
                  <Table.Tbody>
                    {r.actions.map((a) => (
                      <Table.Tr key={a.name}>
                        <Table.Td>{a.name}</Table.Td>
                        <Table.Td ta="right">{a.count}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
              <Card withBorder>
                <Title order={4} mb="xs">
                  Top risks
                </Title>
                {r.risks.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    No customer is scored as a risk.
                  </Text>
                ) : (
                  <Stack gap="xs">
                    {r.risks.map((k) => (
                      <div key={k.customer}>
                        <Text size="sm" fw={600}>
                          {k.customer}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {k.openInvoices === 1 ? '1 open invoice' : `${k.openInvoices} open invoices`}, {k.lateChancePct}% likely to pay late{k.reason ? ` — ${k.reason}` : ''}
                        </Text>
                      </div>
                    ))}
                  </Stack>
                )}
              </Card>
            </SimpleGrid>

            <Card withBorder>
              <Title order={4} mb="xs">
                Plan for {r.nextMonthName}
              </Title>
              {r.nextMonth.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No steps are planned yet.
                </Text>
              ) : (
                <Table.ScrollContainer minWidth={480}>
                  <Table>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Step</Table.Th>
                        <Table.Th>For</Table.Th>
                        <Table.Th>Due</Table.Th>
                        <Table.Th>Who</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {r.nextMonth.map((s) => (
                        <Table.Tr key={`${s.title}|${s.goal}|${s.dueText}|${s.who ?? ''}`}>
                          <Table.Td>
                            {s.kindName}: {s.title}
                          </Table.Td>
                          <Table.Td>{s.goal}</Table.Td>
                          <Table.Td>{s.dueText}</Table.Td>
                          <Table.Td>{s.who ?? 'Unassigned'}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </Card>
          </>
        )}
      </Stack>
    </Container>
  );
}
