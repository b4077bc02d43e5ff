/**
 * The figures a customer row and the customer page show, and why a figure is blank.
 *
 * DSO (AR / S × D) is not shown per customer: one customer's sales in a period are small
 * and lumpy, so the ratio reads as 7,137.8 days for a customer who bought a little, and as
 * exactly D (90 days) for one who bought once and has not paid yet. Instead:
 * - average days late: days beyond terms (DBT) of the invoices paid in the period;
 * - ADD and DSO counted back through the customer's monthly sales (countbackAdd,
 *   countbackDays), which never run past the age of what the customer owes.
 * A blank figure carries a reason in plain words.
 */
import { countbackAdd, countbackSegments, type MetricInvoice, type MetricsResult } from '../domain/metrics';

export type CustomerFigureKey = 'avgDaysLate' | 'add' | 'dsoCountback' | 'cei' | 'avgDaysToPay';

export interface CustomerFigures {
  /** Days beyond terms of the invoices settled in the period, weighted by amount. */
  avgDaysLate: number | null;
  /** Countback ADD (days of recent sales the overdue balance stands for). */
  add: number | null;
  dsoCountback: number | null;
  cei: number | null;
  avgDaysToPay: number | null;
  /** Why a figure is blank, for each one that is null. */
  why: Partial<Record<CustomerFigureKey, string>>;
}

export const NO_INVOICES = 'No invoices yet';
export const NONE_PAID = 'No invoices paid in this period';
export const NO_SALES_YET = 'No sales up to the end of this period';
export const BALANCE_UNEXPLAINED = 'The balance is larger than all recorded sales';
export const NOTHING_TO_COLLECT = 'Nothing was owed or invoiced in this period';

/** Figures for one customer's invoices (one currency), `m` being computeMetrics over them for the period. */
export function customerFigures(invoices: readonly MetricInvoice[], m: MetricsResult): CustomerFigures {
  const to = m.to;
  const segments = countbackSegments(invoices, to);
  const figures: Omit<CustomerFigures, 'why'> = {
    avgDaysLate: m.dbt,
    add: countbackAdd(m.arEnd, m.currentArEnd, segments),
    dsoCountback: m.dsoCountback,
    cei: m.cei,
    avgDaysToPay: m.avgDaysToPay,
  };
  return { ...figures, why: blankReasons(figures, { invoices: invoices.length, salesToDate: invoices.some((i) => i.issueDate <= to && i.total > 0) }) };
}

/** Why each null figure is null, in words a person can act on. Pure. */
export function blankReasons(f: Omit<CustomerFigures, 'why'>, facts: { invoices: number; salesToDate: boolean }): Partial<Record<CustomerFigureKey, string>> {
  const why: Partial<Record<CustomerFigureKey, string>> = {};
  const countback = facts.invoices === 0 ? NO_INVOICES : facts.salesToDate ? BALANCE_UNEXPLAINED : NO_SALES_YET;
  if (f.avgDaysLate === null) why.avgDaysLate = facts.invoices === 0 ? NO_INVOICES : NONE_PAID;
  if (f.avgDaysToPay === null) why.avgDaysToPay = facts.invoices === 0 ? NO_INVOICES : NONE_PAID;
  if (f.add === null) why.add = countback;
  if (f.dsoCountback === null) why.dsoCountback = countback;
  if (f.cei === null) why.cei = facts.invoices === 0 ? NO_INVOICES : NOTHING_TO_COLLECT;
  return why;
}
