/**
 * Commission statements as CSV (docs/decisions/036 for the layouts and their sources):
 *
 * - `generic`: every line of every statement of the month, with the statement's status;
 * - `gusto`: Gusto's payroll CSV upload — one row per person, `first_name,last_name,gusto_employee_id,commission`;
 * - `adp`: ADP Workforce Now's paydata import — `Co Code,Batch ID,File #,Earnings 3 Code,Earnings 3 Amount`.
 *
 * The payroll layouts carry approved statements only (a draft is not pay), and mark them exported.
 * Text cells that a spreadsheet would run as a formula (= + - @, tab, carriage return) are
 * prefixed with an apostrophe; amounts are written by us and never are.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { invalidFields } from '../../kernel/errors';
import { csvText } from '../analytics/csv';
import type { Db } from '../db/client';
import { commissionStatements, salespeople } from '../db/schema';
import { getSettings } from './config';
import { type StatementView, statementViews } from './statements';

export const EXPORT_FORMATS = ['generic', 'gusto', 'adp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const GENERIC_HEADER = ['Organisation', 'Salesperson', 'Email', 'Payroll ID', 'Month', 'Status', 'Line', 'What', 'Invoice', 'Date', 'Cash', 'Commission', 'Held back', 'Payable', 'Currency'];
export const GUSTO_HEADER = ['first_name', 'last_name', 'gusto_employee_id', 'commission'];
export const ADP_HEADER = ['Co Code', 'Batch ID', 'File #', 'Earnings 3 Code', 'Earnings 3 Amount'];

function row(cells: (string | { amount: string })[]): string {
  return cells.map((c) => (typeof c === 'string' ? csvText(c) : c.amount)).join(',');
}

/** "Ana María de la Cruz" → first "Ana", last "María de la Cruz" (Gusto matches on both, not case-sensitive). */
export function splitName(name: string): { first: string; last: string } {
  const parts = name.trim().split(/\s+/);
  return { first: parts[0] ?? '', last: parts.slice(1).join(' ') };
}

export interface ExportParams {
  firmId: string;
  organisationIds: string[];
  month: string;
  format: ExportFormat;
  now: Date;
}

export async function exportStatements(db: Db, p: ExportParams): Promise<{ csv: string; statements: number }> {
  const views = await statementViews(db, p.firmId, { organisationIds: p.organisationIds, month: p.month });
  const people = views.length
    ? await db
        .select({ statementId: commissionStatements.id, email: salespeople.email, payrollId: salespeople.payrollId })
        .from(commissionStatements)
        .innerJoin(salespeople, and(eq(salespeople.id, commissionStatements.salespersonId), eq(salespeople.firmId, commissionStatements.firmId)))
        .where(and(eq(commissionStatements.firmId, p.firmId), inArray(commissionStatements.id, views.map((v) => v.id))))
    : [];
  const person = new Map(people.map((x) => [x.statementId, x]));
  if (p.format === 'generic') {
    const out = [row(GENERIC_HEADER)];
    for (const v of views)
      for (const l of v.lines) {
        const who = person.get(v.id);
        out.push(row([v.organisationName, v.salespersonName, who?.email ?? '', who?.payrollId ?? '', v.month, v.statusText, String(l.lineNo), l.kindText, l.invoiceNumber, l.dateText, { amount: l.base }, { amount: l.commission }, { amount: l.held }, { amount: l.payable }, v.currency]));
      }
    return { csv: `${out.join('\r\n')}\r\n`, statements: views.length };
  }

  const payable = views.filter((v) => v.status !== 'draft');
  const missing = payable.filter((v) => !person.get(v.id)?.payrollId);
  if (p.format === 'adp') {
    const problems: { field: string; message: string }[] = [];
    const codes = new Map<string, Awaited<ReturnType<typeof getSettings>>>();
    for (const id of new Set(payable.map((v) => v.organisationId))) codes.set(id, await getSettings(db, p.firmId, id));
    for (const v of payable) {
      const s = codes.get(v.organisationId)!;
      if (!s.adpCompanyCode || !s.adpEarningsCode) problems.push({ field: 'adp', message: `Enter ADP’s company code and earnings code for ${v.organisationName} before exporting to ADP.` });
    }
    for (const v of missing) problems.push({ field: 'payrollId', message: `Enter ${v.salespersonName}’s ADP file number before exporting to ADP.` });
    if (problems.length) throw invalidFields([...new Map(problems.map((x) => [x.message, x])).values()]);
    const out = [row(ADP_HEADER)];
    for (const v of payable) {
      const s = codes.get(v.organisationId)!;
      out.push(row([s.adpCompanyCode!, s.adpBatchId || `COMM${v.month.replace('-', '')}`, person.get(v.id)!.payrollId!, s.adpEarningsCode!, { amount: v.totals.total }]));
    }
    await markExported(db, p.firmId, payable, p.now);
    return { csv: `${out.join('\r\n')}\r\n`, statements: payable.length };
  }

  const out = [row(GUSTO_HEADER)];
  for (const v of payable) {
    const { first, last } = splitName(v.salespersonName);
    out.push(row([first, last, person.get(v.id)?.payrollId ?? '', { amount: v.totals.total }]));
  }
  await markExported(db, p.firmId, payable, p.now);
  return { csv: `${out.join('\r\n')}\r\n`, statements: payable.length };
}

async function markExported(db: Db, firmId: string, views: StatementView[], now: Date): Promise<void> {
  if (!views.length) return;
  await db
    .update(commissionStatements)
    .set({ status: 'exported', exportedAt: now })
    .where(and(eq(commissionStatements.firmId, firmId), inArray(commissionStatements.id, views.map((v) => v.id))));
}

export function exportFileName(format: ExportFormat, month: string): string {
  return `commissions-${format}-${month}.csv`;
}

