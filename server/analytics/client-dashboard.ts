/**
 * The client contact's own dashboard (docs/decisions/029-client-dashboard.md): for each of *their*
 * organisations (`auth.organisationIds`, never the firm's others), the organisation dashboard's
 * headline figures (getDashboard: AR, overdue share, DSO, CEI, aging — no metric code here), what
 * the firm did for them this month (reminders sent and promises recorded, from `activities`; the
 * month's collections from the dashboard's monthly series) and how many changes wait for their
 * approval. Read-only; nothing staff-only (formulas, workings, ids of people) leaves the server.
 */
import { sql } from 'drizzle-orm';
import { longDate, startOfMonth, todayIn } from '../../kernel/dates';
import { zonedInstant } from '../../kernel/zoned-time';
import { type Db, queryRows } from '../db/client';
import { PROMISE_RECORDED, REMINDER_SENT } from '../scoring/in-motion';
import { getDashboard } from './dashboard';
import { getOrganisation } from './organisations';
import { resolvePeriod } from './period';

/** The figures a client sees, in the order shown (keys of server/analytics/kpis.ts). */
const CLIENT_KPIS = ['ar', 'overdue_pct', 'dso', 'cei'] as const;

export interface ClientKpi {
  key: (typeof CLIENT_KPIS)[number];
  label: string;
  name: string;
  value: number | null;
  unit: 'amount' | 'days' | 'percent';
  why: string | null;
}

export interface ClientOrganisationView {
  id: string;
  name: string;
  currency: string;
  /** "17 June 2026": the figures are as at the end of this day, the organisation's today. */
  asOf: string;
  /** The 90 days the rates (DSO, CEI) are over, in words. */
  periodWords: string;
  kpis: ClientKpi[];
  aging: { label: string; amount: number }[];
  month: {
    /** "June 2026". */
    name: string;
    remindersSent: number;
    promisesRecorded: number;
    /** Collected in the month to date, in `currency` (the dashboard's monthly series). */
    collected: number;
    /** Payments the firm's pay links brought in this month. */
    paidOnline: number;
  };
  /** Changes and reminders waiting for this client's approval. */
  waitingForApproval: number;
}

const PAYMENT_RECEIVED = 'payment.received';

function monthName(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 1));
}

async function monthActivity(db: Db, firmId: string, organisationId: string, from: Date, to: Date): Promise<Map<string, number>> {
  const rows = await queryRows<{ kind: string; n: number }>(
    db,
    sql`SELECT kind, count(*)::int AS n FROM activities
        WHERE firm_id = ${firmId}::uuid AND organisation_id = ${organisationId}::uuid
          AND created_at >= ${from.toISOString()}::timestamptz AND created_at <= ${to.toISOString()}::timestamptz
          AND kind IN (${REMINDER_SENT}, ${PROMISE_RECORDED}, ${PAYMENT_RECEIVED})
        GROUP BY kind`,
  );
  return new Map(rows.map((r) => [r.kind, Number(r.n)]));
}

async function waitingCount(db: Db, firmId: string, organisationId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`SELECT (SELECT count(*) FROM writebacks WHERE firm_id = ${firmId}::uuid AND organisation_id = ${organisationId}::uuid AND status = 'awaiting_client')
             + (SELECT count(*) FROM reminder_sends WHERE firm_id = ${firmId}::uuid AND organisation_id = ${organisationId}::uuid AND status = 'awaiting_client') AS n`,
  );
  return Number(row?.n ?? 0);
}

/** One view per organisation the client contact is linked to, by name. Staff (organisationIds null) get none: this is the client's page. */
export async function getClientDashboard(db: Db, auth: { firmId: string; organisationIds: readonly string[] | null }, now: Date): Promise<ClientOrganisationView[]> {
  const ids = auth.organisationIds ?? [];
  const views: ClientOrganisationView[] = [];
  for (const id of ids) {
    const org = await getOrganisation(db, auth.firmId, id);
    if (!org) continue;
    const today = todayIn(org.timezone, now);
    const period = resolvePeriod({}, org.timezone, now);
    const d = await getDashboard(db, { firmId: auth.firmId, organisation: org, period, thresholds: {}, today });
    const [y, m] = startOfMonth(today).split('-').map(Number) as [number, number];
    const [activity, waiting] = await Promise.all([monthActivity(db, auth.firmId, org.id, new Date(zonedInstant(org.timezone, y, m, 1, 0, 0)), now), waitingCount(db, auth.firmId, org.id)]);
    const thisMonth = d.series.at(-1);
    views.push({
      id: org.id,
      name: org.name,
      currency: d.currency,
      asOf: longDate(today),
      periodWords: `${longDate(d.period.from)} to ${longDate(d.period.to)}`,
      kpis: CLIENT_KPIS.flatMap((key) => {
        const k = d.kpis.find((x) => x.key === key);
        return k ? [{ key, label: k.label, name: k.name, value: k.value, unit: k.unit, why: k.why }] : [];
      }),
      aging: d.aging.map((a) => ({ label: a.label, amount: a.amount })),
      month: {
        name: monthName(today),
        remindersSent: activity.get(REMINDER_SENT) ?? 0,
        promisesRecorded: activity.get(PROMISE_RECORDED) ?? 0,
        collected: thisMonth && thisMonth.month === today.slice(0, 7) ? thisMonth.collected : 0,
        paidOnline: activity.get(PAYMENT_RECEIVED) ?? 0,
      },
      waitingForApproval: waiting,
    });
  }
  return views.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
