/**
 * My work (docs/decisions/023-assignment-and-my-work.md): everything a person is assigned, across
 * all the firm's organisations — their customers ranked exactly as the worklist ranks them (the
 * worklist itself, restricted to those customers), their follow-ups due today or earlier, promises
 * falling due today, broken promises, and write-backs waiting for their approval. And for managers,
 * each collector's queue and load.
 *
 * A promise is a `promise.recorded` activity (in-motion.ts) on a customer or one invoice; the
 * latest promise for a target is the one that counts. It falls due today when its date is the
 * organisation's today; it is broken when its date passed within the last 30 days and what it
 * covered (the invoice, or any of the customer's invoices) is still open.
 */
import { and, eq, sql } from 'drizzle-orm';
import { addDays, type CalendarDate, diffDays, todayIn } from '../../kernel/dates';
import type { LedgerEndpointsOf } from '../analytics/ledger-links';
import { can, ROLE_WORDS, type Role } from '../auth/permissions';
import { type Db, queryRows } from '../db/client';
import { organisations, writebacks } from '../db/schema';
import { type ChangedBehaviourItem, changedBehaviourOf } from '../scoring/changes';
import { PROMISE_RECORDED } from '../scoring/in-motion';
import { round2 } from '../scoring/rank';
import type { QueuePort } from '../queue';
import { getWorklist, type Worklist } from '../scoring/worklist';
import { assignedCustomers, listAssignableMembers } from './assignments';
import { TASK_KIND_WORDS, type TaskKind } from './tasks';

/** How far back a passed promise still shows as broken. */
export const BROKEN_PROMISE_DAYS = 30;

export interface FollowUpDue {
  id: string;
  organisationId: string;
  organisationName: string;
  contactId: string | null;
  /** null for an action-plan step (on the organisation, not a customer). */
  contactExternalId: string | null;
  customerName: string;
  /** Call, Review or Follow-up. */
  kindName: string;
  title: string;
  dueOn: CalendarDate;
  /** 0: due today; n: n days overdue. */
  daysOverdue: number;
}

export interface PromiseItem {
  organisationId: string;
  organisationName: string;
  contactId: string | null;
  contactExternalId: string;
  customerName: string;
  /** The invoice promised, or null for all the customer's open invoices. */
  invoiceNumber: string | null;
  promisedDate: CalendarDate;
}

export interface MyWork {
  worklist: Worklist;
  followUps: FollowUpDue[];
  promisesDueToday: PromiseItem[];
  brokenPromises: PromiseItem[];
  /** Assigned customers whose paying behaviour changed (changing-risk alerts, decision 039), with the explanation. */
  changedBehaviour: ChangedBehaviourItem[];
  /** Write-backs waiting for approval, for someone who may approve them (null: the caller may not). */
  approvalsWaiting: number | null;
}

type Auth = { firmId: string; userId: string; role: Role };

async function orgClock(db: Db, firmId: string, now: Date) {
  const orgs = await db.select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone }).from(organisations).where(eq(organisations.firmId, firmId));
  return new Map(orgs.map((o) => [o.id, { name: o.name, today: todayIn(o.timezone, now) }]));
}

interface TaskRow {
  id: string;
  organisation_id: string;
  contact_id: string | null;
  contact_external_id: string | null;
  name: string | null;
  kind: string;
  title: string;
  due_on: string;
  assigned_user_id: string;
}

