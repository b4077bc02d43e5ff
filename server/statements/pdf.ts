/**
 * The statement as a PDF, drawn with pdfkit from the same model the page shows (service.ts), as the
 * monthly report is (docs/decisions/030): Helvetica (WinAnsi), characters outside it shown as "?".
 */
import { ACCENT, a4Pdf, type Cell, INK, MUTED } from '../pdf/kit';
import type { StatementView } from './service';


export function renderStatementPdf(s: StatementView, payUrl: string | null): Promise<Buffer> {
  const pdf = a4Pdf({ Title: `Statement — ${s.customerName}`, Author: s.organisationName, Subject: `${s.kindText} statement` });
  const { doc, text } = pdf;
  const row = (cells: Cell[]) => pdf.row(cells, { pageBreakAt: 70 });

  doc.font('Helvetica-Bold').fontSize(10).fillColor(ACCENT);
  text(s.organisationName);
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(18).fillColor(INK);
  text(`Statement for ${s.customerName}`);
  doc.font('Helvetica').fontSize(9.5).fillColor(MUTED);
  text(`${s.kindText} statement, ${s.periodText}. Amounts in ${s.currency}.`);
  doc.moveDown(0.6).fontSize(9);
  if (s.opening !== null) {
    doc.font('Helvetica-Bold').fillColor(INK);
    text(`Balance brought forward: ${s.opening}`);
    doc.moveDown(0.3);
  }
  row([
    { s: 'Date', w: 0.14, bold: true },
    { s: 'Type', w: 0.12, bold: true },
    { s: 'Document', w: 0.14, bold: true },
    { s: 'Due', w: 0.18, bold: true },
    { s: 'Charged', w: 0.14, bold: true, align: 'right' },
    { s: 'Paid or credited', w: 0.14, bold: true, align: 'right' },
    { s: s.kind === 'activity' ? 'Balance' : 'Open', w: 0.14, bold: true, align: 'right' },
  ]);
  if (s.lines.length === 0) text(s.kind === 'activity' ? 'Nothing happened on this account in the period.' : 'Nothing is open on this account.');
  for (const l of s.lines)
    row([
      { s: l.date, w: 0.14 },
      { s: l.type, w: 0.12 },
      { s: l.document, w: 0.14 },
      { s: l.due, w: 0.18, color: MUTED },
      { s: l.debit, w: 0.14, align: 'right' },
      { s: l.credit, w: 0.14, align: 'right' },
      { s: l.balance, w: 0.14, align: 'right' },
    ]);
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(11).fillColor(INK);
  text(`Balance due: ${s.closing}`);
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(10);
  text('Aging');
  doc.font('Helvetica').fontSize(9);
  for (const a of s.aging) row([{ s: a.name, w: 0.5 }, { s: a.amount, w: 0.3, align: 'right' }]);
  if (s.unapplied) row([{ s: 'Credit not yet applied', w: 0.5 }, { s: s.unapplied, w: 0.3, align: 'right' }]);
  if (payUrl) {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(10).fillColor(ACCENT);
    text('Pay online', { link: payUrl, underline: true });
    doc.font('Helvetica').fontSize(8.5).fillColor(MUTED);
    text(payUrl, { link: payUrl });
  }
  return pdf.finish();
}
