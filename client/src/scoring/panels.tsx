/**
 * Scoring panels for the analytics pages, each dropped in with one line:
 *  - <CustomerRiskPanel organisationId> on a customer list: risk, segment, change and reasons;
 *  - <InvoiceRiskPanel organisationId> on an invoice list: open invoices by risk, expected dates;
 *  - <CustomerRiskLine organisationId contactExternalId> on the customer page.
 */
import { Anchor, Button, Group, Paper, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { useOrganisationScores } from './api';
import { CustomerChanges } from './ChangedBehaviour';
import { CustomerRiskBadges, InvoiceRiskBadge, RiskBadge, SegmentBadge, ScoreChange } from './badges';
import { formatMoney, percent, shortDate } from './format';

const FIRST = 8;

export function CustomerRiskPanel({ organisationId }: { organisationId: string | null | undefined }) {
  const q = useOrganisationScores(organisationId);
  const [all, setAll] = useState(false);
  if (!q.data || q.data.customers.length === 0) return null;
  const rows = all ? q.data.customers : q.data.customers.slice(0, FIRST);
  return (
    <Paper withBorder radius="md" p="md" data-testid="customer-risk-panel">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Collection risk by customer</Text>
        <Anchor component={Link} href="/worklist" size="sm">
          Worklist
        </Anchor>
      </Group>
      <Table verticalSpacing={4} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Customer</Table.Th>
            <Table.Th>Risk</Table.Th>
            <Table.Th>Segment</Table.Th>
            <Table.Th>Since last month</Table.Th>
            <Table.Th>Main reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((c) => (
            <Table.Tr key={c.contactExternalId}>
              <Table.Td>
                {c.contactId ? (
                  <Anchor component={Link} href={`/customers/${c.contactId}`} size="sm">
                    {c.name}
                  </Anchor>
                ) : (
                  <Text size="sm">{c.name}</Text>
                )}
              </Table.Td>
              <Table.Td>
                <RiskBadge score={c.score} reasons={c.reasons} change={c.change} />
              </Table.Td>
              <Table.Td>
                <SegmentBadge segment={c.segment} />
              </Table.Td>
              <Table.Td>
                <ScoreChange change={c.change} />
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="dimmed" lineClamp={1}>
                  {c.reasons[0]?.text}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {q.data.customers.length > FIRST ? (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => setAll((v) => !v)}>
          {all ? 'Show fewer' : `Show all ${q.data.customers.length}`}
        </Button>
      ) : null}
    </Paper>
  );
}

export function InvoiceRiskPanel({ organisationId }: { organisationId: string | null | undefined }) {
  const q = useOrganisationScores(organisationId);
  const [all, setAll] = useState(false);
  if (!q.data || q.data.invoices.length === 0) return null;
  const rows = all ? q.data.invoices : q.data.invoices.slice(0, FIRST);
  return (
    <Paper withBorder radius="md" p="md" data-testid="invoice-risk-panel">
      <Text fw={600} mb="xs">
        Open invoices by risk of late payment
      </Text>
      <Table verticalSpacing={4} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Invoice</Table.Th>
            <Table.Th>Customer</Table.Th>
            <Table.Th ta="right">Amount due</Table.Th>
            <Table.Th>Risk</Table.Th>
            <Table.Th>Expected payment</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((i) => (
            <Table.Tr key={i.invoiceId}>
              <Table.Td>
                <Text size="sm">{i.number}</Text>
                <Text size="xs" c="dimmed">
                  due {shortDate(i.dueDate)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{i.customerName}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm">{formatMoney(i.amountDue, i.currency)}</Text>
                <Text size="xs" c="dimmed">
                  {formatMoney(i.amountAtRisk, i.currency, 0)} at risk
                </Text>
              </Table.Td>
              <Table.Td>
                <InvoiceRiskBadge score={i} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{shortDate(i.predictedDate)}</Text>
                <Text size="xs" c="dimmed">
                  {shortDate(i.lowDate)} – {shortDate(i.highDate)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {q.data.invoices.length > FIRST ? (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => setAll((v) => !v)}>
          {all ? 'Show fewer' : `Show all ${q.data.invoices.length}`}
        </Button>
      ) : null}
    </Paper>
  );
}

/** The customer's risk, segment, change and reasons, for the customer page header. */
export function CustomerRiskLine({ organisationId, contactExternalId }: { organisationId: string; contactExternalId: string }) {
  const q = useOrganisationScores(organisationId);
  const score = q.data?.byContact.get(contactExternalId);
  if (!score) return null;
  return (
    <>
      <Group gap="sm" data-testid="customer-risk-line">
        <CustomerRiskBadges score={score} />
        <Text size="xs" c="dimmed">
          {percent(score.pLate)} likely to pay the next invoice late · {score.reasons.map((r) => r.text).join(' · ')}
        </Text>
      </Group>
      <CustomerChanges alerts={score.changes} />
    </>
  );
}
