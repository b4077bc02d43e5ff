/**
 * Billing accuracy from the synced ledger: invoices issued (drafts and invoices awaiting approval
 * are not issued), the credit notes applied to them by day, and the day each voided or deleted one
 * was last changed in the ledger (its void day; the ledgers keep no separate void date), and the
 * day the sync first saw an issued invoice's total, lines or due date changed (migration 0057).
 */
import { sql } from 'drizzle-orm';
import { addDays, addMonths, type CalendarDate, startOfMonth, todayIn } from '../../kernel/dates';
import { notFound } from '../../kernel/errors';
import { parseAmount } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { ACCURACY_WINDOW_DAYS, type AccuracyFigure, type AccuracyMonth, accuracyOf, accuracyTrend, type IssuedInvoice, periodText } from './accuracy';

export interface BillingAccuracy {
  windowDays: number;
  /** The period the headline figure is for, in words. */
  periodText: string;
  figure: AccuracyFigure;
  trend: AccuracyMonth[];
  /** How the figure is worked out, in a sentence for the card. */
  explanation: string;
}

export async function loadIssuedInvoices(db: Db, scope: { firmId: string; organisationId: string }, timezone: string, from: CalendarDate): Promise<IssuedInvoice[]> {
  const rows = await queryRows<{ external_id: string; issue_date: string; total: string; currency: string; status: string; changed_at: Date | string | null; amended_at: Date | string | null }>(
    db,
    sql`SELECT external_id, issue_date::text, total::text, currency, status, coalesce(ledger_updated_at, synced_at) AS changed_at, amended_at FROM invoices
        WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND status NOT IN ('draft', 'submitted') AND issue_date >= ${from}::date`,
  );
  const credits = await queryRows<{ invoice_external_id: string; date: string; amount: string; currency: string }>(
    db,
    sql`SELECT ca.invoice_external_id, ca.date::text, ca.amount::text, cn.currency FROM credit_note_allocations ca
        JOIN credit_notes cn ON cn.id = ca.credit_note_id AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
        WHERE ca.firm_id = ${scope.firmId} AND ca.organisation_id = ${scope.organisationId} AND ca.date >= ${from}::date`,
  );
  const byInvoice = new Map<string, { date: CalendarDate; amount: number }[]>();
  for (const c of credits) {
    const list = byInvoice.get(c.invoice_external_id) ?? [];
    list.push({ date: c.date, amount: parseAmount(c.amount, c.currency, true) });
    byInvoice.set(c.invoice_external_id, list);
  }
  return rows.map((r) => ({
    issueDate: r.issue_date,
    total: parseAmount(r.total, r.currency, true),
    voidedOn: (r.status === 'voided' || r.status === 'deleted') && r.changed_at ? todayIn(timezone, new Date(r.changed_at)) : null,
    credits: byInvoice.get(r.external_id) ?? [],
    amendedOn: r.amended_at ? todayIn(timezone, new Date(r.amended_at)) : null,
  }));
}

/**
 * The organisation's billing accuracy: the headline for `period` (default: the last complete
 * calendar month) and the trend over the last 12 months, as of `now` in its time zone.
 */
export async function billingAccuracy(db: Db, scope: { firmId: string; organisationId: string }, now: Date, options: { from?: CalendarDate; to?: CalendarDate; windowDays?: number } = {}): Promise<BillingAccuracy> {
  const [org] = await queryRows<{ timezone: string }>(db, sql`SELECT timezone FROM organisations WHERE id = ${scope.organisationId} AND firm_id = ${scope.firmId}`);
  if (!org) throw notFound('That organisation does not exist.');
  const windowDays = options.windowDays ?? ACCURACY_WINDOW_DAYS;
  const today = todayIn(org.timezone, now);
  const lastMonth = addMonths(startOfMonth(today), -1);
  const from = options.from ?? lastMonth;
  const to = options.to ?? addDays(startOfMonth(today), -1);
  const trendFrom = addMonths(startOfMonth(today), -11);
  const invoices = await loadIssuedInvoices(db, scope, org.timezone, from < trendFrom ? from : trendFrom);
  return {
    windowDays,
    periodText: periodText(from, to),
    figure: accuracyOf(invoices, from, to, today, windowDays),
    trend: accuracyTrend(invoices, today, 12, windowDays),
    explanation: `The share of invoices not voided, credited or amended within ${windowDays} days of their issue date. Invoices younger than ${windowDays} days are not counted yet.`,
  };
}
