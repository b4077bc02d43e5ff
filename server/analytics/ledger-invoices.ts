/**
 * Loads an organisation's (or one customer's) receivables for the pure metrics engine, in two
 * set-based queries: the invoices, then every counted allocation against them.
 *
 * What counts (identical to the settlement triggers of migration 0002 and portfolio-sql.ts):
 * - invoices that are not draft, awaiting approval, voided or deleted, with a total of zero or more;
 * - payment allocations of payments that are not deleted;
 * - credit-note allocations of credit notes that are not draft, awaiting approval, voided or deleted.
 * Amounts are numeric(19,4) in the database; each one is rounded to cents half away from
 * zero (PostgreSQL's round(x, 2), which is what toMinor(x, 2, true) does in code) — ledgers
 * keep 2 decimals, so this only touches stray sub-cent values, the same way everywhere.
 */
import { sql } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { convertInvoices, type MetricInvoice } from '../domain/metrics';

export const EXCLUDED_INVOICE_STATUSES = ['draft', 'submitted', 'voided', 'deleted'];
export const EXCLUDED_CREDIT_NOTE_STATUSES = ['draft', 'submitted', 'voided', 'deleted'];

export interface LedgerSettlement {
  date: CalendarDate;
  /** Document-currency minor units. */
  amount: Minor;
  kind: 'payment' | 'credit';
  reference: string;
}

/** One invoice as stored, amounts in its document currency (minor units). */
export interface LedgerInvoice {
  id: string;
  externalId: string;
  contactId: string | null;
  contactExternalId: string;
  number: string;
  reference: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  /** The ledger's rate: one unit of `currency` is this many units of the base currency. */
  currencyRate: string;
  status: string;
  total: Minor;
  settlements: LedgerSettlement[];
}

export interface LoadScope {
  firmId: string;
  organisationId: string;
  /** Only this customer's invoices (the ledger's contact id). */
  contactExternalId?: string;
  /** Only these customers' invoices (a page of the Customers list); empty loads nothing. */
  contactExternalIds?: readonly string[];
}

