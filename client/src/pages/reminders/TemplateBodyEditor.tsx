/**
 * The email body as rich text (Tiptap through Mantine's RichTextEditor): bold, italic,
 * underline, links, lists, paragraphs, and merge fields as chips inserted from a menu. The
 * document is the template's allow-list (kernel/rich-text.ts): what is saved is produced from it.
 */
import '@mantine/tiptap/styles.css';
import { Button, Menu, ScrollArea, Stack, Text } from '@mantine/core';
import { RichTextEditor } from '@mantine/tiptap';
import { type Editor, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { allowedHref, docToHtml, docToText, htmlToDoc, type RtNode } from '../../../../kernel/rich-text';
import type { MergeField } from './api';
import { insertMergeField, MergeBlock, MergeField as MergeFieldNode, mergeFieldLabel } from './merge-nodes';

export interface BodyChange {
  html: string;
  text: string;
}

/** An editor holding `html`; `onChange` gets the template HTML and the generated plain text. */
export function useTemplateBodyEditor(html: string, editable: boolean, onChange: (c: BodyChange) => void): Editor | null {
  return useEditor({
    editable,
    immediatelyRender: true,
    shouldRerenderOnTransaction: true,
    extensions: [
      StarterKit.configure({
        heading: false,
        blockquote: false,
        code: false,
        codeBlock: false,
        horizontalRule: false,
        strike: false,
        link: { openOnClick: false, autolink: false, linkOnPaste: true, HTMLAttributes: { target: null, rel: null, class: null }, isAllowedUri: (url) => allowedHref(url) },
      }),
      MergeFieldNode,
      MergeBlock,
    ],
    content: htmlToDoc(html).doc,
    onUpdate: ({ editor }) => {
      const doc = editor.getJSON() as RtNode;
      onChange({ html: docToHtml(doc), text: docToText(doc) });
    },
  });
}

export function TemplateBodyEditor({ editor, fields, readOnly, error }: { editor: Editor | null; fields: readonly MergeField[]; readOnly: boolean; error?: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        Email body
      </Text>
      <RichTextEditor editor={editor} aria-label="Email body" style={error ? { borderColor: 'var(--mantine-color-error)' } : undefined}>
        {!readOnly && (
          <RichTextEditor.Toolbar>
            <RichTextEditor.ControlsGroup>
              <RichTextEditor.Bold />
              <RichTextEditor.Italic />
              <RichTextEditor.Underline />
              <RichTextEditor.ClearFormatting />
            </RichTextEditor.ControlsGroup>
            <RichTextEditor.ControlsGroup>
              <RichTextEditor.BulletList />
              <RichTextEditor.OrderedList />
            </RichTextEditor.ControlsGroup>
            <RichTextEditor.ControlsGroup>
              <RichTextEditor.Link />
              <RichTextEditor.Unlink />
            </RichTextEditor.ControlsGroup>
            <Menu shadow="md" width={320} position="bottom-start">
              <Menu.Target>
                <Button size="compact-sm" variant="light">
                  Insert field
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <ScrollArea.Autosize mah={360} type="auto">
                  {fields.map((f) => (
                    <Menu.Item key={f.name} onClick={() => editor && insertMergeField(editor, f.name)}>
                      <Text size="sm">{mergeFieldLabel(f.name)}</Text>
                      <Text size="xs" c="dimmed">
                        {f.description} — e.g. {f.example}
                      </Text>
                    </Menu.Item>
                  ))}
                </ScrollArea.Autosize>
              </Menu.Dropdown>
            </Menu>
          </RichTextEditor.Toolbar>
        )}
        <RichTextEditor.Content mih={220} />
      </RichTextEditor>
      {error && (
        <Text size="xs" c="red">
          {error}
        </Text>
      )}
    </Stack>
  );
}
