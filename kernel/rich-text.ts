/**
 * Reminder template HTML ↔ the rich-text editor's document (ProseMirror JSON, as Tiptap's
 * `getJSON()` / `setContent()` use it), and the plain-text part generated from it. Pure, shared
 * by the client (the editor) and the server (a template's HTML is passed through it on save).
 *
 * The document is the allow-list: paragraphs, line breaks, bold, italic, underline, links
 * (http(s), mailto, or a merge field such as `{{payment_link}}`), bulleted and numbered lists,
 * and merge fields. Anything else in the HTML is dropped — its text is kept, its tags and
 * attributes are not (scripts and styles go with their content) — and named in `dropped`.
 *
 * Merge tokens (`{{invoice.number}}`, `{{#payment_link}}`, `{{/payment_link}}`) become
 * `mergeField` atoms inside a paragraph, or `mergeBlock` atoms when they stand between blocks
 * (`{{invoices.table}}`, a section around paragraphs); both serialise back to the same token.
 * Tokens inside a link's address stay text in the address.
 */

export interface RtMark {
  type: 'bold' | 'italic' | 'underline' | 'link';
  attrs?: { href: string };
}

export interface RtNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: RtNode[];
  marks?: RtMark[];
  text?: string;
}

export interface RtDoc extends RtNode {
  type: 'doc';
  content: RtNode[];
}

