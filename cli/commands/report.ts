/**
 * `arcus report --org ID --month YYYY-MM [--pdf FILE]`: a client's monthly report
 * (server/reports/report.ts, the same model the page, the PDF and the email show): its headline
 * figures printed, and with --pdf the PDF written to FILE (server/reports/pdf.ts). The organisation
 * is found as the system and read under its own firm (docs/decisions/007).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { todayIn } from '../../kernel/dates';
import { compose } from '../../root/compose';
import { loadConfig } from '../../server/config';
import { asSystem, withFirm } from '../../server/db/firm-scope';
import { organisations } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { renderReportPdf } from '../../server/reports/pdf';
import { buildClientReport } from '../../server/reports/report';
import { isReportMonth } from '../../server/reports/schedule';
import { type Command, UsageError } from '../command';
import { UUID } from './csv';

export const command: Command = {
  name: 'report',
  summary: 'Print a client’s monthly report figures, and write its PDF',
  usage: 'arcus report --org ORGANISATION_ID --month YYYY-MM [--pdf FILE]',
  async run(args) {
    const { values } = parseArgs({ args, options: { org: { type: 'string' }, month: { type: 'string' }, pdf: { type: 'string' } } });
    if (!values.org || !UUID.test(values.org)) throw new UsageError('--org takes an organisation id (a uuid)');
    if (!values.month || !isReportMonth(values.month)) throw new UsageError('--month takes a month as YYYY-MM');
    const month = values.month;
    const config = loadConfig();
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const app = await compose({ config, log, sandboxBaseUrl: null, mail: 'smtp' });
    const db = app.database.db;
    try {
      const [org] = await asSystem(() => db.select({ id: organisations.id, firmId: organisations.firmId, timezone: organisations.timezone }).from(organisations).where(eq(organisations.id, values.org!)));
      if (!org) {
        console.error(`arcus report: no organisation ${values.org}.`);
        return 1;
      }
      const now = app.clock.now();
      if (`${month}-01` > todayIn(org.timezone, now)) {
        console.error(`arcus report: ${month} has not started in the organisation’s time zone.`);
        return 1;
      }
      const report = await withFirm(org.firmId, () => buildClientReport(db, { firmId: org.firmId, organisationId: org.id, month, now }));
      if (!report) {
        console.error(`arcus report: no organisation ${values.org}.`);
        return 1;
      }
      const kpi = (name: string) => report.kpis.find((k) => k.name === name);
      const fig = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v.toFixed(2)}${unit === '%' ? '%' : ' days'}`);
      const lines = [
        `${report.organisationName} — ${report.monthName} (${report.periodText})`,
        report.service ? `Service since ${report.service.startText}; baseline: ${report.service.baselineText}.` : 'No service start date: no baseline to compare with.',
      ];
      for (const name of ['Days sales outstanding (DSO)', 'Collection effectiveness (CEI)', 'Share of receivables overdue']) {
        const k = kpi(name);
        if (k) lines.push(`${k.name}: ${fig(k.current, k.unit)}${k.baseline !== null ? ` (baseline ${fig(k.baseline, k.unit)})` : ''}`);
      }
      if (report.cashReleased) lines.push(`Cash released: ${report.cashReleased.amount.text}. ${report.cashReleased.sentence}`);
      const through = report.collected.rows.reduce((s, r) => s + r.amount.amount, 0);
      lines.push(`Cash collected: ${report.collected.total.text}; not through Arcus: ${report.collected.notThroughArcus.text}.`);
      for (const r of report.collected.rows) if (r.payments > 0) lines.push(`  ${r.name}: ${r.amount.text} (${r.payments} payment${r.payments === 1 ? '' : 's'})`);
      if (through === 0) lines.push('  Nothing collected through Arcus this month.');
      lines.push(`Actions: ${report.actions.reduce((s, a) => s + a.count, 0)}; promises kept ${report.promises.kept}, broken ${report.promises.broken}.`);
      if (values.pdf) {
        await writeFile(values.pdf, await renderReportPdf(report));
        lines.push(`PDF written to ${values.pdf}.`);
      }
      console.log(lines.join('\n'));
      return 0;
    } finally {
      await app.close();
    }
  },
};
