/**
 * Loads the invoice history scoring learns from (history.ts says what counts), set-based: one
 * query for the invoices and one for their counted allocations, per firm or organisation.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { type CalendarDate, maxDate } from '../../kernel/dates';
import { type Minor, toMinor } from '../../kernel/money';
import type { HistoryInvoice } from './history';
import { INVOICE_DISPUTED } from './in-motion';

interface Row {
  id: string;
  organisation_id: string;
  external_id: string;
  number: string;
  contact_external_id: string;
  contact_id: string | null;
  issue_date: string;
  due_date: string | null;
  currency: string;
  rate: string;
  base_currency: string;
  total: string;
  status: string;
  settled_on: string | null;
  fully_paid_on: string | null;
  disputed_on: string | null;
}

interface AllocationRow {
  organisation_id: string;
  invoice_external_id: string;
  day: string;
  amount: string;
}

/**
 * Every counted invoice of a firm (or of one organisation), ordered by organisation and issue date.
 * `issuedFrom` keeps invoices issued on or after that day (and allocations dated from it);
 * `limit` keeps at most that many of them, the most recently issued — bounded reads for the
 * in-app backtest.
 */
export async function loadHistory(
  db: Db,
  scope: { firmId: string; organisationId?: string; issuedFrom?: CalendarDate; limit?: number },
): Promise<HistoryInvoice[]> {
  const orgFilter = (column: string) => (scope.organisationId ? sql`AND ${sql.raw(column)} = ${scope.organisationId}` : sql``);
  const fromFilter = (column: string) => (scope.issuedFrom ? sql`AND ${sql.raw(column)} >= ${scope.issuedFrom}` : sql``);
  const limit = scope.limit !== undefined ? sql`ORDER BY i.issue_date DESC, i.id DESC LIMIT ${scope.limit}` : sql``;
  const [rows, allocations] = await Promise.all([
    queryRows<Row>(
      db,
      sql`
      SELECT * FROM (
      SELECT i.id, i.organisation_id, i.external_id, i.number, i.contact_external_id, coalesce(i.contact_id, c.id) AS contact_id,
        i.issue_date::text AS issue_date, i.due_date::text AS due_date, i.currency, i.currency_rate::text AS rate,
        o.base_currency, i.total::text AS total, i.status, i.settled_on::text AS settled_on, i.fully_paid_on::text AS fully_paid_on,
        (d.first_at AT TIME ZONE o.timezone)::date::text AS disputed_on
      FROM invoices i
      JOIN organisations o ON o.id = i.organisation_id AND o.firm_id = i.firm_id
      LEFT JOIN contacts c ON c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id
      LEFT JOIN (
        SELECT a.invoice_id, min(a.created_at) AS first_at
        FROM activities a
        WHERE a.firm_id = ${scope.firmId} AND a.kind = ${INVOICE_DISPUTED} AND a.invoice_id IS NOT NULL
        GROUP BY a.invoice_id
      ) d ON d.invoice_id = i.id
      WHERE i.firm_id = ${scope.firmId} ${orgFilter('i.organisation_id')} ${fromFilter('i.issue_date')}
        AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total > 0
      ${limit}
      ) h
      ORDER BY h.organisation_id, h.issue_date, h.id`,
    ),
    // Counted allocations per invoice and day (the rules of the settlement triggers, migrations
    // 0002 and 0012): payments not deleted, credit notes not draft/voided/deleted, overpayments
    // and prepayments not voided/deleted, QuickBooks deposits on the invoice's date (0013), each allocation
    // rounded to cents half away from zero. Matched to invoices in code by (organisation,
    // external id): no join, so no plan can turn it quadratic.
    queryRows<AllocationRow>(
      db,
      sql`
      SELECT a.organisation_id, a.invoice_external_id, a.date::text AS day, sum((round(a.amount, 2) * 100)::bigint)::text AS amount
      FROM (
        SELECT pa.organisation_id, pa.invoice_external_id, pa.date, pa.amount
        FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
        WHERE pa.firm_id = ${scope.firmId} ${orgFilter('pa.organisation_id')} ${fromFilter('pa.date')} AND p.status <> 'deleted'
        UNION ALL
        SELECT ca.organisation_id, ca.invoice_external_id, ca.date, ca.amount
        FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
        WHERE ca.firm_id = ${scope.firmId} ${orgFilter('ca.organisation_id')} ${fromFilter('ca.date')} AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
        UNION ALL
        SELECT xa.organisation_id, xa.invoice_external_id, xa.date, xa.amount
        FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
        WHERE xa.firm_id = ${scope.firmId} ${orgFilter('xa.organisation_id')} ${fromFilter('xa.date')} AND x.status NOT IN ('voided', 'deleted')
        UNION ALL
        SELECT d.organisation_id, d.external_id, d.issue_date, d.deposit
        FROM invoices d
        WHERE d.firm_id = ${scope.firmId} ${orgFilter('d.organisation_id')} ${fromFilter('d.issue_date')} AND d.deposit <> 0
      ) a
      GROUP BY a.organisation_id, a.invoice_external_id, a.date
      ORDER BY a.organisation_id, a.invoice_external_id, a.date`,
    ),
  ]);
  const settlements = new Map<string, { days: CalendarDate[]; cum: Minor[] }>();
  for (const a of allocations) {
    const key = `${a.organisation_id}|${a.invoice_external_id}`;
    const s = settlements.get(key) ?? { days: [], cum: [] };
    settlements.set(key, s);
    s.days.push(a.day);
    s.cum.push((s.cum[s.cum.length - 1] ?? 0) + Number(a.amount));
  }
  const out: HistoryInvoice[] = [];
  for (const r of rows) {
    let settled = r.settled_on;
    if (settled === null && r.fully_paid_on !== null) settled = maxDate(r.fully_paid_on, r.issue_date);
    if (settled === null && r.status === 'paid') continue;
    const s = settlements.get(`${r.organisation_id}|${r.external_id}`);
    out.push({
      id: r.id,
      organisationId: r.organisation_id,
      externalId: r.external_id,
      number: r.number,
      contactExternalId: r.contact_external_id,
      contactId: r.contact_id,
      issueDate: r.issue_date,
      dueDate: r.due_date !== null && r.due_date >= r.issue_date ? r.due_date : r.issue_date,
      currency: r.currency,
      rate: r.rate,
      baseCurrency: r.base_currency,
      total: toMinor(r.total, 2, true),
      settledDate: settled,
      settlementDays: s?.days ?? [],
      settlementCum: s?.cum ?? [],
      disputedOn: r.disputed_on,
    });
  }
  return out;
}
