/**
 * A customer's recent predictions against what happened: for each of its latest invoices in the
 * organisation's backtest (predicted as of its issue date), the chance of paying late, the
 * predicted pay date and range, and the day it was paid. Hidden while there are none.
 */
import { Paper, Table, Text } from '@mantine/core';
import { useCustomerBacktest } from './api';
import { longDate, percent } from './format';

/** '4 Nov to 15 Nov 2026' (the year once when both ends share it). */
function rangeWords(low: string, high: string): string {
  const a = longDate(low);
  const b = longDate(high);
  return low.slice(0, 4) === high.slice(0, 4) ? `${a.replace(/ \d{4}$/, '')} to ${b}` : `${a} to ${b}`;
}

export function CustomerPredictionsCard({ customerId, mt }: { customerId: string; mt?: string }) {
  const q = useCustomerBacktest(customerId);
  if (!q.data || q.data.predictions.length === 0) return null;
  const rows = q.data.predictions;
  const inside = rows.filter((r) => r.inRange).length;
  return (
    <Paper withBorder p="md" radius="md" mt={mt} data-testid="customer-predictions">
      <Text fw={600}>Predicted against what happened</Text>
      <Text size="xs" c="dimmed" mb="sm">
        {q.data.method === 'nofit' ? 'Fixed rules from this customer’s own history, nothing trained' : 'The organisation’s model'}, as each invoice was issued since {longDate(q.data.split)}. {inside} of{' '}
        {rows.length} paid inside the predicted range.
      </Text>
      <Table verticalSpacing={4} fz="sm" striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Invoice</Table.Th>
            <Table.Th>Predicted</Table.Th>
            <Table.Th>Paid</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.invoiceId}>
              <Table.Td>
                {r.number}
                <Text size="xs" c="dimmed">
                  due {longDate(r.dueDate)}
                </Text>
                <Text size="xs">{percent(r.pLate)} chance late</Text>
              </Table.Td>
              <Table.Td>
                {longDate(r.predictedDate)}
                <Text size="xs" c="dimmed">
                  range {rangeWords(r.lowDate, r.highDate)}
                </Text>
              </Table.Td>
              <Table.Td>
                {longDate(r.paidDate)}
                <Text size="xs" fw={600} c={r.inRange ? 'teal.8' : 'orange.8'}>
                  {r.inRange ? 'in range' : 'outside range'}
                </Text>
                <Text size="xs" c={r.late ? 'red.8' : 'dimmed'}>
                  {r.late ? 'late' : 'on time'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
