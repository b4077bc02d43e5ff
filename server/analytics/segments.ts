/**
 * Segments of an organisation's receivables: by customer, by risk segment (customer scoring's
 * segment per customer; "not scored" without one), or by one of the ledger's tracking
 * categories (Xero tracking categories; QuickBooks classes and departments arrive as tracking
 * entries named "Class" / "Department").
 *
 * For a category, each invoice is split across that category's options pro rata by its line
 * amounts (lines without the category go to "(none)"; negative lines such as discounts weigh
 * nothing; an invoice whose lines weigh nothing goes wholly to its first line's option), with
 * split.ts — exact, with remainders, keeping every part settled when the invoice is. Each
 * segment's metrics are then computed by the engine.
 */
import { and, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customerScores, invoiceLines, invoices } from '../db/schema';
import { computeMetrics, type MetricInvoice, type Period } from '../domain/metrics';
import { type Minor, toMinor } from '../../kernel/money';
import { overduePct } from './figures';
import { EXCLUDED_INVOICE_STATUSES } from './ledger-invoices';
import { splitInvoice } from './split';

export const NO_OPTION = '(none)';
export const NOT_SCORED = 'not scored';

/** Each scored customer's risk segment (reliable, slow, chronic_late, …). */
export async function loadRiskSegments(db: Db, firmId: string, organisationId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ contact: customerScores.contactExternalId, segment: customerScores.segment })
    .from(customerScores)
    .where(and(eq(customerScores.firmId, firmId), eq(customerScores.organisationId, organisationId)));
  return new Map(rows.map((r) => [r.contact, r.segment]));
}

/** Invoices grouped by a key of their customer. */
export function groupByCustomerKey(base: readonly MetricInvoice[], keyOf: (customerExternalId: string) => string): Map<string, MetricInvoice[]> {
  const groups = new Map<string, MetricInvoice[]>();
  for (const inv of base) {
    const key = keyOf(inv.customerId);
    const g = groups.get(key);
    if (g) g.push(inv);
    else groups.set(key, [inv]);
  }
  return groups;
}

export interface LineWeight {
  invoiceId: string;
  lineNo: number;
  lineAmount: string;
  tracking: unknown;
}

export async function loadLineWeights(db: Db, firmId: string, organisationId: string): Promise<LineWeight[]> {
  return db
    .select({ invoiceId: invoiceLines.invoiceId, lineNo: invoiceLines.lineNo, lineAmount: invoiceLines.lineAmount, tracking: invoiceLines.tracking })
    .from(invoiceLines)
    .innerJoin(invoices, eq(invoices.id, invoiceLines.invoiceId))
    .where(and(eq(invoiceLines.firmId, firmId), eq(invoices.firmId, firmId), eq(invoices.organisationId, organisationId), notInArray(invoices.status, EXCLUDED_INVOICE_STATUSES)))
    .orderBy(invoiceLines.invoiceId, invoiceLines.lineNo);
}

function trackingOf(tracking: unknown): { name: string; option: string }[] {
  if (!Array.isArray(tracking)) return [];
  return tracking.filter((t): t is { name: string; option: string } => typeof t?.name === 'string' && typeof t?.option === 'string' && t.name.trim() !== '');
}

export function trackingCategories(lines: readonly LineWeight[]): string[] {
  const names = new Set<string>();
  for (const l of lines) for (const t of trackingOf(l.tracking)) names.add(t.name);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** Invoices (base currency) cut into parts by the options of `category`. */
export function splitByCategory(base: readonly MetricInvoice[], lines: readonly LineWeight[], category: string): Map<string, MetricInvoice[]> {
  const byInvoice = new Map<string, LineWeight[]>();
  for (const l of lines) byInvoice.set(l.invoiceId, [...(byInvoice.get(l.invoiceId) ?? []), l]);
  const out = new Map<string, MetricInvoice[]>();
  const push = (option: string, inv: MetricInvoice) => out.set(option, [...(out.get(option) ?? []), inv]);
  for (const inv of base) {
    const own = byInvoice.get(inv.id) ?? [];
    const weights = new Map<string, bigint>();
    for (const l of own) {
      const option = trackingOf(l.tracking).find((t) => t.name === category)?.option ?? NO_OPTION;
      const w = BigInt(Math.max(0, toMinor(l.lineAmount, 2, true)));
      weights.set(option, (weights.get(option) ?? 0n) + w);
    }
    const options = [...weights.keys()];
    const ws = options.map((o) => weights.get(o)!);
    if (options.length === 0) push(NO_OPTION, inv);
    else if (ws.every((w) => w === 0n)) push(options[0]!, inv);
    else {
      const kept = options.filter((_, i) => ws[i]! > 0n);
      const parts = splitInvoice(
        inv,
        kept.map((o) => weights.get(o)!),
      );
      for (const [i, part] of parts.entries()) push(kept[i]!, part);
    }
  }
  return out;
}

export interface SegmentRow {
  segment: string;
  invoices: number;
  arEnd: Minor;
  overdue: Minor;
  overduePct: number | null;
  /** Percent of the organisation's A/R at `to`. */
  shareOfAr: number | null;
  creditSales: Minor;
  collected: Minor;
  dso: number | null;
  cei: number | null;
  dbt: number | null;
}

export function segmentRows(groups: Map<string, MetricInvoice[]>, period: Period): SegmentRow[] {
  const metrics = [...groups].map(([segment, list]) => ({ segment, list, m: computeMetrics(list, period) }));
  const totalAr = metrics.reduce((s, x) => s + x.m.arEnd, 0);
  return metrics
    .map(({ segment, list, m }) => ({
      segment,
      invoices: new Set(list.map((i) => i.id.split('#')[0])).size,
      arEnd: m.arEnd,
      overdue: m.arEnd - m.currentArEnd,
      overduePct: overduePct(m.arEnd, m.currentArEnd),
      shareOfAr: totalAr > 0 ? Math.round((m.arEnd / totalAr) * 10000) / 100 : null,
      creditSales: m.creditSales,
      collected: m.collected,
      dso: m.dso,
      cei: m.cei,
      dbt: m.dbt,
    }))
    .sort((a, b) => b.arEnd - a.arEnd || a.segment.localeCompare(b.segment));
}
