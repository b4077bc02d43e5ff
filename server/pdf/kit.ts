/**
 * What every PDF Arcus draws with pdfkit shares (the monthly report, statements, pitches, letters;
 * docs/decisions/030): A4 (48 pt margins unless asked otherwise), the standard Helvetica fonts (WinAnsi, so text stays
 * searchable and copyable), one palette, a table row whose cells wrap and keep their line, and
 * the finished document as one Buffer.
 */
import PDFDocument from 'pdfkit';

export const INK = '#1f2933';
export const MUTED = '#616e7c';
export const ACCENT = '#1c7ed6';
export const GOOD = '#2b8a3e';
export const BAD = '#c92a2a';

/** WinAnsi cannot draw every character: map the few we write ourselves, replace the rest with "?" (never dropped silently). */
export function winAnsi(text: string): string {
  return text
    .replace(/[\u2212]/g, '-')
    .replace(/[\u202f\u00a0]/g, ' ')
    .replace(/[^\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u20ac]/g, '?');
}

export interface Cell {
  s: string;
  /** Share of the text width, 0–1. */
  w: number;
  color?: string;
  bold?: boolean;
  align?: 'left' | 'right';
}

export interface A4Pdf {
  doc: PDFKit.PDFDocument;
  /** The text width between the margins (of the current page). */
  readonly width: number;
  /** Text through winAnsi. */
  text(s: string, options?: PDFKit.Mixins.TextOptions): void;
  /** One table row at the current line: a new page first when fewer than `pageBreakAt` points are left. */
  row(cells: Cell[], options?: { gap?: number; pageBreakAt?: number }): void;
  /** Ends the document; resolves to its bytes. */
  finish(): Promise<Buffer>;
}

export function a4Pdf(info: { Title: string; Author: string; Subject?: string }, options: { margin?: number; autoFirstPage?: boolean } = {}): A4Pdf {
  const margin = options.margin ?? 48;
  const doc = new PDFDocument({ size: 'A4', margin, autoFirstPage: options.autoFirstPage ?? true, info });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const textWidth = () => doc.page.width - 2 * margin;
  return {
    doc,
    get width() {
      return textWidth();
    },
    text: (s, options = {}) => {
      doc.text(winAnsi(s), options);
    },
    row: (cells, options = {}) => {
      if (options.pageBreakAt !== undefined && doc.y > doc.page.height - options.pageBreakAt) doc.addPage();
      const y = doc.y;
      const width = textWidth();
      let x = margin;
      let h = 0;
      for (const c of cells) {
        doc.font(c.bold ? 'Helvetica-Bold' : 'Helvetica').fillColor(c.color ?? INK);
        doc.text(winAnsi(c.s), x, y, { width: c.w * width - 6, align: c.align ?? 'left' });
        h = Math.max(h, doc.y - y);
        x += c.w * width;
      }
      doc.x = margin;
      doc.y = y + h + (options.gap ?? 3);
    },
    finish: () => {
      doc.end();
      return done;
    },
  };
}
