/** The demo mailbox (embedded mode): what the in-process SMTP server received, newest first. */
import { Alert, Anchor, Grid, Group, Loader, Paper, ScrollArea, SegmentedControl, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api';
import { dateTimeLocal } from '../../format';

interface Summary {
  id: string;
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  preview: string;
}

interface Message {
  id: string;
  receivedAt: string;
  messageId: string | null;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
}

export function MailboxPage() {
  const [selected, setSelected] = useState<string | null>(null);
  const [view, setView] = useState<'html' | 'text'>('html');
  const list = useQuery({ queryKey: ['mailbox'], queryFn: () => api<{ enabled: boolean; total: number; messages: Summary[] }>('/mailbox?limit=100'), refetchInterval: 5000 });
  const current = selected ?? list.data?.messages[0]?.id ?? null;
  const msg = useQuery({ queryKey: ['mailbox', current], enabled: !!current, queryFn: async () => (await api<{ message: Message }>(`/mailbox/${current}`)).message });
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Demo mailbox</Title>
        <Text c="dimmed">
          Every email Arcus sent in this demo lands here instead of a real inbox: reminders, statements and test sends. <Anchor component={Link} href="/reminders">Reminders</Anchor>
        </Text>
      </div>
      {list.isPending && <Loader />}
      {list.data && !list.data.enabled && <Alert color="blue">This server sends through SMTP_URL, so there is no demo mailbox.</Alert>}
      {list.data?.enabled && list.data.messages.length === 0 && <Alert color="blue">No messages yet. Switch reminders on for an organisation, or send a test from the template editor.</Alert>}
      {list.data?.enabled && list.data.messages.length > 0 && (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Paper withBorder>
              <ScrollArea h={680}>
                {list.data.messages.map((m) => (
                  <UnstyledButton key={m.id} onClick={() => setSelected(m.id)} w="100%" p="sm" aria-label={m.subject} data-testid="mailbox-item" style={{ display: 'block', borderBottom: '1px solid var(--mantine-color-gray-2)', background: m.id === current ? 'var(--mantine-color-blue-0)' : undefined }}>
                    <Group justify="space-between" wrap="nowrap">
                      <Text size="sm" fw={600} truncate>
                        {m.to}
                      </Text>
                      <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                        {dateTimeLocal(m.receivedAt)}
                      </Text>
                    </Group>
                    <Text size="sm" truncate>
                      {m.subject}
                    </Text>
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      {m.preview}
                    </Text>
                  </UnstyledButton>
                ))}
              </ScrollArea>
            </Paper>
            <Text size="xs" c="dimmed" mt={4}>
              {list.data.total} message{list.data.total === 1 ? '' : 's'}
            </Text>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8 }}>
            {msg.data && (
              <Paper withBorder style={{ overflow: 'hidden' }}>
                <Stack gap={2} p="sm" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
                  <Group justify="space-between">
                    <Title order={4}>{msg.data.subject}</Title>
                    <SegmentedControl
                      size="xs"
                      value={view}
                      onChange={(v) => setView(v as 'html' | 'text')}
                      data={[
                        { value: 'html', label: 'HTML' },
                        { value: 'text', label: 'Text' },
                      ]}
                    />
                  </Group>
                  <Text size="sm">
                    <b>From:</b> {msg.data.from}
                  </Text>
                  <Text size="sm">
                    <b>To:</b> {msg.data.to}
                  </Text>
                  {msg.data.headers['list-unsubscribe'] && (
                    <Text size="xs" c="dimmed">
                      List-Unsubscribe: {msg.data.headers['list-unsubscribe']}
                    </Text>
                  )}
                </Stack>
                {view === 'html' && msg.data.html ? (
                  <iframe title="Message" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={msg.data.html} style={{ width: '100%', height: 600, border: 0, background: '#f4f5f7' }} />
                ) : (
                  <Text component="pre" size="sm" p="sm" m={0} style={{ whiteSpace: 'pre-wrap' }}>
                    {msg.data.text}
                  </Text>
                )}
              </Paper>
            )}
          </Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}
