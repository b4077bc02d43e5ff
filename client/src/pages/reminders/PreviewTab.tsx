/** What the organisation's reminders will send tomorrow (or on a chosen day). */
import { Alert, Badge, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { type ReminderOrg, usePreviewDay } from './api';

export function PreviewTab({ org }: { org: ReminderOrg }) {
  const [date, setDate] = useState<string | null>(null);
  const preview = usePreviewDay(org.id, date);
  const p = preview.data;
  return (
    <Stack gap="sm">
      <Group align="flex-end">
        <TextInput type="date" label="Day" value={date ?? p?.date ?? ''} onChange={(e) => setDate(e.currentTarget.value || null)} w={200} />
        {p && (
          <Text size="sm" c="dimmed" pb={6}>
            Window {p.window} ({p.timezone}) · daily limit {p.dailyLimit}
          </Text>
        )}
      </Group>
      {preview.error && <Alert color="red">{preview.error.message}</Alert>}
      {p && !p.enabled && <Alert color="yellow">Reminders are off for this organisation: nothing below goes out until they are switched on under Settings.</Alert>}
      {p && !p.businessDay && <Alert color="blue">{p.date} is not a business day for this organisation: these go out on the next one.</Alert>}
      {p && (
        <>
          <Title order={4}>
            {p.sends.length} email{p.sends.length === 1 ? '' : 's'} on {p.date}
          </Title>
          {p.sends.length === 0 ? (
            <Text c="dimmed">Nothing falls due that day.</Text>
          ) : (
            <Table striped verticalSpacing="xs" aria-label="Emails that day">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Customer</Table.Th>
                  <Table.Th>Invoices</Table.Th>
                  <Table.Th>Step</Table.Th>
                  <Table.Th>To</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {p.sends.map((s) => (
                  <Table.Tr key={`${s.contactExternalId}-${s.invoices.map((i) => i.number).join()}`}>
                    <Table.Td>{s.customer}</Table.Td>
                    <Table.Td>{s.invoices.map((i) => `${i.number} (${i.display})`).join(', ')}</Table.Td>
                    <Table.Td>{s.stepLabel}</Table.Td>
                    <Table.Td>{s.recipients.join(', ')}</Table.Td>
                    <Table.Td miw={170}>
                      {s.approval === 'manual' && (
                        <Badge color="yellow" w="fit-content" style={{ overflow: 'visible' }}>
                          Needs approval
                        </Badge>
                      )}
                      {s.overLimit && (
                        <Badge color="orange" w="fit-content" style={{ overflow: 'visible' }}>
                          Over the daily limit
                        </Badge>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {p.skips.length > 0 && (
            <>
              <Title order={5}>Held back ({p.skips.length})</Title>
              <Table verticalSpacing={4} aria-label="Held back">
                <Table.Tbody>
                  {p.skips.map((s) => (
                    <Table.Tr key={`${s.invoice}-${s.stepNumber}`}>
                      <Table.Td>{s.customer}</Table.Td>
                      <Table.Td>{s.invoice}</Table.Td>
                      <Table.Td>Reminder {s.stepNumber}</Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed">
                          {s.reasonText}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </>
          )}
        </>
      )}
    </Stack>
  );
}
