/**
 * A print batch as one PDF (pdfkit, as the report and the statement: docs/decisions/030): each
 * letter starts on a new page — the client's letterhead (logo when the sender identity has one,
 * name and address), the customer's address placed for a DL window envelope, the date, the
 * letter, the invoices it is about — followed by the customer's statement on its own page.
 * Helvetica (WinAnsi): characters outside it are shown as "?".
 */
import { a4Pdf, type Cell, INK, MUTED, winAnsi } from '../pdf/kit';
import type { LetterContent } from './core';

const RULE = '#cbd2d9';
const M = 56;

export function renderLetterBatchPdf(contents: readonly LetterContent[], logo: Buffer | null, title: string): Promise<Buffer> {
  const pdf = a4Pdf({ Title: title, Author: contents[0]?.from.name ?? 'Arcus' }, { margin: M, autoFirstPage: false });
  const { doc, text } = pdf;
  if (contents.length === 0) {
    doc.addPage();
    doc.font('Helvetica').fontSize(11).fillColor(MUTED);
    text('There are no letters to print in this batch.');
  }
  for (const l of contents) {
    doc.addPage();
    const W = doc.page.width - 2 * M;
    const row = (cells: Cell[]) => pdf.row(cells, { pageBreakAt: 90 });

    // Letterhead: logo on the left (when there is one), the client's name and address on the right.
    const top = M - 16;
    if (logo) {
      try {
        doc.image(logo, M, top, { fit: [150, 48] });
      } catch {
        // An image pdfkit cannot read is left out rather than failing the batch.
      }
    }
    doc.font('Helvetica-Bold').fontSize(13).fillColor(INK);
    doc.text(winAnsi(l.from.name), M + W / 2, top, { width: W / 2, align: 'right' });
    doc.font('Helvetica').fontSize(8.5).fillColor(MUTED);
    for (const line of l.from.addressLines) doc.text(winAnsi(line), M + W / 2, doc.y, { width: W / 2, align: 'right' });
    const headBottom = Math.max(doc.y, top + 52) + 8;
    doc.moveTo(M, headBottom).lineTo(M + W, headBottom).strokeColor(RULE).lineWidth(0.7).stroke();

    // The recipient, where a left-window envelope shows it (about 50 mm from the top).
    doc.font('Helvetica').fontSize(10.5).fillColor(INK);
    doc.text(winAnsi(l.to.name), M, 142, { width: W * 0.55 });
    for (const line of l.to.addressLines) doc.text(winAnsi(line), M, doc.y, { width: W * 0.55 });
    doc.fontSize(10).fillColor(MUTED).text(winAnsi(l.date), M + W / 2, 142, { width: W / 2, align: 'right' });

    doc.x = M;
    doc.y = 250;
    doc.font('Helvetica-Bold').fontSize(14).fillColor(INK);
    text(l.heading, { width: W });
    doc.moveDown(0.6).font('Helvetica').fontSize(10.5).fillColor(INK);
    for (const p of l.paragraphs) {
      text(p, { width: W, align: 'left', lineGap: 2 });
      doc.moveDown(0.6);
    }
    if (l.invoices.length) {
      doc.moveDown(0.2).fontSize(9.5);
      row([
        { s: 'Invoice', w: 0.25, bold: true },
        { s: 'Issued', w: 0.25, bold: true },
        { s: 'Due', w: 0.25, bold: true },
        { s: 'Amount due', w: 0.25, bold: true, align: 'right' },
      ]);
      for (const i of l.invoices) row([{ s: i.number, w: 0.25 }, { s: i.issued, w: 0.25 }, { s: i.due, w: 0.25 }, { s: i.amountDue, w: 0.25, align: 'right' }]);
      doc.moveDown(0.2);
      row([
        { s: 'Total', w: 0.75, bold: true },
        { s: l.total, w: 0.25, bold: true, align: 'right' },
      ]);
    }
    doc.moveDown(1.2).font('Helvetica').fontSize(10.5).fillColor(INK);
    text('Yours faithfully,', { width: W });
    doc.moveDown(1.6);
    for (const line of l.signOff.split(/\r?\n/)) text(line, { width: W });

    if (l.statement) {
      doc.addPage();
      doc.font('Helvetica-Bold').fontSize(10).fillColor(MUTED);
      text(l.from.name);
      doc.moveDown(0.3).font('Helvetica-Bold').fontSize(15).fillColor(INK);
      text(`Statement for ${l.to.name}`);
      doc.font('Helvetica').fontSize(9.5).fillColor(MUTED);
      text(l.statement.title);
      doc.moveDown(0.6).fontSize(9);
      row([
        { s: 'Date', w: 0.2, bold: true },
        { s: 'Document', w: 0.18, bold: true },
        { s: 'Due', w: 0.3, bold: true },
        { s: 'Amount', w: 0.16, bold: true, align: 'right' },
        { s: 'Open', w: 0.16, bold: true, align: 'right' },
      ]);
      if (l.statement.lines.length === 0) text('Nothing is open on this account.');
      for (const s of l.statement.lines) row([{ s: s.date, w: 0.2 }, { s: s.document, w: 0.18 }, { s: s.due, w: 0.3, color: MUTED }, { s: s.amount, w: 0.16, align: 'right' }, { s: s.open, w: 0.16, align: 'right' }]);
      doc.moveDown(0.5).font('Helvetica-Bold').fontSize(11).fillColor(INK);
      text(`Balance due: ${l.statement.balance}`);
      doc.moveDown(0.6).font('Helvetica-Bold').fontSize(10);
      text('Aging');
      doc.font('Helvetica').fontSize(9);
      for (const a of l.statement.aging) row([{ s: a.name, w: 0.5 }, { s: a.amount, w: 0.3, align: 'right' }]);
    }
  }
  return pdf.finish();
}
