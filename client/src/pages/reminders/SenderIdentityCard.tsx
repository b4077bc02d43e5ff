/**
 * Reminders › Settings: "Sender identity" — the client's own from address, a footer and a logo
 * (the sender name and reply-to are in Branding above), and the DNS records its domain needs,
 * with their status in words and "Check now". Until the domain is verified reminders go from the
 * firm's address under the client's name.
 */
import { Alert, Badge, Button, CopyButton, FileButton, Group, Paper, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { SenderIdentityView } from '../../../../server/sender/store';
import { api, fieldErrors, formError } from '../../api';
import { dateTimeIn } from '../../format';
import { type ReminderOrg, useReminderMutation } from './api';
import type { Role } from './RemindersPage';

type Identity = Omit<SenderIdentityView, 'checkedAt'> & { checkedAt: string | null };

const FIELDS = ['fromAddress', 'footer', 'logo'];
const RECORD_NAMES: Record<string, string> = { spf: 'SPF', dkim: 'DKIM', dmarc: 'DMARC' };
const STATUS_COLOUR: Record<string, string> = { found: 'green', missing: 'red', mismatch: 'orange', error: 'gray', unchecked: 'gray' };
const STATUS_LABEL: Record<string, string> = { found: 'Found', missing: 'Not found', mismatch: 'Needs a change', error: 'Lookup failed', unchecked: 'Not checked' };

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('The file could not be read.'));
    r.readAsDataURL(file);
  });
}

export function SenderIdentityCard({ org, role }: { org: ReminderOrg; role: Role }) {
  const admin = role === 'admin';
  const q = useQuery({ queryKey: ['reminders', 'sender', org.id], queryFn: async () => (await api<{ identity: Identity }>(`/sender-identity/${org.id}`)).identity });
  const [draft, setDraft] = useState({ fromAddress: '', footer: '' });
  useEffect(() => {
    if (q.data) setDraft({ fromAddress: q.data.fromAddress ?? '', footer: q.data.footer });
  }, [q.data]);
  const save = useReminderMutation((d: typeof draft) => api(`/sender-identity/${org.id}`, { method: 'PUT', body: { fromAddress: d.fromAddress || null, footer: d.footer } }));
  const check = useReminderMutation(() => api(`/sender-identity/${org.id}/check`, { method: 'POST' }));
  const upload = useReminderMutation(async (file: File) => api(`/sender-identity/${org.id}/logo`, { method: 'PUT', body: { logo: await readAsBase64(file) } }));
  const removeLogo = useReminderMutation(() => api(`/sender-identity/${org.id}/logo`, { method: 'DELETE' }));
  const id = q.data;
  if (!id) return null;
  const problems = { ...fieldErrors(save.error), ...fieldErrors(upload.error) };
  const rest = formError(save.error, FIELDS) ?? formError(upload.error, FIELDS) ?? formError(check.error, []) ?? formError(removeLogo.error, []);
  const set = (patch: Partial<typeof draft>) => setDraft({ ...draft, ...patch });
  const savedDomain = id.domain;
  return (
    <Paper withBorder p="md" data-testid="sender-identity">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={5}>Sender identity</Title>
          {id.domain && (
            <Badge color={id.verified ? 'green' : 'gray'} variant="light">
              {id.verified ? `${id.domain} is verified` : `${id.domain} is not verified yet`}
            </Badge>
          )}
        </Group>
        <Alert color={id.verified ? 'green' : 'blue'} variant="light">
          {id.sendingAs}
        </Alert>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="From address" description="On the client’s own domain" placeholder="accounts@client.example" value={draft.fromAddress} onChange={(e) => set({ fromAddress: e.currentTarget.value })} disabled={!admin} error={problems['fromAddress']} />
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Logo
            </Text>
            <Group gap="sm">
              {id.logoPath ? <img src={id.logoPath} alt={`${org.name} logo`} style={{ maxHeight: 36, maxWidth: 160, border: '1px solid #e5e7eb', borderRadius: 4, padding: 2 }} /> : <Text size="sm" c="dimmed">No logo</Text>}
              {admin && (
                <FileButton onChange={(f) => f && upload.mutate(f)} accept="image/png,image/jpeg">
                  {(props) => (
                    <Button {...props} variant="default" size="xs" loading={upload.isPending}>
                      {id.logoPath ? 'Replace logo' : 'Upload logo'}
                    </Button>
                  )}
                </FileButton>
              )}
              {admin && id.logoPath && (
                <Button variant="subtle" color="red" size="xs" onClick={() => removeLogo.mutate(undefined)} loading={removeLogo.isPending}>
                  Remove
                </Button>
              )}
            </Group>
            <Text size="xs" c={problems['logo'] ? 'red' : 'dimmed'}>
              {problems['logo'] ?? 'PNG or JPEG, up to 256 KB. Shown in emails and on the payment page.'}
            </Text>
          </Stack>
        </SimpleGrid>
        <Textarea label="Footer" description="Below every reminder: the client’s company details, for example" autosize minRows={2} value={draft.footer} onChange={(e) => set({ footer: e.currentTarget.value })} disabled={!admin} error={problems['footer']} />
        {admin && (
          <Group>
            <Button onClick={() => save.mutate(draft)} loading={save.isPending}>
              Save sender identity
            </Button>
            {save.isSuccess && !save.isPending && (
              <Text size="sm" c="green">
                Saved.
              </Text>
            )}
          </Group>
        )}
        {rest && <Alert color="red">{rest}</Alert>}
        {savedDomain && id.records.length > 0 && (
          <Stack gap="xs" mt="sm">
            <Title order={6}>DNS records for {savedDomain}</Title>
            <Text size="sm" c="dimmed">
              Ask whoever runs the client’s domain to publish these TXT records. If the domain already has an SPF record, add the include to it rather than publishing a second one.
            </Text>
            <Table withTableBorder verticalSpacing="xs" layout="fixed">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={90}>Record</Table.Th>
                  <Table.Th w="30%">Name</Table.Th>
                  <Table.Th>Value</Table.Th>
                  <Table.Th w={220}>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {id.records.map((r) => (
                  <Table.Tr key={r.kind}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {RECORD_NAMES[r.kind]}
                      </Text>
                      <Text size="xs" c="dimmed">
                        TXT
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <CopyableText text={r.name} label={`Copy the ${RECORD_NAMES[r.kind]} record’s name`} />
                    </Table.Td>
                    <Table.Td>
                      <CopyableText text={r.value} label={`Copy the ${RECORD_NAMES[r.kind]} record’s value`} lineClamp={3} />
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOUR[r.status]} variant="light" mb={4}>
                        {STATUS_LABEL[r.status]}
                      </Badge>
                      <Text size="xs">{r.statusText}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group>
              {admin && (
                <Button variant="light" onClick={() => check.mutate(undefined)} loading={check.isPending}>
                  Check now
                </Button>
              )}
              <Text size="sm" c="dimmed">
                {id.checkedAt ? `Last checked ${dateTimeIn(id.checkedAt, org.timezone)}.` : 'Not checked yet.'} Verified when the DKIM record carries this key, the SPF record includes Arcus and a DMARC record exists.
              </Text>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

/** A DNS record's name or value in monospace, with its Copy button. */
function CopyableText({ text, label, lineClamp }: { text: string; label: string; lineClamp?: number }) {
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all', flex: 1, minWidth: 0 }} lineClamp={lineClamp}>
        {text}
      </Text>
      <CopyButton value={text}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="subtle" onClick={copy} style={{ flexShrink: 0 }} aria-label={label}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
