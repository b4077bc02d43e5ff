/**
 * The template editor: subject, HTML and plain-text bodies, merge fields to insert, problems
 * listed with line and column (unknown fields refuse to save), and a live preview rendered on
 * the organisation's real data, with a test send.
 */
import { Alert, Badge, Button, Grid, Group, Paper, SegmentedControl, Stack, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { type ReminderOrg, type Template, type TemplateIssue, type TemplatePreview, useMergeFields, useReminderMutation } from './api';
import type { Role } from './RemindersPage';

type Part = 'subject' | 'bodyHtml' | 'bodyText';
const PART_NAME: Record<Part, string> = { subject: 'Subject', bodyHtml: 'HTML body', bodyText: 'Text body' };

interface Props {
  org: ReminderOrg;
  template: Template;
  role: Role;
  onClose(): void;
  onDuplicate(t: Template): void;
}

export function TemplateEditor({ org, template, role, onClose, onDuplicate }: Props) {
  const [name, setName] = useState(template.name);
  const [body, setBody] = useState({ subject: template.subject, bodyHtml: template.bodyHtml, bodyText: template.bodyText });
  const [focused, setFocused] = useState<Part>('bodyHtml');
  const [view, setView] = useState<'html' | 'text'>('html');
  const [to, setTo] = useState('');
  const refs = { subject: useRef<HTMLInputElement>(null), bodyHtml: useRef<HTMLTextAreaElement>(null), bodyText: useRef<HTMLTextAreaElement>(null) };
  const fields = useMergeFields();
  const readOnly = template.builtin || role !== 'admin';
  const [debounced] = useDebouncedValue(body, 300);
  const preview = useQuery({
    queryKey: ['reminders', 'template-preview', org.id, debounced],
    queryFn: async () => (await api<{ preview: TemplatePreview }>('/reminders/templates/preview', { method: 'POST', body: { organisationId: org.id, ...debounced, grouped: /invoices\.count|total_overdue/.test(debounced.subject + debounced.bodyHtml) } })).preview,
    placeholderData: (prev) => prev,
  });
  const save = useReminderMutation(() => (template.id ? api(`/reminders/templates/${template.id}`, { method: 'PUT', body: { name, organisationId: template.organisationId, ...body } }) : api('/reminders/templates', { method: 'POST', body: { name, organisationId: null, ...body } })));
  const remove = useReminderMutation(() => api(`/reminders/templates/${template.id}`, { method: 'DELETE' }));
  // Every problem of the last save at once, each beside its field; the rest above the editor.
  const problems = fieldErrors(save.error);
  const saveRest = formError(save.error ?? remove.error, ['name', 'subject', 'bodyHtml', 'bodyText']);
  const test = useReminderMutation(() => api<{ to: string }>('/reminders/templates/test-send', { method: 'POST', body: { organisationId: org.id, to, ...body } }));
  const issues = preview.data?.issues;
  const allIssues: (TemplateIssue & { part: Part })[] = issues ? (['subject', 'bodyHtml', 'bodyText'] as Part[]).flatMap((p) => issues[p].map((i) => ({ ...i, part: p }))) : [];

  const insert = (field: string) => {
    const el = refs[focused].current;
    const token = `{{${field}}}`;
    const value = body[focused];
    const at = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? at;
    setBody({ ...body, [focused]: value.slice(0, at) + token + value.slice(end) });
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + token.length, at + token.length);
    });
  };
  const jump = (i: TemplateIssue & { part: Part }) => {
    const el = refs[i.part].current;
    el?.focus();
    el?.setSelectionRange(i.index, i.index + (i.field ? i.field.length + 4 : 2));
  };
  const finish = (p: Promise<unknown>) => p.then(onClose, () => undefined);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Group gap="xs">
          <Button variant="subtle" size="xs" onClick={onClose}>
            ← Templates
          </Button>
          <Title order={4}>{template.id ? name : 'New template'}</Title>
          {template.builtin && <Badge color="gray">Built-in (read-only)</Badge>}
        </Group>
        <Group gap="xs">
          {template.builtin && role === 'admin' && (
            <Button variant="default" onClick={() => onDuplicate({ ...template, ...body })}>
              Duplicate to edit
            </Button>
          )}
          {!readOnly && template.id && (
            <Button variant="subtle" color="red" onClick={() => finish(remove.mutateAsync(undefined))} loading={remove.isPending}>
              Delete
            </Button>
          )}
          {!readOnly && (
            <Tooltip label="Fix the problems listed first" disabled={allIssues.length === 0}>
              <Button onClick={() => finish(save.mutateAsync(undefined))} loading={save.isPending} disabled={allIssues.length > 0}>
                Save template
              </Button>
            </Tooltip>
          )}
        </Group>
      </Group>
      {saveRest && <Alert color="red">{saveRest}</Alert>}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Stack gap="sm">
            <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} readOnly={readOnly} error={problems['name']} />
            <TextInput ref={refs.subject} label="Subject" value={body.subject} onFocus={() => setFocused('subject')} onChange={(e) => setBody({ ...body, subject: e.currentTarget.value })} readOnly={readOnly} styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }} error={issues?.subject.length ? issues.subject[0]!.message : problems['subject']} />
            <Textarea ref={refs.bodyHtml} label="HTML body" autosize minRows={8} maxRows={18} value={body.bodyHtml} onFocus={() => setFocused('bodyHtml')} onChange={(e) => setBody({ ...body, bodyHtml: e.currentTarget.value })} readOnly={readOnly} styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }} error={problems['bodyHtml']} />
            <Textarea ref={refs.bodyText} label="Plain-text body" autosize minRows={6} maxRows={14} value={body.bodyText} onFocus={() => setFocused('bodyText')} onChange={(e) => setBody({ ...body, bodyText: e.currentTarget.value })} readOnly={readOnly} styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }} error={problems['bodyText']} />
            {allIssues.length > 0 && (
              <Alert color="red" title={`${allIssues.length} problem${allIssues.length === 1 ? '' : 's'}: the template cannot be saved`}>
                <Stack gap={4}>
                  {allIssues.map((i) => (
                    <Text key={`${i.part}-${i.index}`} size="sm" component="button" type="button" onClick={() => jump(i)} style={{ background: 'none', border: 0, padding: 0, cursor: 'pointer', textAlign: 'left', color: 'inherit' }}>
                      {PART_NAME[i.part]}, line {i.line}, column {i.column}: {i.message}
                    </Text>
                  ))}
                </Stack>
              </Alert>
            )}
            {!readOnly && (
              <Paper withBorder p="sm">
                <Text size="sm" fw={500} mb={6}>
                  Insert a merge field into the {PART_NAME[focused].toLowerCase()}
                </Text>
                <Group gap={6}>
                  {(fields.data ?? []).map((f) => (
                    <Tooltip key={f.name} label={`${f.description} — e.g. ${f.example}`} multiline w={260}>
                      <Badge component="button" type="button" variant="light" style={{ cursor: 'pointer', textTransform: 'none' }} onClick={() => insert(f.name)}>
                        {f.name}
                      </Badge>
                    </Tooltip>
                  ))}
                </Group>
              </Paper>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Stack gap="sm">
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                Live preview{preview.data ? ` for ${preview.data.sample.customer}` : ''} ({org.name})
              </Text>
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
            <Paper withBorder radius="md" style={{ overflow: 'hidden' }} data-testid="template-preview">
              <Stack gap={0}>
                <Text size="sm" px="sm" py={6} bg="gray.0" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
                  <b>Subject:</b> {preview.data?.subject ?? '…'}
                </Text>
                {view === 'html' ? (
                  <iframe title="Email preview" sandbox="" srcDoc={preview.data?.html ?? ''} style={{ width: '100%', height: 560, border: 0, background: '#f4f5f7' }} />
                ) : (
                  <Text component="pre" size="sm" p="sm" m={0} style={{ whiteSpace: 'pre-wrap', height: 560, overflow: 'auto' }}>
                    {preview.data?.text}
                  </Text>
                )}
              </Stack>
            </Paper>
            {role !== 'viewer' && (
              <Group align="flex-start">
                <TextInput label="Send a test to" placeholder="you@yourfirm.example" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={280} error={fieldErrors(test.error)['to']} />
                <Button variant="default" onClick={() => test.mutate(undefined)} loading={test.isPending} disabled={allIssues.length > 0} mt={25}>
                  Send test
                </Button>
              </Group>
            )}
            {formError(test.error, ['to']) && <Alert color="red">{formError(test.error, ['to'])}</Alert>}
            {test.isSuccess && <Alert color="green">Test sent to {test.data.to}.</Alert>}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
