/**
 * The Customers list's search, risk column and sorting (GET /organisations/:id/customers):
 * `q` finds customers by name or email (case-insensitive, anywhere in either); `sort` is one of
 * a closed set of keys, `dir` asc or desc; blanks sort last either way, and ties fall back to the
 * name and then the ledger id, so the order is the same on every request.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { customerScores } from '../db/schema';
import { decodeCursor, encodeCursor } from '../http/cursor';
import type { CustomerSegment } from '../domain/scoring/explain';
import { type CustomerSummary, compareNames } from './customers';

export interface CustomerRisk {
  /** 0–100, from the organisation's last scoring run. */
  score: number;
  segment: CustomerSegment;
}

export type ListedCustomer = CustomerSummary & { risk: CustomerRisk | null };

const SORTS = {
  name: null,
  balance: (c: ListedCustomer) => c.arEnd,
  overdue: (c: ListedCustomer) => c.overdue,
  oldest: (c: ListedCustomer) => c.oldestDaysPastDue,
  open: (c: ListedCustomer) => c.openInvoices,
  invoices: (c: ListedCustomer) => c.invoices,
  risk: (c: ListedCustomer) => c.risk?.score ?? null,
  avgDaysLate: (c: ListedCustomer) => c.avgDaysLate,
  add: (c: ListedCustomer) => c.add,
  dsoCountback: (c: ListedCustomer) => c.dsoCountback,
  cei: (c: ListedCustomer) => c.cei,
  avgDaysToPay: (c: ListedCustomer) => c.avgDaysToPay,
  lastPayment: (c: ListedCustomer) => c.lastPaymentDate,
} as const satisfies Record<string, ((c: ListedCustomer) => number | string | null) | null>;

export type CustomerSortKey = keyof typeof SORTS;
export const CUSTOMER_SORT_KEYS = Object.keys(SORTS) as [CustomerSortKey, ...CustomerSortKey[]];

export const CustomerListQuerySchema = z.object({
  q: z.string().trim().max(200, 'Search for at most 200 characters.').optional(),
  sort: z.enum(CUSTOMER_SORT_KEYS, { message: `Sort by one of: ${CUSTOMER_SORT_KEYS.join(', ')}.` }).optional(),
  dir: z.enum(['asc', 'desc'], { message: 'Sort direction is asc or desc.' }).optional(),
  /** A page of this many (absent: every customer, as the CSV). */
  limit: z.coerce.number({ message: 'Show between 1 and 500 customers a page.' }).int('Show between 1 and 500 customers a page.').min(1, 'Show between 1 and 500 customers a page.').max(500, 'Show between 1 and 500 customers a page.').optional(),
  /** The `nextCursor` of the page before (opaque). */
  cursor: z.string().min(1).max(2000, 'This list has changed since the page was loaded. Reload the list and try again.').optional(),
});
export type CustomerListQuery = z.infer<typeof CustomerListQuerySchema>;

/** Each scored customer's risk in one organisation, by ledger contact id. */
export async function loadCustomerRisk(db: Db, firmId: string, organisationId: string): Promise<Map<string, CustomerRisk>> {
  const rows = await db
    .select({ contact: customerScores.contactExternalId, score: customerScores.score, segment: customerScores.segment })
    .from(customerScores)
    .where(and(eq(customerScores.firmId, firmId), eq(customerScores.organisationId, organisationId)));
  return new Map(rows.map((r) => [r.contact, { score: r.score, segment: r.segment as CustomerSegment }]));
}

const byName = compareNames;

/**
 * Search, then sort. Without `sort` the rows keep the order they came in (largest balance
 * first, from summariseCustomers); `dir` defaults to desc for figures and asc for the name.
 */
export function listCustomers(rows: readonly CustomerSummary[], risk: ReadonlyMap<string, CustomerRisk>, query: CustomerListQuery): ListedCustomer[] {
  const needle = query.q?.toLocaleLowerCase('en') ?? '';
  const listed = rows
    .filter((c) => !needle || c.name.toLocaleLowerCase('en').includes(needle) || (c.email?.toLocaleLowerCase('en').includes(needle) ?? false))
    .map((c) => ({ ...c, risk: risk.get(c.externalId) ?? null }));
  if (!query.sort) return listed;
  const get = SORTS[query.sort];
  const desc = (query.dir ?? (query.sort === 'name' ? 'asc' : 'desc')) === 'desc';
  if (get === null) return listed.sort((a, b) => (desc ? -byName(a, b) : byName(a, b)));
  return listed.sort((a, b) => {
    const x = get(a);
    const y = get(b);
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    return (desc ? -c : c) || byName(a, b);
  });
}

const OffsetCursorSchema = z.tuple([z.literal('offset'), z.string().regex(/^\d{1,9}$/)]);

/**
 * A page of the in-memory list (the sorts PostgreSQL cannot order, customer-list-sql.ts): the
 * cursor is the position in the list, opaque like the keyset cursors.
 */
export function pageListed(rows: readonly ListedCustomer[], limit: number, cursor: string | undefined): { rows: ListedCustomer[]; nextCursor: string | null } {
  const start = cursor ? Number(decodeCursor(OffsetCursorSchema, cursor)[1]) : 0;
  const end = start + limit;
  return { rows: rows.slice(start, end), nextCursor: end < rows.length ? encodeCursor(['offset', String(end)]) : null };
}
