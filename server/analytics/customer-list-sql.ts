/**
 * The Customers list of a large organisation from PostgreSQL (docs/decisions/050-customers-and-dashboard-in-sql.md):
 * searched, ordered and paged by one statement, then only the page's customers computed by the
 * engine — never the whole ledger in memory.
 *
 * - **Who is listed**: every live customer contact, every live contact with a counted invoice,
 *   and every customer id on a counted invoice with no live contact ("Unknown contact …"; found
 *   among the invoices the sync did not link to a contact, or linked to a deleted one) — as
 *   `summariseCustomers` does.
 * - **Sort keys in SQL** from the settlement summary (as portfolio-sql.ts, grouped by customer, over
 *   the invoices not settled by `to` only): balance, overdue, oldest days past due, open invoices,
 *   plus the risk score, the invoice count (a pass over the organisation's invoices, only when
 *   sorting by it) and the name. The figures the engine alone computes (CEI, countback ADD and
 *   DSO, average days late and to pay, last payment) are not SQL keys: `SQL_SORTS` says which
 *   sorts this path serves; the route answers the others from the in-memory path.
 * - **Order**: the key (blanks last either way), then `compareNames` (ASCII-folded name, name,
 *   ledger id, code points), a total order, so the cursor (the last row's keys, opaque) continues
 *   exactly. The default order is the balance, largest first.
 * - **The page's rows** are `summariseCustomers` over only those customers' invoices, so every
 *   figure is the in-memory path's by construction.
 * test/scale/customer-list-sql.test.ts checks pages walked by cursor equal `listCustomers` over the
 * whole ledger, on random ledgers, for every SQL sort, both directions and searches.
 */
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type CalendarDate, isCalendarDate } from '../../kernel/dates';
import { invalidField } from '../../kernel/errors';
import { type Db, queryRows } from '../db/client';
import type { Period } from '../domain/metrics';
import type { CustomerSegment } from '../domain/scoring/explain';
import { CURSOR_WORDS, decodeCursor, encodeCursor } from '../http/cursor';
import type { CustomerListQuery, CustomerSortKey, ListedCustomer } from './customer-list';
import { summariseCustomers } from './customers';
import { loadLedgerInvoices, toBaseMetricInvoices } from './ledger-invoices';
import type { LedgerLinkTarget } from './ledger-links';
import type { ContactInfo } from './organisations';

/** The sorts PostgreSQL orders (no sort: the balance, largest first). */
export const SQL_SORTS: ReadonlySet<CustomerSortKey> = new Set<CustomerSortKey>(['name', 'balance', 'overdue', 'oldest', 'open', 'invoices', 'risk']);

export function servedBySql(sort: CustomerSortKey | undefined): boolean {
  return sort === undefined || SQL_SORTS.has(sort);
}

const CursorSchema = z.array(z.string().nullable()).min(3).max(6);

export interface CustomerListScope {
  firmId: string;
  organisationId: string;
  baseCurrency: string;
  period: Period;
  site: LedgerLinkTarget;
}

export interface CustomerPage {
  rows: ListedCustomer[];
  nextCursor: string | null;
  /** Every customer of the organisation (not only those the search finds). */
  total: number;
  /** Open invoices at `to`, over every customer. */
  openInvoices: number;
}

function literal(day: CalendarDate): string {
  if (!isCalendarDate(day)) throw new Error(`not a calendar date: ${day}`);
  return `'${day}'::date`;
}

const COUNTED = `i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND i.total >= 0`;

/** Base balance at t (portfolio-sql.ts's balanceAt). */
function balanceAt(t: string): string {
  return `CASE WHEN i.settled_on <= ${t} THEN 0 WHEN coalesce(i.settlement_days[1] > ${t}, true) THEN i.base_total ELSE greatest(i.base_total - i.base_settled_cum[width_bucket(${t}, i.settlement_days)], 0) END`;
}

/** The contact's primary email as `primaryEmail` picks it: the first non-blank address marked primary, else the first non-blank one. */
const EMAIL = `(SELECT e->>'address' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.emails) = 'array' THEN c.emails ELSE '[]'::jsonb END) WITH ORDINALITY AS x(e, n)
  WHERE jsonb_typeof(e) = 'object' AND jsonb_typeof(e->'address') = 'string' AND btrim(e->>'address', E' \\t\\n\\r\\f\\v') <> ''
  ORDER BY (coalesce(e->'primary', 'null'::jsonb) NOT IN ('false'::jsonb, '0'::jsonb, '""'::jsonb, 'null'::jsonb)) DESC, n LIMIT 1)`;

interface OrderItem {
  expr: string;
  type: 'bigint' | 'boolean' | 'text';
  desc: boolean;
}

