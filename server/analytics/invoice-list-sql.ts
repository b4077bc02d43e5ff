/**
 * The Invoices list (GET /organisations/:id/invoices) filtered, ordered and paged by PostgreSQL:
 * one statement computes each invoice's figures as of a day (paid, credited, balance, days past
 * due, status — the rules of invoice-list.ts `invoiceRows`, in each invoice's own currency) from
 * the organisation's invoices and counted allocations dated by then, filters, orders and returns
 * one page; one aggregate statement over the same rows returns the totals per currency. Nothing
 * of the ledger is held in memory beyond a page (docs/decisions/045-large-organisations.md).
 *
 * Order: most days past due first (not overdue last), then newest issue date, then the invoice
 * number and the ledger id in code-point order — a total order, so the keyset cursor (the last
 * row's key, opaque to the client) resumes exactly after the row it names.
 * `filterInvoiceRows` (the in-memory path, kept as the reference) orders the same way.
 */
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { CalendarDate } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { decodeCursor, encodeCursor } from '../http/cursor';
import type { InvoiceListQuery, InvoiceRow } from './invoice-list';
import { invoiceLink, type LedgerLinkTarget } from './ledger-links';

export interface InvoiceListScope {
  firmId: string;
  organisationId: string;
  asOf: CalendarDate;
}

export type InvoiceFilter = Pick<InvoiceListQuery, 'status' | 'customer' | 'q'>;

