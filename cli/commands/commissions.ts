/**
 * `arcus commissions --month YYYY-MM --format generic|gusto|adp [--org ID]`: the month's commission
 * statements as CSV on stdout (server/commissions/export.ts; layouts in docs/decisions/036). With
 * --org, one organisation; without, every organisation of every firm, each read under its own firm
 * (docs/decisions/007), one header. The payroll layouts carry approved statements and mark them
 * exported, as the Commissions page's buttons do.
 */
import { parseArgs } from 'node:util';
import { asc, eq } from 'drizzle-orm';
import { compose } from '../../root/compose';
import { EXPORT_FORMATS, type ExportFormat, exportStatements } from '../../server/commissions/export';
import { isMonth } from '../../server/commissions/statements';
import { loadConfig } from '../../server/config';
import { asSystem, withFirm } from '../../server/db/firm-scope';
import { organisations } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { DomainError } from '../../kernel/errors';
import { type Command, UsageError } from '../command';
import { UUID } from './csv';

export const command: Command = {
  name: 'commissions',
  summary: 'Write a month’s sales commission statements as CSV (generic, Gusto or ADP)',
  usage: `arcus commissions --month YYYY-MM --format ${EXPORT_FORMATS.join('|')} [--org ORGANISATION_ID]`,
  async run(args) {
    const { values } = parseArgs({ args, options: { org: { type: 'string' }, month: { type: 'string' }, format: { type: 'string' } } });
    if (!values.month || !isMonth(values.month)) throw new UsageError('--month takes a month as YYYY-MM');
    if (!values.format || !(EXPORT_FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format takes one of ${EXPORT_FORMATS.join(', ')}`);
    if (values.org !== undefined && !UUID.test(values.org)) throw new UsageError('--org takes an organisation id (a uuid)');
    const format = values.format as ExportFormat;
    const config = loadConfig();
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const app = await compose({ config, log, sandboxBaseUrl: null, mail: 'smtp' });
    const db = app.database.db;
    try {
      const orgs = await asSystem(() =>
        db
          .select({ id: organisations.id, firmId: organisations.firmId })
          .from(organisations)
          .where(values.org ? eq(organisations.id, values.org) : undefined)
          .orderBy(asc(organisations.firmId), asc(organisations.name)),
      );
      if (values.org && !orgs.length) {
        console.error(`arcus commissions: no organisation ${values.org}.`);
        return 1;
      }
      const byFirm = new Map<string, string[]>();
      for (const o of orgs) byFirm.set(o.firmId, [...(byFirm.get(o.firmId) ?? []), o.id]);
      let header: string | null = null;
      const rows: string[] = [];
      for (const [firmId, organisationIds] of byFirm) {
        const { csv } = await withFirm(firmId, () => exportStatements(db, { firmId, organisationIds, month: values.month!, format, now: app.clock.now() }));
        const [head, ...body] = csv.replace(/\r\n$/, '').split('\r\n');
        header ??= head!;
        rows.push(...body);
      }
      if (header === null) header = (await exportStatements(db, { firmId: '00000000-0000-0000-0000-000000000000', organisationIds: [], month: values.month, format, now: app.clock.now() })).csv.replace(/\r\n$/, '');
      process.stdout.write(`${[header, ...rows].join('\r\n')}\r\n`);
      return 0;
    } catch (err) {
      if (err instanceof DomainError) {
        console.error(`arcus commissions: ${err.message}`);
        return 1;
      }
      throw err;
    } finally {
      await app.close();
    }
  },
};