/** Open follow-ups due today or earlier (each organisation's today), for one person or everyone. */
async function dueTasks(db: Db, firmId: string, now: Date, userId?: string): Promise<(FollowUpDue & { userId: string })[]> {
  const clock = await orgClock(db, firmId, now);
  // Every organisation's today is within a day of UTC's: read up to tomorrow (UTC), then keep what is due locally.
  const until = addDays(todayIn('UTC', now), 1);
  const rows = await queryRows<TaskRow>(
    db,
    sql`SELECT t.id, t.organisation_id, coalesce(t.contact_id, c.id) AS contact_id, t.contact_external_id, c.name, t.kind, t.title, t.due_on::text AS due_on, t.assigned_user_id
        FROM collector_tasks t
        LEFT JOIN contacts c ON c.organisation_id = t.organisation_id AND c.external_id = t.contact_external_id
        WHERE t.firm_id = ${firmId} AND t.status = 'open' AND t.assigned_user_id IS NOT NULL AND t.due_on <= ${until}::date
          ${userId ? sql`AND t.assigned_user_id = ${userId}` : sql``}
        ORDER BY t.due_on, t.created_at, t.id`,
  );
  return rows.flatMap((r) => {
    const org = clock.get(r.organisation_id);
    if (!org || r.due_on > org.today) return [];
    return [
      {
        id: r.id,
        userId: r.assigned_user_id,
        organisationId: r.organisation_id,
        organisationName: org.name,
        contactId: r.contact_id,
        contactExternalId: r.contact_external_id,
        customerName: r.name ?? r.contact_external_id ?? 'Action plan',
        kindName: TASK_KIND_WORDS[r.kind as TaskKind] ?? 'Task',
        title: r.title,
        dueOn: r.due_on,
        daysOverdue: diffDays(r.due_on, org.today),
      },
    ];
  });
}

interface PromiseRow {
  organisation_id: string;
  contact_id: string | null;
  contact_external_id: string | null;
  name: string | null;
  invoice_id: string | null;
  invoice_number: string | null;
  promised: string;
  still_open: boolean;
}

/** The latest promise per target of the given customers, sorted into due today and broken. */
async function promises(db: Db, firmId: string, customers: ReadonlySet<string>, organisationIds: readonly string[], now: Date) {
  const dueToday: PromiseItem[] = [];
  const broken: PromiseItem[] = [];
  if (organisationIds.length === 0) return { dueToday, broken };
  const clock = await orgClock(db, firmId, now);
  const since = addDays(todayIn('UTC', now), -366);
  const rows = await queryRows<PromiseRow>(
    db,
    sql`
    SELECT DISTINCT ON (p.organisation_id, coalesce(p.invoice_id::text, p.ext)) p.organisation_id, p.contact_id, p.ext AS contact_external_id, p.name, p.invoice_id, p.invoice_number, p.promised,
      CASE WHEN p.invoice_id IS NOT NULL THEN p.invoice_open
        ELSE EXISTS (SELECT 1 FROM invoices j WHERE j.firm_id = ${firmId} AND j.organisation_id = p.organisation_id AND j.contact_external_id = p.ext
          AND j.settled_on IS NULL AND j.status NOT IN ('draft', 'submitted', 'voided', 'deleted')) END AS still_open
    FROM (
      SELECT a.organisation_id, a.created_at, a.invoice_id, coalesce(c.id, ci.id) AS contact_id,
        coalesce(c.external_id, a.details->>'contactExternalId', i.contact_external_id) AS ext,
        coalesce(c.name, ci.name) AS name, i.number AS invoice_number, a.details->>'promisedDate' AS promised,
        (i.settled_on IS NULL AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')) AS invoice_open
      FROM activities a
      LEFT JOIN contacts c ON c.id = a.contact_id
      LEFT JOIN invoices i ON i.id = a.invoice_id
      LEFT JOIN contacts ci ON ci.organisation_id = a.organisation_id AND ci.external_id = coalesce(c.external_id, a.details->>'contactExternalId', i.contact_external_id)
      WHERE a.firm_id = ${firmId} AND a.kind = ${PROMISE_RECORDED} AND a.created_at >= ${since}::date
        AND a.organisation_id IN (${sql.join(
          organisationIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})
        AND a.details->>'promisedDate' ~ '^\\d{4}-\\d{2}-\\d{2}$'
    ) p
    WHERE p.ext IS NOT NULL
    ORDER BY p.organisation_id, coalesce(p.invoice_id::text, p.ext), p.created_at DESC`,
  );
  for (const r of rows) {
    const org = clock.get(r.organisation_id);
    if (!org || !customers.has(`${r.organisation_id}|${r.contact_external_id}`)) continue;
    const item: PromiseItem = {
      organisationId: r.organisation_id,
      organisationName: org.name,
      contactId: r.contact_id,
      contactExternalId: r.contact_external_id!,
      customerName: r.name ?? r.contact_external_id!,
      invoiceNumber: r.invoice_id ? (r.invoice_number ?? '') : null,
      promisedDate: r.promised,
    };
    if (r.promised === org.today) dueToday.push(item);
    else if (r.promised < org.today && r.promised >= addDays(org.today, -BROKEN_PROMISE_DAYS) && r.still_open) broken.push(item);
  }
  const order = (a: PromiseItem, b: PromiseItem) => a.promisedDate.localeCompare(b.promisedDate) || a.customerName.localeCompare(b.customerName);
  return { dueToday: dueToday.sort(order), broken: broken.sort(order) };
}

