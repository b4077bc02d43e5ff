/**
 * Merge fields in the rich-text editor: non-editable chips (`mergeField`, inline) and blocks
 * (`mergeBlock`, e.g. the invoice table or a section around paragraphs). Both are atoms: the
 * cursor steps over them, Backspace removes one whole. The document ↔ template HTML conversion
 * (chips back to `{{…}}` tokens) is kernel/rich-text.ts.
 */
import { mergeAttributes, Node } from '@tiptap/core';
import type { Editor } from '@tiptap/react';
import { mergeFieldLabel } from './merge-label';

export { mergeFieldLabel };

const CHIP = 'display:inline-block;padding:0 6px;margin:0 1px;border-radius:10px;background:var(--mantine-color-blue-1);color:var(--mantine-color-blue-9);font-size:0.9em;line-height:1.5;white-space:nowrap;user-select:all';
const BLOCK = 'display:block;padding:4px 10px;margin:6px 0;border:1px dashed var(--mantine-color-blue-4);border-radius:6px;background:var(--mantine-color-blue-0);color:var(--mantine-color-blue-9);font-size:0.9em';

const nameAttribute = (attr: string) => ({
  name: {
    default: '',
    parseHTML: (el: HTMLElement) => el.getAttribute(attr) ?? '',
    renderHTML: (a: Record<string, unknown>) => ({ [attr]: String(a.name ?? '') }),
  },
});

export const MergeField = Node.create({
  name: 'mergeField',
  group: 'inline',
  inline: true,
  atom: true,
  selectable: true,
  addAttributes: () => nameAttribute('data-merge-field'),
  parseHTML: () => [{ tag: 'span[data-merge-field]' }],
  renderHTML: ({ node, HTMLAttributes }) => ['span', mergeAttributes(HTMLAttributes, { contenteditable: 'false', style: CHIP, title: `{{${node.attrs.name}}}` }), mergeFieldLabel(String(node.attrs.name))],
  renderText: ({ node }) => `{{${node.attrs.name}}}`,
});

export const MergeBlock = Node.create({
  name: 'mergeBlock',
  group: 'block',
  atom: true,
  selectable: true,
  addAttributes: () => nameAttribute('data-merge-block'),
  parseHTML: () => [{ tag: 'div[data-merge-block]' }],
  renderHTML: ({ node, HTMLAttributes }) => ['div', mergeAttributes(HTMLAttributes, { contenteditable: 'false', style: BLOCK, title: `{{${node.attrs.name}}}` }), mergeFieldLabel(String(node.attrs.name))],
  renderText: ({ node }) => `{{${node.attrs.name}}}`,
});

/** Fields that render a block of their own (a table): inserted between paragraphs. */
const BLOCK_FIELDS = new Set(['invoices.table']);

export function insertMergeField(editor: Editor, name: string): void {
  editor
    .chain()
    .focus()
    .insertContent(BLOCK_FIELDS.has(name) ? { type: 'mergeBlock', attrs: { name } } : { type: 'mergeField', attrs: { name } })
    .run();
}