/** The sort key of a row: (days past due or −1, issue date, number, ledger id). */
const CursorSchema = z.tuple([z.number().int(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.string(), z.string()]);
type CursorKey = z.infer<typeof CursorSchema>;

export function encodeInvoiceCursor(key: CursorKey): string {
  return encodeCursor(key);
}

export function decodeInvoiceCursor(cursor: string): CursorKey {
  return decodeCursor(CursorSchema, cursor);
}

/** Counted allocations of invoice `i` dated by `asOf`, with their kind (p: payment, c: credit) and date. */
function allocationsOf(asOf: CalendarDate, alias: 'i' | 'l'): SQL {
  const i = sql.raw(alias);
  return sql`SELECT pa.date, (round(pa.amount, 2) * 100)::bigint AS amount, 'p' AS kind
        FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
       WHERE pa.firm_id = ${i}.firm_id AND pa.organisation_id = ${i}.organisation_id AND pa.invoice_external_id = ${i}.external_id AND pa.date <= ${asOf}::date AND p.status <> 'deleted'
      UNION ALL
      SELECT ca.date, (round(ca.amount, 2) * 100)::bigint, 'c'
        FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
       WHERE ca.firm_id = ${i}.firm_id AND ca.organisation_id = ${i}.organisation_id AND ca.invoice_external_id = ${i}.external_id AND ca.date <= ${asOf}::date AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
      UNION ALL
      SELECT xa.date, (round(xa.amount, 2) * 100)::bigint, 'c'
        FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
       WHERE xa.firm_id = ${i}.firm_id AND xa.organisation_id = ${i}.organisation_id AND xa.invoice_external_id = ${i}.external_id AND xa.date <= ${asOf}::date AND x.status NOT IN ('voided', 'deleted')
      UNION ALL
      SELECT ${i}.issue_date, (round(${i}.deposit, 2) * 100)::bigint, 'p' WHERE ${i}.deposit <> 0`;
}

/** The balance as of `asOf` of invoice `alias`, summed from its allocations (document minor units). */
function foreignBalance(asOf: CalendarDate, alias: 'i'): SQL {
  return sql`greatest(0, (round(${sql.raw(alias)}.total, 2) * 100)::bigint - (SELECT coalesce(sum(a.amount), 0) FROM (${allocationsOf(asOf, alias)}) a))::bigint`;
}

/** The balance of a row of \`l\`: known, or summed from its allocations (only where unknown). */
function balanceOf(asOf: CalendarDate): SQL {
  return sql`coalesce(l.known, (SELECT greatest(0, l.total - coalesce(sum(a.amount), 0)) FROM (${allocationsOf(asOf, 'l')}) a))`;
}

/**
 * `l`: every counted invoice of the organisation issued by `asOf`, with its balance then (minor
 * units, document currency), days late, days past due and status — without reading allocations
 * for most invoices. The settlement summary the triggers keep (migration 0013) says, in document
 * units: `settled_on` is the day the balance reached zero and stayed there, so an invoice settled
 * by `asOf` has no balance then; for an invoice in the base currency `base_total` and
 * `base_settled_cum` are in document units (the trigger converts only other currencies), so its
 * balance is its total less the cumulative settlement of the last settlement day by `asOf`. Only
 * an invoice in another currency not settled by `asOf` is summed from its allocations dated by
 * then (one index probe per table). Each amount is rounded to cents half away from zero, as
 * loadLedgerInvoices does. With `names`, `customer_name` and `customer_id` too; with `unsettled`,
 * only invoices not settled by `asOf` (every open or overdue one), found by index.
 */
function invoicesAsOf(scope: InvoiceListScope, names: boolean, unsettled = false): SQL {
  const { firmId: f, organisationId: o, asOf } = scope;
  const contact = names
    ? sql`, coalesce(c.id, i.contact_id) AS customer_id, coalesce(c.name, i.contact_external_id) AS customer_name`
    : sql``;
  const join = names ? sql` LEFT JOIN contacts c ON c.firm_id = i.firm_id AND c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id` : sql``;
  return sql`WITH l AS (
      SELECT k.*, CASE WHEN k.open AND k.late > 0 THEN k.late END AS dpd,
             CASE WHEN NOT k.open THEN 'paid' WHEN k.late > 0 THEN 'overdue' ELSE 'open' END AS status
        FROM (
          SELECT i.id, i.firm_id, i.organisation_id, i.external_id, i.number, i.reference, i.contact_external_id, i.contact_id, i.deposit,
                 i.issue_date, i.due_date, i.currency, (round(i.total, 2) * 100)::bigint AS total,
                 ${asOf}::date - coalesce(i.due_date, i.issue_date) AS late, b.known, coalesce(b.known > 0, true) AS open${contact}
            FROM invoices i JOIN organisations o ON o.id = i.organisation_id${join}
            -- Computed once per invoice (OFFSET 0 keeps PostgreSQL from copying the expression into
            -- every use). \`known\`: the balance, or null for an invoice in another currency that
            -- certainly owes something (never settled, no settlement after the day: the trigger
            -- found its final balance above zero) but whose amount needs its allocations.
            CROSS JOIN LATERAL (
              SELECT CASE
                   WHEN i.settled_on <= ${asOf}::date THEN 0
                   WHEN coalesce(o.base_currency = i.currency, true)
                     THEN greatest(0, i.base_total - CASE WHEN coalesce(i.settlement_days[1] > ${asOf}::date, true) THEN 0 ELSE i.base_settled_cum[width_bucket(${asOf}::date, i.settlement_days)] END)
                   WHEN i.settled_on IS NULL AND coalesce(i.settlement_days[cardinality(i.settlement_days)] <= ${asOf}::date, true) THEN NULL
                   ELSE ${foreignBalance(asOf, 'i')}
                 END::bigint AS known
              OFFSET 0
            ) b
           WHERE i.firm_id = ${f} AND i.organisation_id = ${o}
             AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0 AND i.issue_date <= ${asOf}::date${unsettled ? sql` AND (i.settled_on IS NULL OR i.settled_on > ${asOf}::date)` : sql``}
        ) k
    )`;
}

function filterSql(q: InvoiceFilter): SQL {
  const parts: SQL[] = [sql`TRUE`];
  if (q.status === 'paid') parts.push(sql`l.status = 'paid'`);
  else if (q.status === 'open') parts.push(sql`l.status <> 'paid'`);
  else if (q.status === 'overdue') parts.push(sql`l.status = 'overdue'`);
  if (q.customer) parts.push(sql`(l.contact_external_id = ${q.customer} OR l.customer_id::text = ${q.customer})`);
  const needle = q.q?.trim().toLowerCase();
  // Case-insensitive "contains" without LIKE patterns (a % or _ in the search is plain text).
  if (needle) parts.push(sql`strpos(lower(l.number || ' ' || l.reference || ' ' || l.customer_name), ${needle}) > 0`);
  return sql.join(parts, sql` AND `);
}

const ORDER = sql`coalesce(l.dpd, -1) DESC, l.issue_date DESC, l.number COLLATE "C", l.external_id COLLATE "C"`;

function afterSql(key: CursorKey): SQL {
  const [k, issue, number, ext] = key;
  return sql`(coalesce(l.dpd, -1) < ${k}
    OR (coalesce(l.dpd, -1) = ${k} AND l.issue_date < ${issue}::date)
    OR (coalesce(l.dpd, -1) = ${k} AND l.issue_date = ${issue}::date AND l.number COLLATE "C" > ${number})
    OR (coalesce(l.dpd, -1) = ${k} AND l.issue_date = ${issue}::date AND l.number COLLATE "C" = ${number} AND l.external_id COLLATE "C" > ${ext}))`;
}

interface SqlInvoiceRow {
  id: string;
  external_id: string;
  number: string;
  reference: string;
  contact_external_id: string;
  customer_id: string | null;
  customer_name: string;
  issue_date: CalendarDate;
  due_date: CalendarDate | null;
  currency: string;
  total: string;
  paid: string;
  credited: string;
  balance: string;
  last_settlement: CalendarDate | null;
  dpd: number | null;
  status: 'open' | 'overdue' | 'paid';
}

function minor(text: string | number): Minor {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`amount outside the exact range: ${text}`);
  return n;
}