export async function loadLedgerInvoices(db: Db, scope: LoadScope): Promise<LedgerInvoice[]> {
  if (scope.contactExternalIds && scope.contactExternalIds.length === 0) return [];
  if (scope.contactExternalIds !== undefined) return loadCustomersLedger(db, scope, scope.contactExternalIds);
  if (scope.contactExternalId !== undefined) return loadCustomersLedger(db, scope, [scope.contactExternalId]);
  // Minor units computed in SQL: round(x, 2) rounds half away from zero, as toMinor(x, 2, true).
  const rows = await queryRows<InvoiceRow>(
    db,
    sql`SELECT i.id, i.external_id, i.contact_id, i.contact_external_id, i.number, i.reference, i.issue_date, i.due_date, i.currency, i.currency_rate::text AS currency_rate, i.status,
          (round(i.total, 2) * 100)::bigint::text AS total
        FROM invoices i
        WHERE i.firm_id = ${scope.firmId} AND i.organisation_id = ${scope.organisationId}
          AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0
        ORDER BY i.issue_date, i.external_id`,
  );
  if (rows.length === 0) return [];
  // Every counted allocation of the organisation. Each part is a scan of one table (the few deleted
  // payments / voided credit notes are an array computed once), so the plan stays good even without
  // statistics (PGlite has no autovacuum).
  const [allocations, notes] = await Promise.all([
    queryRows<AllocationRow>(
      db,
      sql`SELECT pa.invoice_external_id, pa.date, (round(pa.amount, 2) * 100)::bigint::text AS amount, 'payment' AS kind, NULL AS credit_note_id
          FROM payment_allocations pa
          WHERE pa.firm_id = ${scope.firmId} AND pa.organisation_id = ${scope.organisationId}
            AND pa.payment_id <> ALL (ARRAY(SELECT p.id FROM payments p WHERE p.firm_id = ${scope.firmId} AND p.organisation_id = ${scope.organisationId} AND p.status = 'deleted'))
        UNION ALL
        SELECT ca.invoice_external_id, ca.date, (round(ca.amount, 2) * 100)::bigint::text, 'credit', ca.credit_note_id::text
          FROM credit_note_allocations ca
          WHERE ca.firm_id = ${scope.firmId} AND ca.organisation_id = ${scope.organisationId}
            AND ca.credit_note_id <> ALL (ARRAY(SELECT cn.id FROM credit_notes cn WHERE cn.firm_id = ${scope.firmId} AND cn.organisation_id = ${scope.organisationId} AND cn.status IN ('draft', 'submitted', 'voided', 'deleted')))
        UNION ALL
        SELECT xa.invoice_external_id, xa.date, (round(xa.amount, 2) * 100)::bigint::text, 'credit', NULL
          FROM prepayment_allocations xa
          WHERE xa.firm_id = ${scope.firmId} AND xa.organisation_id = ${scope.organisationId}
            AND xa.prepayment_id <> ALL (ARRAY(SELECT x.id FROM prepayments x WHERE x.firm_id = ${scope.firmId} AND x.organisation_id = ${scope.organisationId} AND x.status IN ('voided', 'deleted')))
        UNION ALL
        SELECT d.external_id, d.issue_date, (round(d.deposit, 2) * 100)::bigint::text, 'deposit', NULL
          FROM invoices d
          WHERE d.firm_id = ${scope.firmId} AND d.organisation_id = ${scope.organisationId} AND d.deposit <> 0`,
    ),
    queryRows<{ id: string; number: string }>(db, sql`SELECT id::text, number FROM credit_notes WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId}`),
  ]);
  const numbers = new Map(notes.map((n) => [n.id, n.number]));
  const byExternal = new Map<string, LedgerSettlement[]>();
  for (const a of allocations) {
    const s: LedgerSettlement = { date: a.date, amount: minor(a.amount), kind: a.kind === 'credit' ? 'credit' : 'payment', reference: a.kind === 'deposit' ? 'Deposit' : a.credit_note_id ? (numbers.get(a.credit_note_id) ?? '') : '' };
    const list = byExternal.get(a.invoice_external_id);
    if (list) list.push(s);
    else byExternal.set(a.invoice_external_id, [s]);
  }
  return rows.map((r) => ledgerInvoice(r, byExternal));
}

/**
 * Some customers' receivables (a page of the Customers list, the dashboard's top overdue, one
 * customer's page): every read is bounded by those customers' invoices (decision 069). Their counted
 * invoices by `invoices_org_contact_idx`, then the allocations against exactly those invoices by
 * the `(firm_id, organisation_id, invoice_external_id)` indexes (migration 0074), each checked
 * against its own payment, credit note or prepayment by primary key — not the organisation's
 * deleted payments, voided credit notes and every credit note's number, as the organisation-wide
 * path reads them. The same rows, amounts, references and order of settlements as that path
 * restricted to these customers (test/scale/customer-list-sql.test.ts, dashboard-sql.test.ts and
 * customer-overdue-sync.test.ts compare with it).
 */
