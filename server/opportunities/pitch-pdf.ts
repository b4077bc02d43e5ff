/**
 * The one-page pitch for a client, drawn with pdfkit as the monthly report is (server/reports/pdf.ts,
 * docs/decisions/030), from the same row the Opportunities page shows, so the two cannot disagree:
 * the client's numbers against its benchmark, what reaching the benchmark would release, why it
 * was flagged, and the proposed tier and fee.
 */
import { ACCENT, a4Pdf, BAD, type Cell, GOOD, INK, MUTED, winAnsi } from '../pdf/kit';
import type { OpportunitiesView, OpportunityRow } from './opportunities';


const fmt = (v: number | null, unit: 'days' | '%') => (v === null ? '—' : `${v.toFixed(2)}${unit === '%' ? '%' : ' days'}`);

export function renderPitchPdf(view: OpportunitiesView, row: OpportunityRow): Promise<Buffer> {
  const pdf = a4Pdf({ Title: `${row.name}: what better credit control would release`, Author: view.firmName, Subject: 'Credit control proposal' });
  const { doc, text, width: W } = pdf;
  const heading = (s: string) => {
    doc.moveDown(0.9).font('Helvetica-Bold').fontSize(12).fillColor(INK);
    text(s);
    doc.moveDown(0.3).font('Helvetica').fontSize(10).fillColor(INK);
  };
  const cells = (cs: Cell[]) => pdf.row(cs, { gap: 4 });

  doc.font('Helvetica-Bold').fontSize(10).fillColor(ACCENT);
  text(view.firmName || 'Credit control proposal');
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(20).fillColor(INK);
  text(`${row.name}: cash waiting in your receivables`);
  doc.font('Helvetica').fontSize(10).fillColor(MUTED);
  text(`Prepared from your ledger for ${view.periodText}. Amounts in ${row.currency}.`);

  // The headline: what reaching the benchmark would release.
  doc.moveDown(0.9);
  const boxY = doc.y;
  doc.roundedRect(48, boxY, W, 62, 6).fillColor('#e7f5ff').fill();
  doc.fillColor(INK).font('Helvetica').fontSize(10);
  doc.text(winAnsi('Cash released by reaching the benchmark DSO'), 62, boxY + 12, { width: W - 28 });
  doc.font('Helvetica-Bold').fontSize(24).fillColor(row.cashReleased && row.cashReleased.amount > 0 ? GOOD : INK);
  doc.text(winAnsi(row.cashReleased ? row.cashReleased.text : '—'), 62, boxY + 28, { width: W - 28 });
  doc.x = 48;
  doc.y = boxY + 72;
  doc.font('Helvetica').fontSize(10).fillColor(INK);
  text(row.cashSentence, { width: W });

  heading('Your numbers against similar clients');
  cells([
    { s: 'Measure', w: 0.46, bold: true },
    { s: 'You', w: 0.18, bold: true, align: 'right' },
    { s: 'Benchmark', w: 0.18, bold: true, align: 'right' },
    { s: '', w: 0.18, bold: true },
  ]);
  for (const m of row.metrics) {
    cells([
      { s: m.name, w: 0.46 },
      { s: fmt(m.value, m.unit), w: 0.18, align: 'right', color: m.worse === true ? BAD : m.worse === false ? GOOD : INK },
      { s: fmt(m.benchmark, m.unit), w: 0.18, align: 'right' },
      { s: m.worse === true ? 'behind' : m.worse === false ? 'ahead' : '', w: 0.18, color: MUTED },
    ]);
  }
  doc.fillColor(MUTED).fontSize(9);
  text(`Benchmark: the median of ${row.benchmark.groupName.toLowerCase()}. ${row.benchmark.sentence}`, { width: W });

  heading('What we noticed');
  doc.fontSize(10);
  if (row.reasons.length === 0) text('Your figures are at or better than the benchmark and within our limits.', { width: W });
  for (const r of row.reasons) text(`•  ${r}`, { width: W });

  heading('What we propose');
  doc.fontSize(10);
  if (row.proposal) {
    doc.font('Helvetica-Bold');
    text(`${row.proposal.tierName} credit control: ${row.proposal.monthlyFee.text} a month`, { width: W });
    doc.font('Helvetica');
    text(row.proposal.sentence, { width: W });
    if (row.cashReleased && row.cashReleased.amount > 0) text(`Against ${row.cashReleased.text} of cash released, a year of the service costs ${row.proposal.yearlyFee.text}.`, { width: W });
    doc.moveDown(0.5);
  }
  text(
    'We run your credit control from your own ledger: reminders from your own address, calls and follow-ups on the invoices that matter, payment links, and a monthly report measuring the cash released against your figures today, frozen when the service starts.',
    { width: W },
  );
  doc.moveDown(0.6).fillColor(MUTED).fontSize(8.5);
  text(
    'How these figures are worked out: DSO = receivables at the period end ÷ sales in the period × its days. Cash released = (your DSO − the benchmark DSO) × your average daily sales in the period. Benchmarks are medians of the firm’s clients of your size.',
    { width: W },
  );

  return pdf.finish();
}
