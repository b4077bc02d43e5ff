/**
 * What a month's report reads from the database, for one organisation of one firm (every query
 * names the firm; row-level security checks it again). Activities' days are calendar days in the
 * organisation's time zone.
 */
import { sql } from 'drizzle-orm';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { mulRate } from '../../kernel/money';
import type { LedgerInvoice } from '../analytics/ledger-invoices';
import { type Db, queryRows } from '../db/client';
import { PROMISE_RECORDED } from '../scoring/in-motion';
import { type ActionRowKey, actionRowOf, COUNTED_ACTIVITY_KINDS, TOUCH_ACTIVITY_KINDS, touchKindOf } from './activity-kinds';
import type { AttributedPayment, Touch } from './attribution';
import type { PromiseMade } from './promises';

export interface ReportScope {
  firmId: string;
  organisationId: string;
  timezone: string;
}

/** Payments (not credits) dated in [from, to], each converted to the base currency at its invoice's ledger rate (half-even). */
export function paymentsIn(ledger: readonly LedgerInvoice[], baseCurrency: string, from: CalendarDate, to: CalendarDate): AttributedPayment[] {
  const out: AttributedPayment[] = [];
  for (const inv of ledger) {
    for (const s of inv.settlements) {
      if (s.kind !== 'payment' || s.date < from || s.date > to) continue;
      const amount = inv.currency === baseCurrency ? s.amount : mulRate(s.amount, inv.currencyRate);
      out.push({ invoiceKey: inv.externalId, customerKey: inv.contactExternalId, date: s.date, amount });
    }
  }
  return out;
}

interface ActivityRow {
  kind: string;
  source: string | null;
  day: string;
  at: string;
  customer_key: string | null;
  invoice_key: string | null;
  invoice_keys: string[] | null;
  promised_date: string | null;
}

function activitiesBetween(db: Db, s: ReportScope, kinds: readonly string[], from: CalendarDate, to: CalendarDate) {
  // [from 00:00, to + 1 00:00) in the organisation's zone.
  return queryRows<ActivityRow>(
    db,
    sql`SELECT a.kind, a.details->>'source' AS source, (a.created_at AT TIME ZONE ${s.timezone})::date::text AS day, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,
          coalesce(c.external_id, a.details->>'contactExternalId', i.contact_external_id) AS customer_key,
          coalesce(i.external_id, a.details->>'invoiceExternalId') AS invoice_key,
          CASE WHEN jsonb_typeof(a.details->'invoiceExternalIds') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(a.details->'invoiceExternalIds')) END AS invoice_keys,
          a.details->>'promisedDate' AS promised_date
        FROM activities a
        LEFT JOIN contacts c ON c.id = a.contact_id
        LEFT JOIN invoices i ON i.id = a.invoice_id
        WHERE a.firm_id = ${s.firmId} AND a.organisation_id = ${s.organisationId}
          AND a.kind IN (${sql.join(
            kinds.map((k) => sql`${k}`),
            sql`, `,
          )})
          AND a.created_at >= (${from}::date::timestamp AT TIME ZONE ${s.timezone})
          AND a.created_at < (${addDays(to, 1)}::date::timestamp AT TIME ZONE ${s.timezone})
        ORDER BY a.created_at, a.id`,
  );
}

const keysOf = (r: ActivityRow): string[] | null => (r.invoice_key ? [r.invoice_key] : r.invoice_keys && r.invoice_keys.length > 0 ? r.invoice_keys : null);

/** Arcus touches from `windowDays` before `from` through `to` (a payment on `from` may be credited to a touch before the month). */
export async function loadTouches(db: Db, s: ReportScope, from: CalendarDate, to: CalendarDate, windowDays: number): Promise<Touch[]> {
  const rows = await activitiesBetween(db, s, TOUCH_ACTIVITY_KINDS, addDays(from, -windowDays), to);
  const out: Touch[] = [];
  for (const r of rows) {
    const kind = touchKindOf(r.kind, r.source);
    if (kind && r.customer_key) out.push({ kind, date: r.day, at: r.at, customerKey: r.customer_key, invoiceKeys: keysOf(r) });
  }
  return out;
}

/** Actions taken in [from, to], counted by the report's rows. */
export async function countActions(db: Db, s: ReportScope, from: CalendarDate, to: CalendarDate): Promise<Map<ActionRowKey, number>> {
  const counts = new Map<ActionRowKey, number>();
  for (const r of await activitiesBetween(db, s, COUNTED_ACTIVITY_KINDS, from, to)) {
    const row = actionRowOf(r.kind, r.source);
    if (row) counts.set(row, (counts.get(row) ?? 0) + 1);
  }
  return counts;
}

/** Promises made within a year before `to` whose promised date is in [from, to]. */
export async function loadPromises(db: Db, s: ReportScope, from: CalendarDate, to: CalendarDate): Promise<PromiseMade[]> {
  const rows = await activitiesBetween(db, s, [PROMISE_RECORDED], addDays(from, -366), to);
  return rows
    .filter((r) => r.customer_key && r.promised_date && /^\d{4}-\d{2}-\d{2}$/.test(r.promised_date) && r.promised_date >= from && r.promised_date <= to)
    .map((r) => ({ madeOn: r.day, promisedDate: r.promised_date!, customerKey: r.customer_key!, invoiceKeys: keysOf(r) }));
}
