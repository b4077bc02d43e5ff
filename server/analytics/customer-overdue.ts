/**
 * The dashboard's customers part — top overdue customers, how many customers, open invoices — from
 * per-customer state (migration 0068, docs/decisions/064-customer-overdue-state.md) instead of the
 * Customers list's statement over every invoice not settled by the period's end.
 *
 * `customer_overdue` holds each listed customer's balance, overdue part and open invoices at the
 * organisation's state day, and the first later day on which they can change with no new data
 * (`valid_until`: an issue day, a due day + 1, a settlement or settled day). The sync's finish step
 * recomputes the customers its changes marked, at the state day. A read for day `to`:
 * - never built: builds it at `to` (once; linear in invoices, like the rollups' first build);
 * - built for an earlier day, or marks left: recomputes the marked customers and those whose
 *   `valid_until` has come, at `to` — only what a day or a change can have moved;
 * - built for a later day (a past period): answers null, and the caller uses the Customers list.
 * Then ten index entries (`customer_overdue_top_idx`, the list's overdue order) and one totals row.
 * The page's customers are then summarised by the engine over their own invoices, as the list does.
 * test/analytics/customer-overdue-sync.test.ts checks it equals the Customers list's path.
 */
import { sql } from 'drizzle-orm';
import { type CalendarDate, isCalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import type { ListedCustomer } from './customer-list';
import { type CustomerListScope, summarisePage } from './customer-list-sql';

export interface TopOverdue {
  rows: ListedCustomer[];
  /** Every listed customer of the organisation. */
  total: number;
  /** Open invoices at the day, over every customer. */
  openInvoices: number;
}

interface StateRow {
  as_of: CalendarDate;
  customers: number;
  open_invoices: number;
  stale: boolean;
}

interface TopRow {
  ext: string;
  name: string;
  customer_id: string | null;
  emails: unknown;
}

/** Bring the organisation's customer state to `day` if anything moved it. Null when it is built for a later day. */
async function bringTo(db: Db, firmId: string, organisationId: string, day: CalendarDate): Promise<StateRow | null> {
  const read = () =>
    queryRows<StateRow>(
      db,
      sql`SELECT s.as_of::text AS as_of, s.customers, s.open_invoices,
            (s.as_of < ${day}::date AND EXISTS (SELECT 1 FROM customer_overdue c WHERE c.firm_id = s.firm_id AND c.organisation_id = s.organisation_id AND c.valid_until <= ${day}::date))
            OR EXISTS (SELECT 1 FROM customer_overdue_pending p WHERE p.firm_id = s.firm_id AND p.organisation_id = s.organisation_id) AS stale
          FROM customer_overdue_orgs s WHERE s.firm_id = ${firmId} AND s.organisation_id = ${organisationId}`,
    );
  const [s] = await read();
  if (!s) {
    await db.execute(sql`SELECT arcus_rebuild_customer_overdue(${firmId}, ${organisationId}, ${day}::date)`);
  } else if (s.as_of > day) {
    return null;
  } else if (s.stale || s.as_of < day) {
    const [r] = await queryRows<{ ok: boolean }>(db, sql`SELECT arcus_refresh_customer_overdue(${firmId}, ${organisationId}, ${day}::date) AS ok`);
    if (!r?.ok) return null;
  } else return s;
  const [after] = await read();
  return after && after.as_of === day ? after : null;
}

/**
 * The top `limit` customers by overdue at `scope.period.to` (the dashboard's order: overdue, largest
 * first, then the names' order), the customer count and open invoices, from the state; null when
 * the state is for a later day than `to` (the caller uses the Customers list's statement).
 */
export async function loadTopOverdue(db: Db, scope: CustomerListScope, limit = 10): Promise<TopOverdue | null> {
  const day = scope.period.to;
  if (!isCalendarDate(day)) throw new Error(`not a calendar date: ${day}`);
  const { firmId, organisationId } = scope;
  const state = await bringTo(db, firmId, organisationId, day);
  if (!state) return null;
  const top = await queryRows<TopRow>(
    db,
    sql`SELECT t.contact_external_id AS ext, t.name, l.id AS customer_id, l.emails
        FROM (
          SELECT c.contact_external_id, c.name, c.overdue FROM customer_overdue c
          WHERE c.firm_id = ${firmId} AND c.organisation_id = ${organisationId} AND c.overdue > 0
          ORDER BY c.overdue DESC, lower(c.name), c.name, c.contact_external_id
          LIMIT ${limit}
        ) t
        LEFT JOIN contacts l ON l.organisation_id = ${organisationId} AND l.external_id = t.contact_external_id COLLATE "default" AND l.firm_id = ${firmId} AND l.deleted_at IS NULL AND l.status <> 'deleted'
        ORDER BY t.overdue DESC, lower(t.name), t.name, t.contact_external_id`,
  );
  const rows = await summarisePage(
    db,
    scope,
    top.map((r) => ({ ...r, score: null, segment: null })),
  );
  return { rows, total: Number(state.customers), openInvoices: Number(state.open_invoices) };
}

/** Build the organisation's customer state from nothing at `day` (repair, or after a bulk load with the triggers off). Returns how many customers. */
export async function rebuildCustomerOverdue(db: Db, params: { firmId: string; organisationId: string; day: CalendarDate }): Promise<number> {
  if (!isCalendarDate(params.day)) throw new Error(`not a calendar date: ${params.day}`);
  const [r] = await queryRows<{ n: number }>(db, sql`SELECT arcus_rebuild_customer_overdue(${params.firmId}, ${params.organisationId}, ${params.day}::date) AS n`);
  return Number(r?.n ?? 0);
}
