/**
 * `arcus remind --org ID --dry-run [--date YYYY-MM-DD] [--json]`: what an organisation's
 * reminders would send tomorrow (or on the date) — the planner on today's data and claims,
 * with the daily limit applied. Nothing is claimed or sent. Addresses are masked.
 *
 * In embedded mode this opens the local PGlite folder, which only one process may use: stop
 * `arcus start` first (or point DATABASE_URL at PostgreSQL).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../server/config';
import { compose } from '../../root/compose';
import { isCalendarDate } from '../../kernel/dates';
import { loadOrganisation } from '../../server/reminders/load';
import { type Preview, previewDay } from '../../server/reminders/preview';
import { maskList } from '../../server/reminders/recipients';
import { formatDate } from '../../server/reminders/render';
import { type Command, UsageError } from '../command';
import { asSystem, withFirm } from '../../server/db/firm-scope';

const USAGE = 'arcus remind --org ORGANISATION_ID --dry-run [--date YYYY-MM-DD] [--json]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

export function formatPreview(p: Preview): string {
  const lines: string[] = [];
  lines.push(`${p.organisationName} (${p.timezone}) — reminders that would go out on ${formatDate(p.date, null)} (${p.date})`);
  lines.push(`Window ${p.window} local time${p.businessDay ? '' : ' — not a business day: these wait for the next one'}; daily limit ${p.dailyLimit}.`);
  if (!p.enabled) lines.push('Reminders are switched off for this organisation: nothing goes out until they are switched on.');
  lines.push('');
  if (p.sends.length === 0) lines.push('Nothing to send.');
  else {
    lines.push(`${pad('Customer', 28)} ${pad('Invoices', 26)} ${pad('Step', 42)} To`);
    for (const s of p.sends) {
      const invoices = s.invoices.map((i) => `${i.number} ${i.display}`).join(', ');
      const flag = s.overLimit ? ' [over the daily limit: the day after]' : s.approval === 'manual' ? ' [waits for approval]' : '';
      lines.push(`${pad(s.customer, 28)} ${pad(invoices, 26)} ${pad(s.stepLabel, 42)} ${maskList(s.recipients)}${flag}`);
    }
  }
  const waiting = p.sends.filter((s) => s.approval === 'manual').length;
  const over = p.sends.filter((s) => s.overLimit).length;
  lines.push('');
  lines.push(`${p.sends.length} email${p.sends.length === 1 ? '' : 's'} (${waiting} waiting for approval, ${over} over the daily limit); ${p.skips.length} skipped${p.skips.length ? ':' : '.'}`);
  for (const s of p.skips) lines.push(`  ${pad(s.customer, 28)} ${pad(s.invoice, 14)} reminder ${s.stepNumber} — ${s.reasonText}`);
  return lines.join('\n');
}

export const command: Command = {
  name: 'remind',
  summary: 'Show what an organisation’s reminders would send tomorrow (dry run)',
  usage: USAGE,
  async run(args) {
    let values: { org?: string; 'dry-run'?: boolean; date?: string; json?: boolean };
    try {
      ({ values } = parseArgs({ args, options: { org: { type: 'string' }, 'dry-run': { type: 'boolean' }, date: { type: 'string' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!values.org || !UUID.test(values.org)) throw new UsageError('--org must be an organisation id (a UUID)');
    if (!values['dry-run']) throw new UsageError('only --dry-run is supported: reminders are sent by the scheduler (arcus start / arcus worker)');
    if (values.date !== undefined && !isCalendarDate(values.date)) throw new UsageError(`--date must be a calendar date YYYY-MM-DD, got ${JSON.stringify(values.date)}`);
    const app = await compose({ config: loadConfig(), mail: 'smtp' });
    const database = app.database;
    try {
      // An operator command: the organisation is found as the system, the preview runs as its firm.
      const orgId = values.org;
      const org = await asSystem(() => loadOrganisation(database.db, orgId));
      if (!org) {
        console.error(`arcus remind: no organisation ${values.org}`);
        return 1;
      }
      const date = values.date;
      const preview = await withFirm(org.firmId, () => previewDay(database.db, { firmId: org.firmId, organisationId: org.id, date, now: app.clock.now() }));
      if (!preview) return 1;
      if (values.json) console.log(JSON.stringify({ ...preview, sends: preview.sends.map((s) => ({ ...s, recipients: s.recipients.length })) }, null, 2));
      else console.log(formatPreview(preview));
      return 0;
    } finally {
      await app.close();
    }
  },
};