function orderOf(sort: CustomerSortKey | undefined, dir: 'asc' | 'desc' | undefined): OrderItem[] {
  const names = (desc: boolean): OrderItem[] => [
    { expr: 'lower(c.name COLLATE "C")', type: 'text', desc },
    { expr: 'c.name', type: 'text', desc },
    { expr: 'c.ext', type: 'text', desc },
  ];
  if (sort === 'name') return names((dir ?? 'asc') === 'desc');
  const desc = (dir ?? 'desc') === 'desc';
  const key = (expr: string, nullable: boolean): OrderItem[] => [
    ...(nullable ? [{ expr: `(${expr}) IS NULL`, type: 'boolean' as const, desc: false }] : []),
    { expr: nullable ? `coalesce(${expr}, 0)` : expr, type: 'bigint', desc },
    ...names(false),
  ];
  switch (sort) {
    case undefined:
      return key('coalesce(o.ar, 0)', false).map((item, i) => (i === 0 ? { ...item, desc: true } : item));
    case 'balance':
      return key('coalesce(o.ar, 0)', false);
    case 'overdue':
      return key('coalesce(o.ar, 0) - coalesce(o.cur, 0)', false);
    case 'oldest':
      return key('o.oldest', true);
    case 'open':
      return key('coalesce(o.open, 0)', false);
    case 'invoices':
      return key('coalesce(n.n, 0)', false);
    case 'risk':
      return key('s.score', true);
    default:
      throw new Error(`not a SQL sort: ${sort}`);
  }
}

function typed(item: OrderItem, value: string | null): SQL {
  if (value === null) throw new Error('unreachable');
  if (item.type === 'text') return sql`${value} COLLATE "C"`;
  return item.type === 'bigint' ? sql`${value}::bigint` : sql`${value}::boolean`;
}

/** Rows after the cursor's: (k0, k1, …) beyond it in the order's own direction per column. */
function afterSql(order: readonly OrderItem[], key: readonly (string | null)[]): SQL {
  if (key.length !== order.length || key.some((v) => v === null)) throw invalidField('cursor', CURSOR_WORDS);
  const colOf = (item: OrderItem) => sql.raw(item.type === 'text' ? `(${item.expr}) COLLATE "C"` : `(${item.expr})`);
  const ors = order.map((item, i) => {
    const eqs = order.slice(0, i).map((prev, j) => sql`${colOf(prev)} = ${typed(prev, key[j]!)}`);
    const beyond = item.desc ? sql`${colOf(item)} < ${typed(item, key[i]!)}` : sql`${colOf(item)} > ${typed(item, key[i]!)}`;
    return sql.join([...eqs, beyond], sql` AND `);
  });
  return sql`(${sql.join(
    ors.map((o) => sql`(${o})`),
    sql` OR `,
  )})`;
}

interface KeyRow {
  ext: string;
  customer_id: string | null;
  name: string;
  emails: unknown;
  score: number | null;
  segment: string | null;
  total: string;
  open_all: string;
  [k: `k${number}`]: string | null;
}

/**
 * One page of the Customers list, for the sorts in SQL_SORTS. `onlyOverdue` keeps the customers
 * with something overdue (the dashboard's top overdue).
 */
