/**
 * `arcus fees --month YYYY-MM [--firm ID] [--compute] [--csv]`: the month's fee statements
 * (server/fees/) — for one firm, or, run by an operator without --firm, for every firm, each read
 * under its own firm scope (docs/decisions/007). `--compute` works the month's fees out first
 * (idempotent: drafts are recomputed, approved statements are left as they are). Approving stays in
 * the app: it is a person's decision and writes an invoice into the practice ledger.
 *
 * Output: a table in words, or with --csv one row per statement: firm, client, month, currency,
 * fee (a decimal), status and the working (its lines joined by " | ").
 */
import { parseArgs } from 'node:util';
import { asc, eq } from 'drizzle-orm';
import { formatAmount } from '../../kernel/money';
import { compose } from '../../root/compose';
import { loadConfig } from '../../server/config';
import { asSystem, withFirm } from '../../server/db/firm-scope';
import { firms } from '../../server/db/schema';
import { computeStatements, listStatements } from '../../server/fees/statements';
import { createLogger } from '../../server/logger';
import { isReportMonth } from '../../server/reports/schedule';
import { type Command, UsageError } from '../command';
import { csvLine, UUID } from './csv';

export const command: Command = {
  name: 'fees',
  summary: 'Print (or work out) the month’s fee statements for a firm or every firm, as a table or CSV',
  usage: 'arcus fees --month YYYY-MM [--firm FIRM_ID] [--compute] [--csv]',
  async run(args) {
    const { values } = parseArgs({ args, options: { month: { type: 'string' }, firm: { type: 'string' }, compute: { type: 'boolean', default: false }, csv: { type: 'boolean', default: false } } });
    if (!values.month || !isReportMonth(values.month)) throw new UsageError('--month takes a month as YYYY-MM');
    if (values.firm !== undefined && !UUID.test(values.firm)) throw new UsageError('--firm takes a firm id (a uuid)');
    const month = values.month;
    const config = loadConfig();
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const app = await compose({ config, log, sandboxBaseUrl: null, mail: 'smtp' });
    const db = app.database.db;
    try {
      const list = await asSystem(() => db.select({ id: firms.id, name: firms.name }).from(firms).where(values.firm ? eq(firms.id, values.firm) : undefined).orderBy(asc(firms.name)));
      if (values.firm && list.length === 0) {
        console.error(`arcus fees: no firm ${values.firm}.`);
        return 1;
      }
      const out: string[] = [];
      if (values.csv) out.push(csvLine(['firm', 'client', 'month', 'currency', 'fee', 'status', 'working']));
      let count = 0;
      for (const firm of list) {
        const statements = await withFirm(firm.id, async () => {
          if (values.compute) for (const problem of (await computeStatements(db, { firmId: firm.id, month, now: app.clock.now() })).problems) console.error(`${firm.name}: ${problem}`);
          return listStatements(db, { firmId: firm.id, month });
        });
        for (const s of statements) {
          count++;
          if (values.csv) out.push(csvLine([firm.name, s.organisationName, s.month, s.currency, formatAmount(s.amount, s.currency), s.statusText, s.working.map((w) => `${w.label}: ${w.detail}`).join(' | ')]));
          else {
            out.push(`${firm.name} — ${s.organisationName}, ${s.monthName}: ${s.amountText} (${s.statusText})`);
            for (const w of s.working) out.push(`    ${w.label}: ${w.detail}`);
          }
        }
      }
      if (!values.csv && count === 0) out.push(`No fee statements for ${month}${values.compute ? ': no client has a fee plan' : '; add --compute to work them out'}.`);
      console.log(out.join('\n'));
      return 0;
    } finally {
      await app.close();
    }
  },
};