const TOKEN = /\{\{\s*([#^/]?)\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*\}\}/g;
const MARK_TAGS: Record<string, RtMark['type']> = { strong: 'bold', b: 'bold', em: 'italic', i: 'italic', u: 'underline' };
const BLOCK_TAGS = new Set(['p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'section', 'header', 'footer', 'article', 'center', 'pre', 'hr']);
const DROP_WITH_CONTENT = new Set(['script', 'style', 'head', 'title', 'iframe', 'object', 'embed', 'svg', 'math', 'template', 'noscript', 'textarea', 'select']);
const VOID = new Set(['br', 'hr', 'img', 'meta', 'link', 'input', 'col', 'area', 'base', 'wbr', 'source']);
/** The order marks nest in, outermost first. */
const MARK_ORDER: RtMark['type'][] = ['link', 'bold', 'italic', 'underline'];

/** A link address the editor keeps: http(s), mailto, or exactly one merge field. */
export function allowedHref(href: string): boolean {
  const h = href.trim();
  return /^https?:\/\/[^\s<>"']+$/i.test(h) || /^mailto:[^\s<>"']+$/i.test(h) || /^\{\{\s*[a-z][a-z0-9_.]*\s*\}\}$/.test(h);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ndash: '–', mdash: '—', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', pound: '£', euro: '€', copy: '©' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return NAMED[e.toLowerCase()] ?? all;
  });
}

type Tok = { kind: 'text'; text: string } | { kind: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean } | { kind: 'close'; name: string };

function tokenize(html: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push({ kind: 'text', text: html.slice(i) });
      break;
    }
    if (lt > i) out.push({ kind: 'text', text: html.slice(i, lt) });
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    // A tag longer than 1,500 characters is text: bounded work per '<' whatever the input.
    const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/.exec(html.slice(lt, lt + 1500));
    if (!m) {
      if (html[lt + 1] === '!' || html[lt + 1] === '?') {
        const end = html.indexOf('>', lt);
        i = end < 0 ? html.length : end + 1;
        continue;
      }
      out.push({ kind: 'text', text: '<' });
      i = lt + 1;
      continue;
    }
    const name = m[2]!.toLowerCase();
    if (m[1]) out.push({ kind: 'close', name });
    else {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) attrs[a[1]!.toLowerCase()] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
      out.push({ kind: 'open', name, attrs, selfClosing: Boolean(m[4]) || VOID.has(name) });
    }
    i = lt + m[0].length;
  }
  return out;
}

function sameMarks(a: readonly RtMark[] | undefined, b: readonly RtMark[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((m, k) => m.type === y[k]!.type && m.attrs?.href === y[k]!.attrs?.href);
}

function sortMarks(marks: readonly RtMark[]): RtMark[] {
  const seen = new Map<string, RtMark>();
  for (const m of marks) seen.set(m.type, m);
  return MARK_ORDER.flatMap((t) => (seen.has(t) ? [seen.get(t)!] : []));
}

/** Template HTML → the editor's document, with what the allow-list dropped (tag names, "a link to …"). */
export function htmlToDoc(html: string): { doc: RtDoc; dropped: string[] } {
  const dropped = new Set<string>();
  const doc: RtDoc = { type: 'doc', content: [] };
  // Block containers: the doc, list items, lists. `para` is the paragraph being filled, if any.
  const containers: RtNode[] = [doc];
  let para: RtNode | null = null;
  let explicitPara = false;
  const marks: { tag: string; mark: RtMark | null }[] = [];
  let skipDepth = 0;
  let skipTag = '';

  const container = () => containers[containers.length - 1]!;
  const activeMarks = () => sortMarks(marks.flatMap((m) => (m.mark ? [m.mark] : [])));
  const closePara = () => {
    if (para) {
      trimParagraph(para);
      if (!para.content?.length && !explicitPara) container().content!.pop();
    }
    para = null;
    explicitPara = false;
  };
  const openPara = (explicit: boolean) => {
    closePara();
    const c = container();
    if (c.type === 'bulletList' || c.type === 'orderedList') {
      const li: RtNode = { type: 'listItem', content: [] };
      c.content!.push(li);
      containers.push(li);
    }
    para = { type: 'paragraph', content: [] };
    container().content!.push(para);
    explicitPara = explicit;
    return para;
  };
  const pushInline = (node: RtNode) => {
    const p = para ?? openPara(false);
    const ms = activeMarks();
    if (ms.length) node.marks = ms;
    const last = p.content![p.content!.length - 1];
    if (node.type === 'text' && last?.type === 'text' && sameMarks(last.marks, node.marks)) last.text += node.text!;
    else p.content!.push(node);
  };
  const text = (raw: string) => {
    const value = decodeEntities(raw).replace(/[\t\n\r\f ]+/g, ' ');
    let at = 0;
    for (const m of value.matchAll(TOKEN)) {
      const before = value.slice(at, m.index);
      if (before && (para || before.trim())) pushInline({ type: 'text', text: before });
      const name = `${m[1]}${m[2]}`;
      // Between blocks at the top level: a block of its own; anywhere else: inline in a paragraph.
      if (para || container().type !== 'doc') pushInline({ type: 'mergeField', attrs: { name } });
      else doc.content.push({ type: 'mergeBlock', attrs: { name } });
      at = m.index! + m[0].length;
    }
    const rest = value.slice(at);
    if (rest && (para || rest.trim())) pushInline({ type: 'text', text: rest });
  };

  for (const t of tokenize(html)) {
    if (skipDepth > 0) {
      if (t.kind === 'open' && t.name === skipTag && !t.selfClosing) skipDepth++;
      if (t.kind === 'close' && t.name === skipTag) skipDepth--;
      continue;
    }
    if (t.kind === 'text') {
      text(t.text);
      continue;
    }
    const name = t.name;
    if (t.kind === 'open') {
      if (DROP_WITH_CONTENT.has(name)) {
        dropped.add(name);
        if (!t.selfClosing) {
          skipDepth = 1;
          skipTag = name;
        }
        continue;
      }
      const known = ['p', 'br', 'a', 'ul', 'ol', 'li', 'span', 'font'].includes(name) || name in MARK_TAGS;
      if (!known) dropped.add(name);
      if (name === 'br') pushInline({ type: 'hardBreak' });
      else if (name === 'img') {
        if (t.attrs.alt) text(t.attrs.alt);
      } else if (name in MARK_TAGS) marks.push({ tag: name, mark: { type: MARK_TAGS[name]! } });
      else if (name === 'a') {
        const href = t.attrs.href ?? '';
        if (href && !allowedHref(href)) dropped.add(`a link to “${href.slice(0, 60)}”`);
        marks.push({ tag: 'a', mark: href && allowedHref(href) ? { type: 'link', attrs: { href: href.trim() } } : null });
      } else if (name === 'ul' || name === 'ol') {
        closePara();
        const list: RtNode = { type: name === 'ul' ? 'bulletList' : 'orderedList', content: [] };
        if (name === 'ol') {
          const start = Number.parseInt(t.attrs.start ?? '1', 10);
          list.attrs = { start: Number.isFinite(start) && start > 0 ? start : 1 };
        }
        const c = container();
        if (c.type === 'bulletList' || c.type === 'orderedList') {
          const prev = c.content![c.content!.length - 1];
          if (prev) prev.content!.push(list);
          else c.content!.push({ type: 'listItem', content: [{ type: 'paragraph', content: [] }, list] });
        } else c.content!.push(list);
        containers.push(list);
      } else if (name === 'li') {
        closePara();
        while (container().type === 'listItem') containers.pop();
        let c = container();
        if (c.type !== 'bulletList' && c.type !== 'orderedList') {
          const list: RtNode = { type: 'bulletList', content: [] };
          c.content!.push(list);
          containers.push(list);
          c = list;
        }
        const li: RtNode = { type: 'listItem', content: [] };
        c.content!.push(li);
        containers.push(li);
      } else if (name === 'p') {
        openPara(true);
      } else if (BLOCK_TAGS.has(name)) closePara();
      continue;
    }
    // close
    if (name in MARK_TAGS || name === 'a') {
      const at = marks.map((m) => m.tag).lastIndexOf(name);
      if (at >= 0) marks.splice(at, 1);
    } else if (name === 'p' || BLOCK_TAGS.has(name)) closePara();
    else if (name === 'li') {
      closePara();
      const at = containers.map((c) => c.type).lastIndexOf('listItem');
      if (at > 0) containers.length = at;
    } else if (name === 'ul' || name === 'ol') {
      closePara();
      const want = name === 'ul' ? 'bulletList' : 'orderedList';
      const at = containers.map((c) => c.type).lastIndexOf(want);
      if (at > 0) containers.length = at;
    }
  }
  closePara();
  normaliseLists(doc);
  if (doc.content.length === 0) doc.content.push({ type: 'paragraph', content: [] });
  return { doc, dropped: [...dropped] };
}

function trimParagraph(p: RtNode) {
  const c = p.content ?? [];
  const first = c[0];
  if (first?.type === 'text') first.text = first.text!.replace(/^ +/, '');
  const last = c[c.length - 1];
  if (last?.type === 'text') last.text = last.text!.replace(/ +$/, '');
  for (let k = 1; k < c.length; k++) if (c[k]!.type === 'text' && c[k - 1]!.type === 'hardBreak') c[k]!.text = c[k]!.text!.replace(/^ +/, '');
  p.content = c.filter((n) => n.type !== 'text' || n.text !== '');
}

/** A list item starts with a paragraph (the editor's schema); empty lists go. */
function normaliseLists(node: RtNode) {
  if (!node.content) return;
  for (const child of node.content) normaliseLists(child);
  if (node.type === 'listItem' && node.content[0]?.type !== 'paragraph') node.content.unshift({ type: 'paragraph', content: [] });
  node.content = node.content.filter((c) => !((c.type === 'bulletList' || c.type === 'orderedList') && !c.content?.length));
}

function inlineHtml(nodes: readonly RtNode[] | undefined): string {
  const out: string[] = [];
  let open: RtMark[] = [];
  for (const n of nodes ?? []) {
    const want = sortMarks((n.marks ?? []).filter((m) => m.type !== 'link' || (m.attrs?.href && allowedHref(m.attrs.href))));
    let keep = 0;
    while (keep < open.length && keep < want.length && sameMarks([open[keep]!], [want[keep]!])) keep++;
    for (let k = open.length - 1; k >= keep; k--) out.push(closeTag(open[k]!));
    for (let k = keep; k < want.length; k++) out.push(openTag(want[k]!));
    open = want;
    if (n.type === 'text') out.push(escapeHtml(n.text ?? ''));
    else if (n.type === 'hardBreak') out.push('<br>');
    else if (n.type === 'mergeField' || n.type === 'mergeBlock') out.push(tokenOf(n));
  }
  for (let k = open.length - 1; k >= 0; k--) out.push(closeTag(open[k]!));
  return out.join('');
}

function tokenOf(n: RtNode): string {
  const name = String(n.attrs?.name ?? '');
  return /^[#^/]?[a-z][a-z0-9_.]*$/.test(name) ? `{{${name}}}` : '';
}

function openTag(m: RtMark): string {
  if (m.type === 'link') return `<a href="${escapeHtml(m.attrs!.href.trim())}">`;
  return m.type === 'bold' ? '<strong>' : m.type === 'italic' ? '<em>' : '<u>';
}

function closeTag(m: RtMark): string {
  return m.type === 'link' ? '</a>' : m.type === 'bold' ? '</strong>' : m.type === 'italic' ? '</em>' : '</u>';
}

function blockHtml(n: RtNode): string {
  switch (n.type) {
    case 'paragraph':
      return `<p>${inlineHtml(n.content)}</p>`;
    case 'mergeBlock':
      return tokenOf(n);
    case 'bulletList':
    case 'orderedList': {
      const tag = n.type === 'bulletList' ? 'ul' : 'ol';
      const start = n.type === 'orderedList' && Number(n.attrs?.start ?? 1) > 1 ? ` start="${Math.trunc(Number(n.attrs!.start))}"` : '';
      return `<${tag}${start}>${(n.content ?? []).map(blockHtml).join('')}</${tag}>`;
    }
    case 'listItem': {
      const kids = n.content ?? [];
      const paras = kids.filter((k) => k.type === 'paragraph');
      // One paragraph: its text straight in the <li> (email clients add margins to a <p> in a list).
      if (paras.length === 1 && kids[0]?.type === 'paragraph') return `<li>${inlineHtml(kids[0].content)}${kids.slice(1).map(blockHtml).join('')}</li>`;
      return `<li>${kids.map(blockHtml).join('')}</li>`;
    }
    default:
      return n.content ? n.content.map(blockHtml).join('') : '';
  }
}

/** The editor's document → template HTML, from the allow-list only (text escaped, links checked). */
export function docToHtml(doc: RtNode): string {
  const blocks = (doc.content ?? []).filter((b, k, all) => !(all.length > 1 && b.type === 'paragraph' && !b.content?.length && k === all.length - 1));
  return blocks.map(blockHtml).join('');
}

/** Template HTML limited to the allow-list (what the editor would save). */
export function sanitiseTemplateHtml(html: string): string {
  return docToHtml(htmlToDoc(html).doc);
}

function inlineText(nodes: readonly RtNode[] | undefined): string {
  const out: string[] = [];
  const list = nodes ?? [];
  for (let k = 0; k < list.length; k++) {
    const n = list[k]!;
    const link = n.marks?.find((m) => m.type === 'link')?.attrs?.href;
    if (link) {
      // The whole run under one link: "text (url)", or the url alone when it is the text.
      let j = k;
      const run: RtNode[] = [];
      while (j < list.length && list[j]!.marks?.find((m) => m.type === 'link')?.attrs?.href === link) run.push(list[j++]!);
      const label = inlineText(run.map((r) => ({ ...r, marks: (r.marks ?? []).filter((m) => m.type !== 'link') }))).trim();
      const url = link.trim();
      out.push(!label || label === url || label === url.replace(/^mailto:/i, '') ? url : `${label} (${url})`);
      k = j - 1;
      continue;
    }
    if (n.type === 'text') out.push(n.text ?? '');
    else if (n.type === 'hardBreak') out.push('\n');
    else if (n.type === 'mergeField' || n.type === 'mergeBlock') out.push(tokenOf(n));
  }
  return out.join('');
}

function blockText(n: RtNode, indent: string): string {
  switch (n.type) {
    case 'paragraph':
      return inlineText(n.content).replace(/\u00a0/g, ' ');
    case 'mergeBlock':
      return tokenOf(n);
    case 'bulletList':
    case 'orderedList': {
      const start = Number(n.attrs?.start ?? 1) || 1;
      return (n.content ?? [])
        .map((li, k) => {
          const bullet = n.type === 'bulletList' ? '- ' : `${start + k}. `;
          const [first, ...rest] = li.content ?? [];
          const head = first ? blockText(first, `${indent}  `) : '';
          const tail = rest.map((r) => blockText(r, `${indent}  `)).filter((s) => s !== '');
          return [`${indent}${bullet}${head.replace(/\n/g, `\n${indent}  `)}`, ...tail].join('\n');
        })
        .join('\n');
    }
    default:
      return (n.content ?? []).map((c) => blockText(c, indent)).join('\n\n');
  }
}

/**
 * The plain-text part: paragraphs separated by a blank line, a line break kept, links as
 * "text (url)", list items as "- item" ("1. item" numbered, nested ones indented), merge fields
 * as their tokens.
 */
export function docToText(doc: RtNode): string {
  return (doc.content ?? [])
    .map((b) => blockText(b, ''))
    .filter((s) => s !== '')
    .join('\n\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The plain-text part for template HTML. */
export function htmlToText(html: string): string {
  return docToText(htmlToDoc(html).doc);
}
