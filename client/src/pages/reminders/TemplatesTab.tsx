/** The firm's templates and the built-ins; opening one shows the editor with its live preview. */
import { Alert, Badge, Button, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import { dateTimeLocal } from '../../format';
import { type ReminderOrg, type Template, useTemplates } from './api';
import type { Role } from './RemindersPage';
import { mergeFieldLabel } from './merge-label';

/** The rich-text editor (Tiptap) is loaded when a template is opened, not with the app. */
const TemplateEditor = lazy(() => import('./TemplateEditor').then((m) => ({ default: m.TemplateEditor })));

/** A subject as a person reads it: each merge field by its name in words, in brackets ("Invoice [Invoice number] is overdue"). */
function subjectInWords(subject: string): string {
  return subject.replace(/\{\{\s*([#^/]?[a-z_.]+)\s*\}\}/g, (_m, name: string) => `[${mergeFieldLabel(name)}]`);
}

const BLANK: Template = { id: '', name: '', organisationId: null, subject: 'Invoice {{invoice.number}} is {{invoice.status}}', bodyHtml: '<p>Hello {{contact.first_name}},</p>\n<p>…</p>\n{{invoices.table}}\n<p>Kind regards,<br>{{organisation.signature}}</p>', bodyText: 'Hello {{contact.first_name}},\n\n…\n\n{{invoices.table}}\n\nKind regards,\n{{organisation.signature}}', builtin: false, updatedAt: null };

export function TemplatesTab({ org, role }: { org: ReminderOrg; role: Role }) {
  const templates = useTemplates(org.id);
  const [open, setOpen] = useState<Template | null>(null);
  // A duplicate is saved as "Copy of …" by the server and opened at once.
  if (open)
    return (
      <Suspense fallback={<Loader size="sm" aria-label="Opening the template" />}>
        <TemplateEditor key={open.id || 'new'} org={org} template={open} role={role} onClose={() => setOpen(null)} onDuplicate={(t) => setOpen(t)} />
      </Suspense>
    );
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Steps without a template of their own use the built-in one for their timing. Merge fields such as {'{{customer.name}}'} are filled from the ledger when the email is sent.
        </Text>
        {role === 'admin' && <Button onClick={() => setOpen({ ...BLANK, name: 'New template' })}>New template</Button>}
      </Group>
      {templates.error && <Alert color="red">{templates.error.message}</Alert>}
      <Table.ScrollContainer minWidth={520}>
      <Table highlightOnHover verticalSpacing="xs" aria-label="Templates">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Changed</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(templates.data ?? []).map((t) => (
            <Table.Tr key={t.id} onClick={() => setOpen(t)} style={{ cursor: 'pointer' }}>
              <Table.Td>
                <Group gap="xs">
                  <Text size="sm" fw={500}>
                    {t.name}
                  </Text>
                  {t.builtin && (
                    <Badge size="xs" variant="light" color="gray">
                      Built-in
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  {subjectInWords(t.subject)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t.updatedAt ? dateTimeLocal(t.updatedAt) : '—'}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