async function loadCustomersLedger(db: Db, scope: LoadScope, contactExternalIds: readonly string[]): Promise<LedgerInvoice[]> {
  const f = scope.firmId;
  const o = scope.organisationId;
  const rows = await queryRows<InvoiceRow & { deposit: string | null }>(
    db,
    sql`SELECT i.id, i.external_id, i.contact_id, i.contact_external_id, i.number, i.reference, i.issue_date, i.due_date, i.currency, i.currency_rate::text AS currency_rate, i.status,
          (round(i.total, 2) * 100)::bigint::text AS total,
          CASE WHEN i.deposit <> 0 THEN (round(i.deposit, 2) * 100)::bigint::text END AS deposit
        FROM invoices i
        WHERE i.firm_id = ${f} AND i.organisation_id = ${o} AND i.contact_external_id = ANY(${textArray(contactExternalIds)}::text[])
          AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0
        ORDER BY i.issue_date, i.external_id`,
  );
  if (rows.length === 0) return [];
  const invoices = textArray(rows.map((r) => r.external_id));
  // Per invoice (LATERAL, OFFSET 0 so it stays a loop: the planner would otherwise hash a whole
  // table of the organisation when its few credit notes make that look cheap), its allocations by the
  // firm-first index, each checked against its own payment, credit note or prepayment by primary key.
  const allocations = await queryRows<AllocationRow & { reference: string | null }>(
    db,
    sql`SELECT v.ext AS invoice_external_id, a.date, a.amount, a.kind, a.reference
        FROM unnest(${invoices}::text[]) AS v(ext)
        CROSS JOIN LATERAL (
          SELECT pa.date, (round(pa.amount, 2) * 100)::bigint::text AS amount, 'payment' AS kind, NULL::text AS reference
          FROM payment_allocations pa
          WHERE pa.firm_id = ${f} AND pa.organisation_id = ${o} AND pa.invoice_external_id = v.ext
            AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = pa.payment_id AND p.firm_id = ${f} AND p.organisation_id = ${o} AND p.status = 'deleted')
          UNION ALL
          SELECT ca.date, (round(ca.amount, 2) * 100)::bigint::text, 'credit', coalesce(cn.number, '')
          FROM credit_note_allocations ca
          LEFT JOIN credit_notes cn ON cn.id = ca.credit_note_id AND cn.firm_id = ${f} AND cn.organisation_id = ${o}
          WHERE ca.firm_id = ${f} AND ca.organisation_id = ${o} AND ca.invoice_external_id = v.ext
            AND (cn.status IS NULL OR cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted'))
          UNION ALL
          SELECT xa.date, (round(xa.amount, 2) * 100)::bigint::text, 'credit', ''
          FROM prepayment_allocations xa
          WHERE xa.firm_id = ${f} AND xa.organisation_id = ${o} AND xa.invoice_external_id = v.ext
            AND NOT EXISTS (SELECT 1 FROM prepayments x WHERE x.id = xa.prepayment_id AND x.firm_id = ${f} AND x.organisation_id = ${o} AND x.status IN ('voided', 'deleted'))
          OFFSET 0
        ) a`,
  );
  const byExternal = new Map<string, LedgerSettlement[]>();
  const add = (external: string, s: LedgerSettlement) => {
    const list = byExternal.get(external);
    if (list) list.push(s);
    else byExternal.set(external, [s]);
  };
  for (const a of allocations) add(a.invoice_external_id, { date: a.date, amount: minor(a.amount), kind: a.kind === 'credit' ? 'credit' : 'payment', reference: a.reference ?? '' });
  // Deposits last, as the organisation-wide path's last branch.
  for (const r of rows) if (r.deposit !== null) add(r.external_id, { date: r.issue_date, amount: minor(r.deposit), kind: 'payment', reference: 'Deposit' });
  return rows.map((r) => ledgerInvoice(r, byExternal));
}

/** A PostgreSQL text[] literal, one parameter however many values (an IN list would be one each). */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function ledgerInvoice(r: InvoiceRow, byExternal: ReadonlyMap<string, LedgerSettlement[]>): LedgerInvoice {
  return {
    id: r.id,
    externalId: r.external_id,
    contactId: r.contact_id,
    contactExternalId: r.contact_external_id,
    number: r.number,
    reference: r.reference,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    currency: r.currency,
    currencyRate: r.currency_rate,
    status: r.status,
    total: minor(r.total),
    settlements: (byExternal.get(r.external_id) ?? []).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
  };
}

interface InvoiceRow {
  id: string;
  external_id: string;
  contact_id: string | null;
  contact_external_id: string;
  number: string;
  reference: string;
  issue_date: CalendarDate;
  due_date: CalendarDate | null;
  currency: string;
  currency_rate: string;
  status: string;
  total: string;
}