export async function pageCustomers(db: Db, scope: CustomerListScope, q: CustomerListQuery & { limit: number; cursor?: string; onlyOverdue?: boolean }): Promise<CustomerPage> {
  const order = orderOf(q.sort, q.dir);
  const key = q.cursor ? decodeCursor(CursorSchema, q.cursor) : null;
  const to = literal(scope.period.to);
  const needle = q.q ? q.q.toLocaleLowerCase('en') : '';
  const f = scope.firmId;
  const o = scope.organisationId;
  const withCounts = q.sort === 'invoices';
  const rows = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // The CASE per invoice inflates the planner's costs; JIT-compiling would cost more than the statement (decision 045).
    await t.execute(sql`SET LOCAL jit = off`);
    return queryRows<KeyRow>(
      t,
      sql`WITH live AS MATERIALIZED (
          SELECT c.id, c.external_id, c.name, c.emails, c.is_customer FROM contacts c
          WHERE c.firm_id = ${f} AND c.organisation_id = ${o} AND c.deleted_at IS NULL AND c.status <> 'deleted'
        ),
        cust AS MATERIALIZED (
          SELECT l.external_id AS ext, l.id AS customer_id, l.name, l.emails FROM live l
          WHERE l.is_customer OR EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = ${o} AND i.contact_external_id = l.external_id AND i.firm_id = ${f} AND ${sql.raw(COUNTED)})
          UNION ALL
          SELECT u.ext, NULL, 'Unknown contact ' || u.ext, NULL FROM (
            SELECT i.contact_external_id AS ext FROM invoices i
            WHERE i.firm_id = ${f} AND i.organisation_id = ${o} AND i.contact_id IS NULL AND ${sql.raw(COUNTED)}
            UNION
            SELECT d.external_id FROM contacts d
            WHERE d.firm_id = ${f} AND d.organisation_id = ${o} AND (d.deleted_at IS NOT NULL OR d.status = 'deleted')
              AND EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = ${o} AND i.contact_external_id = d.external_id AND i.firm_id = ${f} AND ${sql.raw(COUNTED)})
          ) u
          WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.external_id = u.ext)
        ),
        o AS MATERIALIZED (
          SELECT i.contact_external_id AS ext, sum(b.bal) AS ar, sum(b.bal) FILTER (WHERE b.pd <= 0) AS cur,
            count(*) FILTER (WHERE b.bal > 0) AS open, max(b.pd) FILTER (WHERE b.bal > 0 AND b.pd > 0) AS oldest
          FROM invoices i CROSS JOIN LATERAL (SELECT ${sql.raw(balanceAt(to))} AS bal, ${sql.raw(to)} - coalesce(i.due_date, i.issue_date) AS pd) b
          WHERE i.firm_id = ${f} AND i.organisation_id = ${o} AND ${sql.raw(COUNTED)}
            AND i.issue_date <= ${sql.raw(to)} AND (i.settled_on IS NULL OR i.settled_on > ${sql.raw(to)})
          GROUP BY 1
        )${
          withCounts
            ? sql`, n AS MATERIALIZED (SELECT i.contact_external_id AS ext, count(*) AS n FROM invoices i WHERE i.firm_id = ${f} AND i.organisation_id = ${o} AND ${sql.raw(COUNTED)} GROUP BY 1)`
            : sql``
        }
        SELECT c.ext, c.customer_id, c.name, c.emails, s.score, s.segment,
          (SELECT count(*) FROM cust)::text AS total, (SELECT coalesce(sum(open), 0) FROM o)::text AS open_all,
          ${sql.raw(order.map((item, i) => `(${item.expr})::text AS k${i}`).join(', '))}
        FROM cust c
        LEFT JOIN o ON o.ext = c.ext
        ${withCounts ? sql`LEFT JOIN n ON n.ext = c.ext` : sql``}
        LEFT JOIN customer_scores s ON s.organisation_id = ${o} AND s.contact_external_id = c.ext AND s.firm_id = ${f}
        WHERE true
          ${needle ? sql`AND (strpos(lower(c.name), ${needle}) > 0 OR coalesce(strpos(lower(${sql.raw(EMAIL)}), ${needle}) > 0, false))` : sql``}
          ${q.onlyOverdue ? sql`AND coalesce(o.ar, 0) - coalesce(o.cur, 0) > 0` : sql``}
          ${key ? sql`AND ${afterSql(order, key)}` : sql``}
        ORDER BY ${sql.raw(order.map((item) => `(${item.expr})${item.type === 'text' ? ' COLLATE "C"' : ''} ${item.desc ? 'DESC' : 'ASC'}`).join(', '))}
        LIMIT ${q.limit + 1}`,
    );
  });
  // The counts come with every row; a page with none (a search finding nothing, a last page) asks again without the filters.
  const filtered = Boolean(key || needle || q.onlyOverdue);
  const counts0 = rows[0] ? { total: Number(rows[0].total), openInvoices: Number(rows[0].open_all) } : filtered ? await countCustomers(db, scope) : { total: 0, openInvoices: 0 };
  const page = rows.slice(0, q.limit);
  const listed = await summarisePage(db, scope, page);
  const last = page.at(-1);
  return {
    rows: listed,
    nextCursor: rows.length > q.limit && last ? encodeCursor(order.map((_, i) => last[`k${i}`] ?? null)) : null,
    ...counts0,
  };
}

async function countCustomers(db: Db, scope: CustomerListScope): Promise<{ total: number; openInvoices: number }> {
  const { total, openInvoices } = await pageCustomers(db, scope, { limit: 1 });
  return { total, openInvoices };
}

/** The row a listed customer is summarised from: its id, and its live contact's row and risk score when it has them. */
export type PageRow = Pick<KeyRow, 'ext' | 'customer_id' | 'name' | 'emails' | 'score' | 'segment'>;

/** The page's customers computed by the engine over their own invoices only, in the page's order (also the dashboard's top overdue, customer-overdue.ts). */
export async function summarisePage(db: Db, scope: CustomerListScope, page: readonly PageRow[]): Promise<ListedCustomer[]> {
  if (page.length === 0) return [];
  const ledger = await loadLedgerInvoices(db, { firmId: scope.firmId, organisationId: scope.organisationId, contactExternalIds: page.map((r) => r.ext) });
  const contacts: ContactInfo[] = page
    .filter((r) => r.customer_id !== null)
    .map((r) => ({ id: r.customer_id!, externalId: r.ext, name: r.name, emails: r.emails, phones: [], addresses: [], isCustomer: true, status: 'active' }));
  const summaries = new Map(summariseCustomers(toBaseMetricInvoices(ledger, scope.baseCurrency), contacts, scope.period, scope.site).map((c) => [c.externalId, c]));
  return page.map((r) => {
    const c = summaries.get(r.ext);
    if (!c) throw new Error('a listed customer has no summary');
    return { ...c, risk: r.score === null ? null : { score: r.score, segment: r.segment as CustomerSegment } };
  });
}
