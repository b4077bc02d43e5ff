/**
 * The report as a PDF, drawn with pdfkit from the same model the page shows (report.ts), so the
 * two cannot disagree on a figure. Why a PDF library and not the page printed by Chromium:
 * docs/decisions/030-report-pdf.md. Text uses the standard Helvetica fonts (WinAnsi), so it stays
 * searchable and copyable; characters outside WinAnsi are replaced rather than dropped silently.
 */
import { ACCENT, a4Pdf, BAD, type Cell, GOOD, INK, MUTED } from '../pdf/kit';
import type { ClientReport } from './report';


const fmt = (v: number | null, unit: 'days' | '%') => (v === null ? '—' : `${v.toFixed(2)}${unit === '%' ? '%' : ' days'}`);
const signed = (v: number | null, unit: 'days' | '%') => (v === null ? '—' : `${v > 0 ? '+' : v < 0 ? '-' : ''}${Math.abs(v).toFixed(2)}${unit === '%' ? ' points' : ' days'}`);

export function renderReportPdf(r: ClientReport): Promise<Buffer> {
  const pdf = a4Pdf({ Title: `${r.organisationName} — ${r.monthName}`, Author: r.firmName, Subject: 'Monthly credit control report' });
  const { doc, text } = pdf;
  const heading = (s: string) => {
    if (doc.y > doc.page.height - 140) doc.addPage();
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor(INK);
    text(s);
    doc.moveDown(0.3).font('Helvetica').fontSize(9.5).fillColor(INK);
  };
  const row = (cells: Cell[]) => pdf.row(cells, { pageBreakAt: 70 });

  // Firm branding: the firm's name (no firm logo is stored).
  doc.font('Helvetica-Bold').fontSize(10).fillColor(ACCENT);
  text(r.firmName || 'Credit control report');
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(18).fillColor(INK);
  text(`${r.organisationName}: ${r.monthName}`);
  doc.font('Helvetica').fontSize(9.5).fillColor(MUTED);
  text(`Monthly credit control report, ${r.periodText}. Amounts in ${r.currency}.`);
  text(r.service ? `Service started ${r.service.startText}. "Now" is ${r.service.nowText}; the baseline is ${r.service.baselineText}.` : 'No service start date is set yet, so there is no baseline to compare with.');

  heading('Key figures against baseline and target');
  row([
    { s: 'Measure', w: 0.34, bold: true },
    { s: 'Baseline', w: 0.14, bold: true, align: 'right' },
    { s: 'Now', w: 0.14, bold: true, align: 'right' },
    { s: 'Change', w: 0.16, bold: true, align: 'right' },
    { s: 'Target', w: 0.22, bold: true },
  ]);
  for (const k of r.kpis) {
    row([
      { s: k.name, w: 0.34 },
      { s: fmt(k.baseline, k.unit), w: 0.14, align: 'right' },
      { s: fmt(k.current, k.unit), w: 0.14, align: 'right' },
      { s: signed(k.change, k.unit), w: 0.16, align: 'right', color: k.better === true ? GOOD : k.better === false ? BAD : INK },
      { s: k.target ? `${fmt(k.target.goal, k.unit)} by ${k.target.dueText} (${k.target.status})` : '—', w: 0.22 },
    ]);
  }
  if (r.cashReleased) {
    doc.moveDown(0.4).font('Helvetica-Bold').fillColor(INK);
    text(`Cash released: ${r.cashReleased.amount.text}`);
    doc.font('Helvetica').fillColor(MUTED);
    text(r.cashReleased.sentence);
  }

  heading('Cash collected and how');
  text(`${r.collected.total.text} collected in ${r.monthName}.`);
  doc.moveDown(0.3);
  for (const c of r.collected.rows) row([{ s: `After ${c.name.toLowerCase()}`, w: 0.5 }, { s: c.amount.text, w: 0.25, align: 'right' }, { s: `${c.payments} payment${c.payments === 1 ? '' : 's'}`, w: 0.25, color: MUTED }]);
  row([{ s: 'Not through Arcus', w: 0.5 }, { s: r.collected.notThroughArcus.text, w: 0.25, align: 'right' }, { s: '', w: 0.25 }]);
  doc.fillColor(MUTED);
  text(`How payments are credited: ${r.collected.rule}`);

  heading('Aging then and now');
  row([{ s: '', w: 0.4 }, { s: r.aging.beforeText ? `At ${r.aging.beforeText}` : 'At the start', w: 0.3, bold: true, align: 'right' }, { s: `At ${r.aging.nowText}`, w: 0.3, bold: true, align: 'right' }]);
  for (const [i, n] of r.aging.now.entries()) row([{ s: n.name, w: 0.4 }, { s: r.aging.before?.[i]?.amount.text ?? '—', w: 0.3, align: 'right' }, { s: n.amount.text, w: 0.3, align: 'right' }]);

  heading('Actions taken');
  for (const a of r.actions) row([{ s: a.name, w: 0.6 }, { s: String(a.count), w: 0.2, align: 'right' }]);
  row([{ s: 'Promises kept', w: 0.6 }, { s: String(r.promises.kept), w: 0.2, align: 'right' }]);
  row([{ s: 'Promises broken', w: 0.6 }, { s: String(r.promises.broken), w: 0.2, align: 'right' }]);

  heading('Top risks');
  if (r.risks.length === 0) text('No customer is scored as a risk.');
  for (const k of r.risks) row([{ s: k.customer, w: 0.35 }, { s: `${k.openInvoices} open`, w: 0.15 }, { s: `${k.lateChancePct}% likely late`, w: 0.2 }, { s: k.reason ?? '', w: 0.3, color: MUTED }]);

  heading(`Plan for ${r.nextMonthName}`);
  if (r.nextMonth.length === 0) text('No steps are planned yet.');
  for (const s of r.nextMonth) row([{ s: s.title, w: 0.4 }, { s: s.goal, w: 0.15 }, { s: s.dueText, w: 0.25 }, { s: s.who ?? 'Unassigned', w: 0.2, color: MUTED }]);

  return pdf.finish();
}