interface AllocationRow {
  invoice_external_id: string;
  date: CalendarDate;
  amount: string;
  kind: string;
  credit_note_id: string | null;
}

function minor(text: string): Minor {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`amount outside the exact range: ${text}`);
  return n;
}

/** As the engine sees it, in the invoice's own currency. */
export function toDocumentMetricInvoice(inv: LedgerInvoice): MetricInvoice {
  return {
    id: inv.id,
    customerId: inv.contactExternalId,
    currency: inv.currency,
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    total: inv.total,
    settlements: inv.settlements.map((s) => ({ date: s.date, amount: s.amount })),
  };
}

/**
 * As the engine sees it in the organisation's base currency: an invoice in another currency
 * is converted with its own ledger rate by convertInvoices (total and cumulative settlements,
 * half-even), so a settled invoice stays settled and no rounding cent is left open.
 */
export function toBaseMetricInvoices(list: readonly LedgerInvoice[], baseCurrency: string): MetricInvoice[] {
  return list.map((inv) => {
    const doc = toDocumentMetricInvoice(inv);
    return inv.currency === baseCurrency ? doc : convertInvoices([doc], { [inv.currency]: inv.currencyRate }, baseCurrency)[0]!;
  });
}

/** Balance in document currency after the settlements dated on or before `day` (may be ≤ 0). */
export function balanceAt(inv: LedgerInvoice, day: CalendarDate): Minor {
  let balance = inv.total;
  for (const s of inv.settlements) if (s.date <= day) balance -= s.amount;
  return balance;
}

/**
 * The organisation's counted invoices as the engine sees them in the base currency, read from the
 * settlement summary the triggers keep on `invoices` (migrations 0002, 0005, 0013) instead of every
 * allocation: one row per invoice, its settlements one per day — the day's amount the difference of
 * the converted cumulative settlements (`base_settled_cum`), which is what `toBaseMetricInvoices`
 * gives summed by day (conversion is cumulative, so differences telescope). Every metric the engine
 * computes depends on settlements only through their sums by day, so the figures are the same
 * (test/scale/dashboard-sql.test.ts). Also the invoices' currencies. No JavaScript object per
 * allocation, no join: the dashboard's one bounded read of the ledger (decision 050).
 */
export async function loadBaseMetricInvoices(db: Db, scope: { firmId: string; organisationId: string; baseCurrency: string }): Promise<{ invoices: MetricInvoice[]; currencies: Set<string> }> {
  const rows = await queryRows<{ id: string; c: string; cur: string; i: CalendarDate; d: CalendarDate | null; t: string; sd: string; sc: string }>(
    db,
    sql`SELECT i.id, i.contact_external_id AS c, i.currency AS cur, i.issue_date AS i, i.due_date AS d, i.base_total::text AS t,
          array_to_string(i.settlement_days, ',') AS sd, array_to_string(i.base_settled_cum, ',') AS sc
        FROM invoices i
        WHERE i.firm_id = ${scope.firmId} AND i.organisation_id = ${scope.organisationId}
          AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0`,
  );
  const currencies = new Set<string>();
  const invoices = rows.map((r): MetricInvoice => {
    currencies.add(r.cur);
    const settlements: { date: CalendarDate; amount: Minor }[] = [];
    if (r.sd) {
      const days = r.sd.split(',');
      const cums = r.sc.split(',');
      let prev = 0;
      for (let k = 0; k < days.length; k++) {
        const cum = minor(cums[k]!);
        if (cum !== prev) settlements.push({ date: days[k]!, amount: cum - prev });
        prev = cum;
      }
    }
    return { id: r.id, customerId: r.c, currency: scope.baseCurrency, issueDate: r.i, dueDate: r.d, total: minor(r.t), settlements };
  });
  return { invoices, currencies };
}