function toRow(r: SqlInvoiceRow, provider: LedgerLinkTarget): InvoiceRow {
  return {
    id: r.id,
    externalId: r.external_id,
    number: r.number,
    reference: r.reference,
    customerId: r.customer_id,
    customerExternalId: r.contact_external_id,
    customerName: r.customer_name,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    currency: r.currency,
    total: minor(r.total),
    paid: minor(r.paid),
    credited: minor(r.credited),
    balance: minor(r.balance),
    daysPastDue: r.dpd === null ? null : Number(r.dpd),
    status: r.status,
    lastSettlementDate: r.last_settlement,
    link: invoiceLink(provider, r.external_id),
  };
}

function keyOf(r: InvoiceRow): CursorKey {
  return [r.daysPastDue ?? -1, r.issueDate, r.number, r.externalId];
}

/** The output columns of rows `l` (a page): names and the paid / credited split, read for these rows only. */
function output(asOf: CalendarDate, from: SQL, names: boolean): SQL {
  const contact = names
    ? sql`l.customer_id::text AS customer_id, l.customer_name`
    : sql`coalesce(c.id, l.contact_id)::text AS customer_id, coalesce(c.name, l.contact_external_id) AS customer_name`;
  const join = names ? sql`` : sql` LEFT JOIN contacts c ON c.firm_id = l.firm_id AND c.organisation_id = l.organisation_id AND c.external_id = l.contact_external_id`;
  return sql`SELECT l.id::text AS id, l.external_id, l.number, l.reference, l.contact_external_id, ${contact},
       to_char(l.issue_date, 'YYYY-MM-DD') AS issue_date, to_char(l.due_date, 'YYYY-MM-DD') AS due_date, l.currency,
       l.total::text AS total, coalesce(s.paid, 0)::text AS paid, coalesce(s.credited, 0)::text AS credited, ${balanceOf(asOf)}::text AS balance,
       to_char(s.last, 'YYYY-MM-DD') AS last_settlement, l.dpd, l.status
  FROM (${from}) l${join}
  LEFT JOIN LATERAL (
    SELECT sum(a.amount) FILTER (WHERE a.kind = 'p') AS paid, sum(a.amount) FILTER (WHERE a.kind = 'c') AS credited, max(a.date) AS last
      FROM (${allocationsOf(asOf, 'l')}) a
  ) s ON true`;
}

export interface InvoicePage {
  rows: InvoiceRow[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * The list is two runs in the order: the overdue invoices (most days past due first), then the
 * rest (days past due "−1": open and paid) newest first. Each is read by its own statement in its
 * own order — the overdue ones among the invoices not settled by `asOf` (a bounded set, by index),
 * the rest by walking the issue-date index — so a page reads about a page of rows, not the ledger.
 */
type Run = 'overdue' | 'rest';

function runsOf(status: InvoiceFilter['status']): Run[] {
  return status === 'overdue' ? ['overdue'] : status === 'paid' ? ['rest'] : ['overdue', 'rest'];
}

function runSql(scope: InvoiceListScope, q: InvoiceFilter, run: Run, names: boolean, after: SQL, limit: SQL): SQL {
  const { status } = q;
  const rest = { all: sql`l.status <> 'overdue'`, open: sql`l.status = 'open'`, paid: sql`l.status = 'paid'`, overdue: sql`FALSE` }[status];
  const cond = run === 'overdue' ? sql`l.status = 'overdue'` : rest;
  const unsettled = run === 'overdue' || status === 'open';
  const order = run === 'overdue' ? ORDER : REST_ORDER;
  const page = sql`SELECT l.* FROM l WHERE ${filterSql({ ...q, status: 'all' })} AND ${cond}${after} ORDER BY ${order}${limit}`;
  return sql`${invoicesAsOf(scope, names, unsettled)} ${output(scope.asOf, page, names)} ORDER BY ${order}`;
}

const REST_ORDER = sql`l.issue_date DESC, l.number COLLATE "C", l.external_id COLLATE "C"`;

/**
 * Runs `fn` in a transaction with JIT compilation off. The per-invoice CASE and its correlated
 * sums make the planner's cost estimates large, so PostgreSQL would JIT-compile statements that
 * run in milliseconds — 700–900 ms of compiling per statement measured on the bench (decision 045).
 */
function withoutJit<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`SET LOCAL jit = off`);
    return fn(t);
  });
}

