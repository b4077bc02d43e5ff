import { describe, expect, it } from 'vitest';
import { docToHtml, docToText, htmlToDoc, htmlToText, type RtNode, sanitiseTemplateHtml } from '../../kernel/rich-text';
import { BUILTIN_TEMPLATES } from '../../server/reminders/defaults';
import { parseTemplate, renderTemplate } from '../../server/reminders/merge';

const tokens = (src: string) => [...src.matchAll(/\{\{[^}]*\}\}/g)].map((m) => m[0]);

describe('template HTML ↔ the editor’s document', () => {
  it('loads every built-in template and saves it back unchanged, merge tokens as chips', () => {
    for (const t of BUILTIN_TEMPLATES) {
      const { doc, dropped } = htmlToDoc(t.bodyHtml);
      expect(dropped, t.id).toEqual([]);
      expect(docToHtml(doc), t.id).toBe(t.bodyHtml);
      // Twice through is the same as once (what the editor saves, it loads again).
      expect(docToHtml(htmlToDoc(docToHtml(doc)).doc)).toBe(t.bodyHtml);
    }
  });

  it('turns tokens in text into chips, tokens between blocks into blocks, and leaves a link’s token address alone', () => {
    const { doc } = htmlToDoc('<p>Dear {{contact.first_name}},</p>\n{{invoices.table}}\n{{#payment_link}}<p><a href="{{payment_link}}">Pay now</a></p>{{/payment_link}}');
    expect(doc.content.map((n) => n.type)).toEqual(['paragraph', 'mergeBlock', 'mergeBlock', 'paragraph', 'mergeBlock']);
    expect(doc.content[0]!.content).toEqual([{ type: 'text', text: 'Dear ' }, { type: 'mergeField', attrs: { name: 'contact.first_name' } }, { type: 'text', text: ',' }]);
    expect(doc.content.filter((n) => n.type === 'mergeBlock').map((n) => n.attrs?.name)).toEqual(['invoices.table', '#payment_link', '/payment_link']);
    expect(doc.content[3]!.content).toEqual([{ type: 'text', text: 'Pay now', marks: [{ type: 'link', attrs: { href: '{{payment_link}}' } }] }]);
  });

  it('serialises chips inserted in the editor back to the tokens the server renders', () => {
    // What Tiptap's getJSON() gives after "Insert field → Invoice number" with bold around it.
    const doc: RtNode = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Invoice ' }, { type: 'mergeField', attrs: { name: 'invoice.number' }, marks: [{ type: 'bold' }] }, { type: 'text', text: ' is due', marks: [{ type: 'bold' }] }] },
        { type: 'mergeBlock', attrs: { name: 'invoices.table' } },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Call us' }] }] }] },
        { type: 'paragraph', content: [] },
      ],
    };
    const html = docToHtml(doc);
    expect(html).toBe('<p>Invoice <strong>{{invoice.number}} is due</strong></p>{{invoices.table}}<ul><li>Call us</li></ul>');
    expect(parseTemplate(html).issues).toEqual([]);
    expect(tokens(html)).toEqual(['{{invoice.number}}', '{{invoices.table}}']);
    expect(renderTemplate(html, { 'invoice.number': { text: 'INV-<7>' } }, 'html')).toContain('INV-&lt;7&gt;');
  });

  it('keeps only the allow-list: no scripts, event handlers, styles or javascript: links; the text stays', () => {
    const html = '<div style="color:red" onclick="steal()"><p onmouseover="x()">Hi <b>{{customer.name}}</b><script>alert(1)</script></p><img src=x onerror=alert(1)><a href="javascript:alert(1)">click</a> <a href="https://pay.example/x?a=1&amp;b=2" target="_blank">pay</a></div><style>p{}</style><table><tr><td>cell</td></tr></table>';
    const clean = sanitiseTemplateHtml(html);
    expect(clean).toBe('<p>Hi <strong>{{customer.name}}</strong></p><p>click <a href="https://pay.example/x?a=1&amp;b=2">pay</a></p><p>cell</p>');
    expect(clean).not.toMatch(/script|onerror|onclick|style|javascript/i);
    expect(htmlToDoc(html).dropped).toEqual(expect.arrayContaining(['div', 'script', 'img', 'a link to “javascript:alert(1)”', 'style', 'table']));
    expect(sanitiseTemplateHtml('<p>a &lt;b&gt; &amp; "c"</p>')).toBe('<p>a &lt;b&gt; &amp; &quot;c&quot;</p>');
  });

  it('generates the plain-text part: blank lines between paragraphs, links as “text (url)”, lists as “- item”', () => {
    const html = '<p>Hello {{contact.first_name}},</p><p>Please pay <a href="https://pay.example/1">online</a> or at <a href="https://bank.example">https://bank.example</a>.<br>Thanks</p><ul><li>One</li><li>Two<ol><li>Two a</li></ol></li></ul><ol start="3"><li>Third</li></ol>{{invoices.table}}<p><a href="{{payment_link}}">View and pay</a></p>';
    expect(htmlToText(html)).toBe(['Hello {{contact.first_name}},', '', 'Please pay online (https://pay.example/1) or at https://bank.example.', 'Thanks', '', '- One', '- Two', '  1. Two a', '', '3. Third', '', '{{invoices.table}}', '', 'View and pay ({{payment_link}})'].join('\n'));
    expect(docToText(htmlToDoc('<p></p>').doc)).toBe('');
  });

  it('a built-in’s generated text renders like its hand-written one where it matters', () => {
    const t = BUILTIN_TEMPLATES.find((b) => b.id === 'builtin:overdue')!;
    const text = htmlToText(t.bodyHtml);
    expect(tokens(text).filter((x) => !x.startsWith('{{#') && !x.startsWith('{{/'))).toEqual(tokens(t.bodyText).filter((x) => !x.startsWith('{{#') && !x.startsWith('{{/')));
    expect(parseTemplate(text).issues).toEqual([]);
  });
});