export async function getMyWork(db: Db, auth: Auth, options: { limit: number; offset: number; now: Date; ledgerEndpoints?: LedgerEndpointsOf | undefined; queue?: QueuePort | undefined }): Promise<MyWork> {
  const mine = await assignedCustomers(db, auth.firmId, auth.userId);
  const worklist = await getWorklist(db, auth, { only: mine, limit: options.limit, offset: options.offset, now: options.now, ...(options.ledgerEndpoints ? { ledgerEndpoints: options.ledgerEndpoints } : {}), ...(options.queue ? { scoring: { queue: options.queue } } : {}) });
  const keys = new Set(mine.map((c) => `${c.organisationId}|${c.contactExternalId}`));
  const { dueToday, broken } = await promises(db, auth.firmId, keys, [...new Set(mine.map((c) => c.organisationId))], options.now);
  let approvalsWaiting: number | null = null;
  if (can(auth, 'ledger.approve')) {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(writebacks)
      .where(and(eq(writebacks.firmId, auth.firmId), eq(writebacks.status, 'awaiting_approval')));
    approvalsWaiting = row?.n ?? 0;
  }
  return {
    worklist,
    followUps: (await dueTasks(db, auth.firmId, options.now, auth.userId)).map(({ userId: _, ...t }) => t),
    promisesDueToday: dueToday,
    brokenPromises: broken,
    changedBehaviour: await changedBehaviourOf(db, auth.firmId, mine),
    approvalsWaiting,
  };
}

export interface TeamQueue {
  userId: string;
  name: string;
  roleName: string;
  customers: number;
  /** Open balance of the assigned customers, in the reporting currency. */
  open: number;
  /** Sum of the worklist's value of acting now (its priority) over the assigned customers. */
  value: number;
  tasksDue: number;
}

/** Each assignable member's queue: customers, what is open, the worklist value, follow-ups due. */
export async function getTeamQueues(db: Db, auth: Auth, now: Date): Promise<{ reportingCurrency: string; queues: TeamQueue[] }> {
  const members = await listAssignableMembers(db, auth.firmId);
  const all = await assignedCustomers(db, auth.firmId);
  const ownerOf = new Map(all.map((c) => [`${c.organisationId}|${c.contactExternalId}`, c.userId]));
  const w = await getWorklist(db, auth, { only: all, limit: Math.max(1, all.length), offset: 0, now });
  const tasks = await dueTasks(db, auth.firmId, now);
  const load = new Map(members.map((m) => [m.userId, { customers: 0, open: 0, value: 0, tasksDue: 0 }]));
  for (const c of all) {
    const l = load.get(c.userId);
    if (l) l.customers++;
  }
  for (const c of w.customers) {
    const l = load.get(ownerOf.get(`${c.organisationId}|${c.contactExternalId}`) ?? '');
    if (!l) continue;
    l.value += c.value;
    l.open += c.invoices.reduce((s, i) => s + i.why.amount, 0);
  }
  for (const t of tasks) {
    const l = load.get(t.userId);
    if (l) l.tasksDue++;
  }
  return {
    reportingCurrency: w.reportingCurrency,
    queues: members.map((m) => {
      const l = load.get(m.userId)!;
      return { userId: m.userId, name: m.name, roleName: ROLE_WORDS[m.role].name, customers: l.customers, open: round2(l.open), value: round2(l.value), tasksDue: l.tasksDue };
    }),
  };
}
