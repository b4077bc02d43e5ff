/**
 * The invoice history scoring learns from, loaded set-based from the database (one query per
 * firm or organisation), and what of it was known on a given day.
 *
 * An invoice counts when it is not draft, voided or deleted and its total is above zero (the
 * analytics rules, server/analytics/ledger-invoices.ts, minus zero totals, which say nothing
 * about paying habits). Its settled date is `invoices.settled_on` — the day the balance reached
 * zero through payment and credit-note allocations, kept by the triggers of migration 0002 —
 * or, when the ledger marks it paid without allocations we hold, `fully_paid_on`. A paid
 * invoice with neither is left out (its pay date is unknown). Disputed = an 'invoice.disputed'
 * activity exists for it (issue 8 records them); its date is when it became known.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { type CalendarDate, maxDate } from '../../kernel/dates';
import { type Minor, mulRate, toMinor } from '../../kernel/money';
import type { ScoringInvoice } from '../domain/scoring';
import { INVOICE_DISPUTED } from './in-motion';

export interface HistoryInvoice {
  id: string;
  organisationId: string;
  externalId: string;
  number: string;
  contactExternalId: string;
  contactId: string | null;
  issueDate: CalendarDate;
  /** The issue date when the ledger has no due date. */
  dueDate: CalendarDate;
  currency: string;
  /** One unit of `currency` in the organisation's base currency (the ledger's rate). */
  rate: string;
  baseCurrency: string;
  /** Document currency, minor units. */
  total: Minor;
  settledDate: CalendarDate | null;
  /** Distinct allocation days (ascending) and the cumulative settled amount at the end of each. */
  settlementDays: CalendarDate[];
  settlementCum: Minor[];
  disputedOn: CalendarDate | null;
}

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

/** Every counted invoice of a firm (or of one organisation), ordered by organisation and issue date. */
export async function loadHistory(db: Db, scope: { firmId: string; organisationId?: string }): Promise<HistoryInvoice[]> {
  const orgFilter = (column: string) => (scope.organisationId ? sql`AND ${sql.raw(column)} = ${scope.organisationId}` : sql``);
  const [rows, allocations] = await Promise.all([
    queryRows<Row>(
      db,
      sql`
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
      WHERE i.firm_id = ${scope.firmId} ${orgFilter('i.organisation_id')}
        AND i.status NOT IN ('draft', 'voided', 'deleted') AND i.total > 0
      ORDER BY i.organisation_id, i.issue_date, i.id`,
    ),
    // Counted allocations per invoice and day (the rules of the settlement triggers, migration
    // 0002): payments not deleted, credit notes not draft/voided/deleted, each allocation
    // rounded to cents half away from zero. Matched to invoices in code by (organisation,
    // external id): no join, so no plan can turn it quadratic.
    queryRows<AllocationRow>(
      db,
      sql`
      SELECT a.organisation_id, a.invoice_external_id, a.date::text AS day, sum((round(a.amount, 2) * 100)::bigint)::text AS amount
      FROM (
        SELECT pa.organisation_id, pa.invoice_external_id, pa.date, pa.amount
        FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
        WHERE pa.firm_id = ${scope.firmId} ${orgFilter('pa.organisation_id')} AND p.status <> 'deleted'
        UNION ALL
        SELECT ca.organisation_id, ca.invoice_external_id, ca.date, ca.amount
        FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
        WHERE ca.firm_id = ${scope.firmId} ${orgFilter('ca.organisation_id')} AND cn.status NOT IN ('draft', 'voided', 'deleted')
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

/** Settled (document currency) by the end of `day`. */
export function settledBy(inv: HistoryInvoice, day: CalendarDate): Minor {
  let cum = 0;
  for (let k = 0; k < inv.settlementDays.length && inv.settlementDays[k]! <= day; k++) cum = inv.settlementCum[k]!;
  return cum;
}

/** Balance (document currency) at the end of `day`, never below zero. */
export function balanceOn(inv: HistoryInvoice, day: CalendarDate): Minor {
  return Math.max(0, inv.total - settledBy(inv, day));
}

/** Document-currency minor units in the organisation's base currency (the invoice's own rate, half-even). */
export function toBase(inv: HistoryInvoice, units: Minor): Minor {
  if (inv.currency === inv.baseCurrency || !/[1-9]/.test(inv.rate)) return units;
  return mulRate(units, inv.rate);
}

/**
 * The history as it was known at the end of `day`: invoices issued by then, settled dates and
 * allocations after it forgotten, disputes recorded after it unknown.
 */
export function asKnownAt(history: readonly HistoryInvoice[], day: CalendarDate): HistoryInvoice[] {
  const out: HistoryInvoice[] = [];
  for (const inv of history) {
    if (inv.issueDate > day) continue;
    const keep = inv.settlementDays.findIndex((d) => d > day);
    const cut = keep < 0 ? inv.settlementDays.length : keep;
    out.push({
      ...inv,
      settledDate: inv.settledDate !== null && inv.settledDate <= day ? inv.settledDate : null,
      settlementDays: inv.settlementDays.slice(0, cut),
      settlementCum: inv.settlementCum.slice(0, cut),
      disputedOn: inv.disputedOn !== null && inv.disputedOn <= day ? inv.disputedOn : null,
    });
  }
  return out;
}

/** Customer key across a firm: ledger contact ids are only unique within an organisation. */
export function customerKey(organisationId: string, contactExternalId: string): string {
  return `${organisationId}|${contactExternalId}`;
}

/**
 * The pure model's view. Amounts in the organisation's base currency (features compare sizes);
 * the organisation is the group prior (`countryCode`), so pooled firm-wide fits learn each
 * organisation's level and a customer new to an organisation starts from it.
 */
export function toScoringInvoice(inv: HistoryInvoice): ScoringInvoice {
  return {
    id: inv.id,
    customerId: customerKey(inv.organisationId, inv.contactExternalId),
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    amount: toBase(inv, inv.total),
    settledDate: inv.settledDate,
    disputed: inv.disputedOn !== null,
    countryCode: inv.organisationId,
  };
}

/**
 * What a model fitted at the end of `day` depends on (the settled invoices, their dates,
 * amounts and dispute flags); a stored model is refitted when it changes.
 */
export function fingerprintOf(history: readonly HistoryInvoice[], day: CalendarDate): string {
  const hash = createHash('sha256');
  let settled = 0;
  for (const inv of history) {
    if (inv.settledDate === null || inv.settledDate > day) continue;
    settled++;
    hash.update(`${inv.id}|${inv.issueDate}|${inv.dueDate}|${inv.settledDate}|${inv.total}|${inv.disputedOn ?? ''}\n`);
  }
  return `${settled}:${hash.digest('hex').slice(0, 32)}`;
}