/** One page: after `cursor` when given (keyset), else from `offset`. */
export function pageInvoices(db: Db, scope: InvoiceListScope & { provider: LedgerLinkTarget }, q: InvoiceFilter & { limit: number; offset?: number; cursor?: string }): Promise<InvoicePage> {
  return withoutJit(db, (tx) => readPage(tx, scope, q));
}

async function readPage(db: Db, scope: InvoiceListScope & { provider: LedgerLinkTarget }, q: InvoiceFilter & { limit: number; offset?: number; cursor?: string }): Promise<InvoicePage> {
  const names = needsNames(q);
  const key = q.cursor ? decodeInvoiceCursor(q.cursor) : null;
  const want = q.limit + 1;
  const rows: SqlInvoiceRow[] = [];
  let offset = key ? 0 : (q.offset ?? 0);
  for (const run of runsOf(q.status)) {
    if (rows.length >= want) break;
    if (key && run === 'overdue' && key[0] < 0) continue; // the cursor is past the overdue run
    const after = key && (run === 'overdue' || key[0] < 0) ? sql` AND ${afterSql(key)}` : sql``;
    const got = await queryRows<SqlInvoiceRow>(db, runSql(scope, q, run, names, after, sql` LIMIT ${want - rows.length} OFFSET ${offset}`));
    rows.push(...got);
    if (offset > 0 && run === 'overdue' && got.length === 0) {
      // The offset is beyond the overdue run: skip what it holds in the next one.
      const [n] = await queryRows<{ n: number }>(db, sql`${invoicesAsOf(scope, names, true)} SELECT count(*)::int AS n FROM l WHERE ${filterSql({ ...q, status: 'overdue' })}`);
      offset = Math.max(0, offset - (n?.n ?? 0));
    } else offset = 0;
  }
  const out = rows.slice(0, q.limit).map((r) => toRow(r, scope.provider));
  const last = out[out.length - 1];
  return { rows: out, nextCursor: rows.length > q.limit && last ? encodeInvoiceCursor(keyOf(last)) : null };
}

export interface CurrencyTotal {
  currency: string;
  invoices: number;
  total: Minor;
  balance: Minor;
}

/** The matching invoices' count, total and balance per document currency (one aggregate statement). */
export async function invoiceTotals(db: Db, scope: InvoiceListScope, q: InvoiceFilter): Promise<CurrencyTotal[]> {
  const rows = await withoutJit(db, (tx) => queryRows<{ currency: string; invoices: string | number; total: string; balance: string }>(
    tx,
    sql`${invoicesAsOf(scope, needsNames(q), q.status === 'open' || q.status === 'overdue')} SELECT l.currency, count(*) AS invoices, sum(l.total)::text AS total, sum(CASE WHEN l.open THEN ${balanceOf(scope.asOf)} ELSE 0 END)::text AS balance FROM l WHERE ${filterSql(q)} GROUP BY l.currency ORDER BY l.currency COLLATE "C"`,
    ),
  );
  return rows.map((r) => ({ currency: r.currency, invoices: Number(r.invoices), total: minor(r.total), balance: minor(r.balance) }));
}

/**
 * Every matching invoice in list order, `batch` rows at a time, from a server-side cursor inside
 * one transaction: memory stays at one batch however large the organisation.
 * `onBatch` may wait (for the response to drain) before the next fetch.
 */
export async function streamInvoices(db: Db, scope: InvoiceListScope & { provider: LedgerLinkTarget }, q: InvoiceFilter, onBatch: (rows: InvoiceRow[]) => Promise<void>, batch = 2000): Promise<void> {
  const names = needsNames(q);
  const all = sql`SELECT l.* FROM l WHERE ${filterSql(q)}`;
  await withoutJit(db, async (t) => {
    await t.execute(sql`DECLARE arcus_invoices_csv NO SCROLL CURSOR FOR ${invoicesAsOf(scope, names)} ${output(scope.asOf, all, names)} ORDER BY ${ORDER}`);
    for (;;) {
      const rows = await queryRows<SqlInvoiceRow>(t, sql.raw(`FETCH ${Math.trunc(batch)} FROM arcus_invoices_csv`));
      if (rows.length > 0) await onBatch(rows.map((r) => toRow(r, scope.provider)));
      if (rows.length < batch) break;
    }
    await t.execute(sql`CLOSE arcus_invoices_csv`);
  });
}

/** The customer filter and the search read the customer's name and id, so every row joins its contact; otherwise only a page does. */
function needsNames(q: InvoiceFilter): boolean {
  return Boolean(q.customer || q.q?.trim());
}
