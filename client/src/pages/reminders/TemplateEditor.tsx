/**
 * The template editor: the subject, the body as rich text (merge fields as chips), the plain-text
 * part generated from it unless written by hand, problems listed (unknown fields refuse to save),
 * and a live preview rendered on a sample that fits the template's timing, with a test send.
 */
import { Alert, Badge, Button, Grid, Group, Paper, SegmentedControl, Select, Stack, Switch, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { isLanguage, type Language, LANGUAGE_NAMES, LANGUAGES } from '../../../../kernel/locale';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { htmlToDoc, htmlToText } from '../../../../kernel/rich-text';
import { api, fieldErrors, formError } from '../../api';
import { type ReminderOrg, type Template, type TemplateIssue, type TemplatePreview, useMergeFields, useReminderMutation, useTemplates } from './api';
import { insertMergeField, mergeFieldLabel } from './merge-nodes';
import type { Role } from './RemindersPage';
import { TemplateBodyEditor, useTemplateBodyEditor } from './TemplateBodyEditor';

type Part = 'subject' | 'bodyHtml' | 'bodyText';
const PART_NAME: Record<Part, string> = { subject: 'Subject', bodyHtml: 'Email body', bodyText: 'Plain-text version' };
const DROPPED_WORDS: Record<string, string> = { table: 'a table', div: 'page sections', span: 'styled text', img: 'an image', h1: 'a heading', h2: 'a heading', h3: 'a heading', script: 'a script', style: 'a style sheet' };

/** The stored plain text is the one the body generates (whitespace aside): keep generating it. */
function textIsGenerated(t: Pick<Template, 'bodyHtml' | 'bodyText'>): boolean {
  return t.bodyText.replace(/\s+/g, '') === htmlToText(t.bodyHtml).replace(/\s+/g, '');
}

interface Props {
  org: ReminderOrg;
  template: Template;
  role: Role;
  onClose(): void;
  onDuplicate(t: Template): void;
}

export function TemplateEditor({ org, template, role, onClose, onDuplicate }: Props) {
  const [name, setName] = useState(template.name);
  // Languages (decision 041): what this one is written in, and which template it is a version of
  // (a step names that one; a customer gets the version in its language, else the organisation's, else English).
  const [language, setLanguage] = useState<Language>(template.language ?? 'en');
  const [translationOf, setTranslationOf] = useState<string | null>(template.translationOf ?? null);
  const templates = useTemplates(org.id);
  const roots = (templates.data ?? []).filter((t) => !t.builtin && !t.translationOf && t.id !== template.id);
  const [body, setBody] = useState({ subject: template.subject, bodyHtml: template.bodyHtml, bodyText: template.bodyText });
  const [focused, setFocused] = useState<Part>('bodyHtml');
  const [view, setView] = useState<'html' | 'text'>('html');
  const [to, setTo] = useState('');
  // The plain-text part follows the body unless the stored one was written by hand.
  const [manualText, setManualText] = useState(() => !textIsGenerated(template));
  const manualRef = useRef(manualText);
  manualRef.current = manualText;
  const refs = { subject: useRef<HTMLInputElement>(null), bodyText: useRef<HTMLTextAreaElement>(null) };
  const fields = useMergeFields();
  const readOnly = template.builtin || role !== 'admin';
  const editor = useTemplateBodyEditor(template.bodyHtml, !readOnly, ({ html, text }) => setBody((b) => ({ ...b, bodyHtml: html, bodyText: manualRef.current ? b.bodyText : text })));
  const dropped = useMemo(() => [...new Set(htmlToDoc(template.bodyHtml).dropped.map((d) => DROPPED_WORDS[d] ?? (d.startsWith('a link') ? d : 'other formatting')))], [template.bodyHtml]);
  const [debounced] = useDebouncedValue(body, 300);
  const preview = useQuery({
    queryKey: ['reminders', 'template-preview', org.id, template.id, debounced],
    queryFn: async () => (await api<{ preview: TemplatePreview }>('/reminders/templates/preview', { method: 'POST', body: { organisationId: org.id, ...(template.id ? { templateId: template.id } : {}), ...debounced, grouped: /invoices\.count|total_overdue/.test(debounced.subject + debounced.bodyHtml) } })).preview,
    placeholderData: (prev) => prev,
  });
  const duplicate = useReminderMutation(() => api<{ template: Template }>(`/reminders/templates/${encodeURIComponent(template.id)}/duplicate`, { method: 'POST' }));
  const save = useReminderMutation(() => (template.id ? api(`/reminders/templates/${template.id}`, { method: 'PUT', body: { name, organisationId: template.organisationId, language, translationOf, ...body } }) : api('/reminders/templates', { method: 'POST', body: { name, organisationId: null, language, translationOf, ...body } })));
  const remove = useReminderMutation(() => api(`/reminders/templates/${template.id}`, { method: 'DELETE' }));
  // Every problem of the last save at once, each beside its field; the rest above the editor.
  const problems = fieldErrors(save.error);
  const saveRest = formError(save.error ?? remove.error ?? duplicate.error, ['name', 'subject', 'bodyHtml', 'bodyText']);
  const test = useReminderMutation(() => api<{ to: string }>('/reminders/templates/test-send', { method: 'POST', body: { organisationId: org.id, to, ...body } }));
  const issues = preview.data?.issues;
  const allIssues: (TemplateIssue & { part: Part })[] = issues ? (['subject', 'bodyHtml', 'bodyText'] as Part[]).flatMap((p) => issues[p].map((i) => ({ ...i, part: p }))) : [];

  const insert = (field: string) => {
    if (focused === 'bodyHtml') {
      if (editor) insertMergeField(editor, field);
      return;
    }
    if (focused === 'bodyText' && !manualText) return;
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
    if (i.part === 'bodyHtml') {
      editor?.commands.focus();
      return;
    }
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
          {role === 'admin' && template.id && (
            <Button variant="default" onClick={() => duplicate.mutateAsync(undefined).then((r) => onDuplicate(r.template), () => undefined)} loading={duplicate.isPending}>
              {template.builtin ? 'Duplicate to edit' : 'Duplicate'}
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
            {!template.builtin && (
              <Group grow align="flex-start">
                <Select label="Written in" allowDeselect={false} data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))} value={language} onChange={(v) => v && isLanguage(v) && setLanguage(v)} readOnly={readOnly} error={problems['language']} />
                <Select
                  label="A version of"
                  description="Customers get the version in their language"
                  allowDeselect={false}
                  data={[{ value: '', label: 'None: a template of its own' }, ...roots.map((t) => ({ value: t.id, label: t.name }))]}
                  value={translationOf ?? ''}
                  onChange={(v) => setTranslationOf(v || null)}
                  readOnly={readOnly}
                  error={problems['translationOf']}
                />
              </Group>
            )}
            <TextInput ref={refs.subject} label="Subject" value={body.subject} onFocus={() => setFocused('subject')} onChange={(e) => setBody({ ...body, subject: e.currentTarget.value })} readOnly={readOnly} styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }} error={issues?.subject.length ? issues.subject[0]!.message : problems['subject']} />
            {dropped.length > 0 && !readOnly && (
              <Alert color="yellow" title="Some formatting will not be kept">
                This template’s HTML has {dropped.join(', ')}, which the editor does not keep. Its text stays; saving stores the email as shown below.
              </Alert>
            )}
            <div onFocusCapture={() => setFocused('bodyHtml')}>
              <TemplateBodyEditor editor={editor} fields={fields.data ?? []} readOnly={readOnly} error={problems['bodyHtml']} />
            </div>
            <Textarea
              ref={refs.bodyText}
              label="Plain-text version"
              description={manualText ? 'Written by hand: changes to the body above do not change it.' : 'Made from the body above, for email programs that do not show formatting.'}
              autosize
              minRows={6}
              maxRows={14}
              value={body.bodyText}
              onFocus={() => setFocused('bodyText')}
              onChange={(e) => setBody({ ...body, bodyText: e.currentTarget.value })}
              readOnly={readOnly || !manualText}
              styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }}
              error={problems['bodyText']}
            />
            {!readOnly && (
              <Switch
                label="Write the plain-text version by hand"
                checked={manualText}
                onChange={(e) => {
                  const manual = e.currentTarget.checked;
                  setManualText(manual);
                  if (!manual) setBody((b) => ({ ...b, bodyText: htmlToText(b.bodyHtml) }));
                }}
              />
            )}
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
                      <Badge component="button" type="button" variant="light" style={{ cursor: 'pointer', textTransform: 'none' }} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(f.name)}>
                        {mergeFieldLabel(f.name)}
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
                Live preview{preview.data ? ` for ${preview.data.sample.customer}` : ''} ({org.name}){preview.data?.sample.basis ? ` — ${preview.data.sample.basis}` : ''}
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
