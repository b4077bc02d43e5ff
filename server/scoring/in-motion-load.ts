/** Loads the activities that can still put an invoice "in motion" (in-motion.ts says which and for how long). */
import { type SQL, sql } from 'drizzle-orm';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { type ActivityRow, CALL_LOGGED, CONTACT_CONTACTED, DISPUTE_RESOLVED, INVOICE_DISPUTED, MotionIndex, PLAN_CREATED, PLAN_ENDED, PROMISE_RECORDED, RECENT_DAYS, REMINDER_SENT } from './in-motion';

/** The columns a MotionIndex is built from (ActivityRow), of `activities a` joined to `users u`. */
const MOTION_COLUMNS = sql`a.organisation_id, a.kind, a.contact_id, a.details->>'contactExternalId' AS contact_external_id, a.invoice_id,
      to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
      CASE WHEN a.details->>'promisedDate' ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN a.details->>'promisedDate' END AS promised,
      u.name AS actor`;

/**
 * The activities that can still be live at `now` (in-motion.ts): disputes and plans whenever made,
 * reminders and contacts of the last RECENT_DAYS, promises made from `promiseFrom` (a year before
 * the organisation's day: a promise made up to a year ago can still be live; its date decides).
 */
function stillLive(now: Date, promiseFrom: SQL) {
  const recentFrom = new Date(now.getTime() - RECENT_DAYS * 86_400_000).toISOString();
  return sql`(
        a.kind IN (${INVOICE_DISPUTED}, ${DISPUTE_RESOLVED}, ${PLAN_CREATED}, ${PLAN_ENDED})
        OR (a.kind IN (${REMINDER_SENT}, ${CONTACT_CONTACTED}, ${CALL_LOGGED}) AND a.created_at >= ${recentFrom}::timestamptz)
        OR (a.kind = ${PROMISE_RECORDED} AND a.created_at >= ${promiseFrom})
      )`;
}

/** The activities that can still be live for the given organisations (a firm's, by the caller). */
export async function loadMotionIndex(db: Db, params: { firmId: string; organisationIds: readonly string[]; now: Date; today: CalendarDate }): Promise<MotionIndex> {
  if (params.organisationIds.length === 0) return new MotionIndex([], params.now, params.today);
  const promiseFrom = addDays(params.today, -366);
  const orgs = sql.join(
    params.organisationIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const rows = await queryRows<ActivityRow>(
    db,
    sql`
    SELECT ${MOTION_COLUMNS}
    FROM activities a LEFT JOIN users u ON u.id = a.actor_user_id
    WHERE a.firm_id = ${params.firmId} AND a.organisation_id IN (${orgs})
      AND ${stillLive(params.now, sql`${promiseFrom}::date`)}
    ORDER BY a.created_at`,
  );
  return new MotionIndex(rows, params.now, params.today);
}

/**
 * One index per organisation (each its own day), read in one statement: the same rows as
 * loadMotionIndex per organisation (the worklist page's organisations, decision 070).
 */
export async function loadMotionIndexes(
  db: Db,
  params: {
    firmId: string;
    organisations: readonly { id: string; today: CalendarDate }[];
    now: Date;
    targets: { invoiceIds: readonly string[]; contactIds: readonly string[]; contactExternalIds: readonly string[] };
  },
): Promise<Map<string, MotionIndex>> {
  const out = new Map<string, MotionIndex>();
  if (params.organisations.length === 0) return out;
  const ids = params.organisations.map((o) => o.id);
  const t = params.targets;
  const rows = await queryRows<ActivityRow>(
    db,
    sql`
    SELECT ${MOTION_COLUMNS}
    FROM activities a
    JOIN unnest(${sql.param(ids)}::uuid[], ${sql.param(params.organisations.map((o) => addDays(o.today, -366)))}::date[]) AS o(id, promise_from) ON o.id = a.organisation_id
    LEFT JOIN users u ON u.id = a.actor_user_id
    WHERE a.firm_id = ${params.firmId} AND a.organisation_id = ANY(${sql.param(ids)}::uuid[])
      AND ${stillLive(params.now, sql`o.promise_from`)}
      AND (a.invoice_id = ANY(${sql.param([...t.invoiceIds])}::uuid[])
        OR (a.invoice_id IS NULL AND (a.contact_id = ANY(${sql.param([...t.contactIds])}::uuid[]) OR a.details->>'contactExternalId' = ANY(${sql.param([...t.contactExternalIds])}::text[]))))
    ORDER BY a.created_at`,
  );
  for (const o of params.organisations)
    out.set(
      o.id,
      new MotionIndex(
        rows.filter((r) => r.organisation_id === o.id),
        params.now,
        o.today,
      ),
    );
  return out;
}
