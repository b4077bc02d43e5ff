/**
 * The worklist: each collector's open invoices across the organisations they work on, grouped
 * by customer and ranked by the value of acting now (the rule: rank.ts).
 *
 * - amount due: the balance in the firm's reporting currency (analytics exchange rates; an
 *   organisation without a rate ranks in its own base currency and says so);
 * - risk: the invoice's P(late) from the last scoring run;
 * - in motion (in-motion.ts): a live promise or payment plan ×0.2, a dispute ×0.3, a reminder
 *   in the last 7 days ×0.7, a contact in the last 7 days ×0.5;
 * - changed behaviour (changes.ts, decision 039): ×1.5 (CHANGE_BOOST) for a customer with an alert.
 * A customer's value is the sum of its invoices'; customers are ranked by it, invoices within a
 * customer too. Every item carries the figures of its value ("why here").
 *
 * Who sees what: admins every organisation of the firm; a collector (or viewer) with
 * organisation assignments those organisations; one without any assignment all of them.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { type CalendarDate, diffDays, todayIn } from '../../kernel/dates';
import { notFound } from '../../kernel/errors';
import { mulRate, toMinor } from '../../kernel/money';
import { compareNames } from '../analytics/customers';
import { resolveRates } from '../analytics/exchange-rates';
import { contactLink, invoiceLink, type LedgerEndpointsOf, ledgerSite } from '../analytics/ledger-links';
import type { Role } from '../auth/current-user';
import { type Db, queryRows } from '../db/client';
import { activities, contacts, firms, organisationAssignments, organisations } from '../db/schema';
import { amountNumber } from '../domain/metrics';
import type { ChangeAlert } from '../domain/scoring/change';
import type { CustomerSegment } from '../domain/scoring/explain';
import { loadChanges } from './changes';
import type { ScoreReason } from './engine';
import { CONTACT_CONTACTED, type Motion, type MotionIndex } from './in-motion';
import { loadMotionIndex, loadMotionIndexes } from './in-motion-load';
import { rankValue, round2, type Why } from './rank';
import { ensureScored, type OnDemandScoring } from './run';
import { rankWorklistPage } from './worklist-sql';

export interface VisibleOrganisation {
  id: string;
  name: string;
  provider: 'xero' | 'quickbooks';
  /** Xero tenant id / QuickBooks realm id (for ledger links). */
  externalId: string;
  baseCurrency: string;
  timezone: string;
}

/** The organisations a caller works on (see the header). */
export async function visibleOrganisations(db: Db, auth: { firmId: string; userId: string; role: Role }): Promise<VisibleOrganisation[]> {
  const all = await db
    .select({ id: organisations.id, name: organisations.name, provider: organisations.provider, externalId: organisations.externalId, baseCurrency: organisations.baseCurrency, timezone: organisations.timezone })
    .from(organisations)
    .where(eq(organisations.firmId, auth.firmId))
    .orderBy(organisations.name, organisations.id);
  if (auth.role === 'admin') return all;
  const assigned = await db
    .select({ id: organisationAssignments.organisationId })
    .from(organisationAssignments)
    .where(and(eq(organisationAssignments.firmId, auth.firmId), eq(organisationAssignments.userId, auth.userId)));
  if (assigned.length === 0) return all;
  const ids = new Set(assigned.map((a) => a.id));
  return all.filter((o) => ids.has(o.id));
}

interface Row {
  invoice_id: string;
  organisation_id: string;
  contact_external_id: string;
  currency: string;
  amount_due: string;
  amount_due_base: string;
  p_late: number;
  predicted_date: string;
  low_date: string;
  high_date: string;
  amount_at_risk: string;
  reasons: ScoreReason[];
  prior_weight: number;
  number: string;
  external_id: string;
  issue_date: string;
  due_date: string | null;
  contact_id: string | null;
  contact_name: string | null;
  score: number | null;
  segment: CustomerSegment | null;
  customer_reasons: ScoreReason[] | null;
  settled_count: number | null;
  prev_score: number | null;
  prev_segment: CustomerSegment | null;
  prev_month: string | null;
}

/** The open scored invoices of the organisations (`customers`: of these customers only). */
async function loadOpenScores(db: Db, firmId: string, organisationIds: readonly string[], customers?: readonly { organisationId: string; contactExternalId: string }[]): Promise<Row[]> {
  if (organisationIds.length === 0) return [];
  const ofCustomers = customers
    ? sql`AND (s.organisation_id, s.contact_external_id) IN (SELECT * FROM unnest(${sql.param(customers.map((c) => c.organisationId))}::uuid[], ${sql.param(customers.map((c) => c.contactExternalId))}::text[]))`
    : sql``;
  return queryRows<Row>(
    db,
    sql`
    SELECT s.invoice_id, s.organisation_id, s.contact_external_id, s.currency, s.amount_due::text AS amount_due, s.amount_due_base::text AS amount_due_base,
      s.p_late, s.predicted_date::text AS predicted_date, s.low_date::text AS low_date, s.high_date::text AS high_date,
      s.amount_at_risk::text AS amount_at_risk, s.reasons, s.prior_weight,
      i.number, i.external_id, i.issue_date::text AS issue_date, i.due_date::text AS due_date,
      coalesce(c.id, i.contact_id) AS contact_id, c.name AS contact_name,
      cs.score, cs.segment, cs.reasons AS customer_reasons, cs.settled_count,
      h.score AS prev_score, h.segment AS prev_segment, h.month::text AS prev_month
    FROM invoice_scores s
    JOIN invoices i ON i.id = s.invoice_id AND i.firm_id = s.firm_id
    LEFT JOIN contacts c ON c.organisation_id = s.organisation_id AND c.external_id = s.contact_external_id
    LEFT JOIN customer_scores cs ON cs.organisation_id = s.organisation_id AND cs.contact_external_id = s.contact_external_id
    LEFT JOIN LATERAL (
      SELECT hh.score, hh.segment, hh.month FROM customer_score_history hh
      WHERE hh.organisation_id = s.organisation_id AND hh.contact_external_id = s.contact_external_id
        AND hh.month < date_trunc('month', s.scored_on)::date
      ORDER BY hh.month DESC LIMIT 1
    ) h ON true
    WHERE s.firm_id = ${firmId} AND s.organisation_id IN (${sql.join(
      organisationIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
      AND i.settled_on IS NULL AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted') ${ofCustomers}`,
  );
}

export interface WorklistInvoice {
  invoiceId: string;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  daysOverdue: number;
  currency: string;
  amountDue: number;
  amountAtRisk: number;
  pLate: number;
  predictedDate: CalendarDate;
  lowDate: CalendarDate;
  highDate: CalendarDate;
  reasons: ScoreReason[];
  motions: Motion[];
  why: Why;
  link: string;
}

export interface WorklistCustomer {
  rank: number;
  organisationId: string;
  organisationName: string;
  provider: 'xero' | 'quickbooks';
  contactId: string | null;
  contactExternalId: string;
  name: string;
  score: number | null;
  segment: CustomerSegment | null;
  /** Score change since last month's (null without last month's score). */
  change: number | null;
  previousSegment: CustomerSegment | null;
  settledCount: number | null;
  reasons: ScoreReason[];
  /** Changing-risk alerts of the last scoring run (decision 039), with their explanations. */
  changes: ChangeAlert[];
  value: number;
  /** Open balance per currency. */
  open: { currency: string; amount: number }[];
  invoices: WorklistInvoice[];
  link: string;
}

export interface Worklist {
  reportingCurrency: string;
  /** Organisations ranked in their own currency (no exchange rate to the reporting one). */
  unconverted: { id: string; name: string; currency: string }[];
  organisations: { id: string; name: string }[];
  /** One page of the ranked customers: `offset` is the rank before the first (0 for the first page). */
  customers: WorklistCustomer[];
  offset: number;
  limit: number;
  totalCustomers: number;
  totalInvoices: number;
  /** Organisations never scored and too big to score in this request: their run is requested, their invoices are not here yet. */
  scoringPending: { organisationName: string }[];
}

/** Options of a worklist read (the in-memory reference and the SQL path take the same). */
export interface WorklistOptions {
  organisationId?: string;
  limit?: number;
  offset?: number;
  now?: Date;
  /** Where ledger links lead (absent: the providers' own apps). */
  ledgerEndpoints?: LedgerEndpointsOf;
  /** Only these customers, in whichever of the firm's organisations they are (My work: the caller's assigned customers). Ranked as ever. */
  only?: readonly { organisationId: string; contactExternalId: string }[];
  /** How an organisation never scored is scored (small ones inline, bigger ones requested on this queue). */
  scoring?: OnDemandScoring;
}

type Auth = { firmId: string; userId: string; role: Role };

/** What both paths settle before ranking: the organisations, their day, their rate, what is pending. */
interface Prelude {
  now: Date;
  visible: VisibleOrganisation[];
  orgs: VisibleOrganisation[];
  orgById: Map<string, VisibleOrganisation>;
  pending: Set<string>;
  reportingCurrency: string;
  /** The organisation's rate to the reporting currency ('1' for the same currency, null without a rate). */
  rateOf: (o: VisibleOrganisation) => string | null;
  todayOf: Map<string, CalendarDate>;
  siteOf: Map<string, ReturnType<typeof ledgerSite>>;
}

async function prelude(db: Db, auth: Auth, options: WorklistOptions): Promise<Prelude> {
  const now = options.now ?? new Date();
  const visible = options.only
    ? (await visibleOrganisations(db, { ...auth, role: 'admin' })).filter((o) => options.only!.some((c) => c.organisationId === o.id))
    : await visibleOrganisations(db, auth);
  if (options.organisationId && !visible.some((o) => o.id === options.organisationId)) throw notFound('No such organisation on your worklist.');
  const orgs = options.organisationId ? visible.filter((o) => o.id === options.organisationId) : visible;
  const pending = new Set(
    await ensureScored(
      db,
      auth.firmId,
      orgs.map((o) => o.id),
      now,
      options.scoring,
    ),
  );
  const [firm] = await db.select({ reportingCurrency: firms.reportingCurrency }).from(firms).where(eq(firms.id, auth.firmId)).limit(1);
  const reportingCurrency = firm?.reportingCurrency ?? 'USD';
  const rates = await resolveRates(db, auth.firmId, reportingCurrency, todayIn('UTC', now));
  return {
    now,
    visible,
    orgs,
    orgById: new Map(orgs.map((o) => [o.id, o])),
    pending,
    reportingCurrency,
    rateOf: (o) => (o.baseCurrency === reportingCurrency ? '1' : (rates.get(o.baseCurrency)?.rate ?? null)),
    todayOf: new Map(orgs.map((o) => [o.id, todayIn(o.timezone, now)])),
    siteOf: new Map(orgs.map((o) => [o.id, ledgerSite(options.ledgerEndpoints, o)])),
  };
}

/** The customers of the given score rows, each with its invoices ranked, its value and its open balance (not yet ranked among themselves). */
function groupCustomers(p: Prelude, rows: readonly Row[], motionsByOrg: ReadonlyMap<string, MotionIndex>, changes: ReadonlyMap<string, ChangeAlert[]>): WorklistCustomer[] {
  const groups = new Map<string, WorklistCustomer>();
  for (const r of rows) {
    const org = p.orgById.get(r.organisation_id)!;
    const today = p.todayOf.get(org.id)!;
    const rate = p.rateOf(org);
    const base = toMinor(r.amount_due_base, 2, true);
    const amount = rate === null || rate === '1' ? base : mulRate(base, rate);
    const daysOverdue = diffDays(r.due_date ?? r.issue_date, today);
    const motions = motionsByOrg.get(org.id)!.motionsOf({ organisationId: org.id, contactId: r.contact_id, contactExternalId: r.contact_external_id, invoiceId: r.invoice_id });
    const key = `${org.id}|${r.contact_external_id}`;
    const alerts = changes.get(key) ?? [];
    const change = alerts.length > 0 ? { label: `changed behaviour: ${alerts.map((a) => a.title.toLowerCase()).join(', ')}` } : undefined;
    const why = rankValue({ invoiceId: r.invoice_id, organisationId: org.id, contactId: r.contact_id, contactExternalId: r.contact_external_id, amount, pLate: r.p_late, daysOverdue }, motions, change);
    let g = groups.get(key);
    if (!g) {
      g = {
        rank: 0,
        organisationId: org.id,
        organisationName: org.name,
        provider: org.provider,
        contactId: r.contact_id,
        contactExternalId: r.contact_external_id,
        name: r.contact_name ?? r.contact_external_id,
        score: r.score,
        segment: r.segment,
        change: r.score !== null && r.prev_score !== null ? r.score - r.prev_score : null,
        previousSegment: r.prev_segment,
        settledCount: r.settled_count,
        reasons: r.customer_reasons ?? [],
        changes: alerts,
        value: 0,
        open: [],
        invoices: [],
        link: contactLink(p.siteOf.get(org.id)!, r.contact_external_id),
      };
      groups.set(key, g);
    }
    g.invoices.push({
      invoiceId: r.invoice_id,
      number: r.number || r.external_id,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      daysOverdue,
      currency: r.currency,
      amountDue: amountNumber(toMinor(r.amount_due, 2, true)),
      amountAtRisk: amountNumber(toMinor(r.amount_at_risk, 2, true)),
      pLate: r.p_late,
      predictedDate: r.predicted_date,
      lowDate: r.low_date,
      highDate: r.high_date,
      reasons: r.reasons,
      motions,
      why,
      link: invoiceLink(p.siteOf.get(org.id)!, r.external_id),
    });
  }
  const customers = [...groups.values()];
  for (const g of customers) {
    g.invoices.sort((a, b) => b.why.value - a.why.value || b.daysOverdue - a.daysOverdue || a.number.localeCompare(b.number));
    g.value = round2(g.invoices.reduce((s, i) => s + i.why.value, 0));
    const open = new Map<string, number>();
    for (const i of g.invoices) open.set(i.currency, (open.get(i.currency) ?? 0) + toMinor(i.amountDue.toFixed(2)));
    g.open = [...open].sort(([a], [b]) => a.localeCompare(b)).map(([currency, minor]) => ({ currency, amount: amountNumber(minor) }));
  }
  return customers;
}

/**
 * The customers' order: value, highest first; ties by name (ASCII letters folded, then the name,
 * then the ledger id, in code points — compareNames, a total order PostgreSQL reproduces with
 * COLLATE "C"; decision 070).
 */
export function compareWorklistCustomers(a: WorklistCustomer, b: WorklistCustomer): number {
  return b.value - a.value || compareNames({ name: a.name, externalId: a.contactExternalId }, { name: b.name, externalId: b.contactExternalId });
}

function worklistOf(p: Prelude, page: WorklistCustomer[], offset: number, limit: number, totalCustomers: number, totalInvoices: number): Worklist {
  return {
    reportingCurrency: p.reportingCurrency,
    unconverted: p.orgs.filter((o) => p.rateOf(o) === null).map((o) => ({ id: o.id, name: o.name, currency: o.baseCurrency })),
    organisations: p.visible.map((o) => ({ id: o.id, name: o.name })),
    customers: page,
    offset,
    limit,
    totalCustomers,
    totalInvoices,
    scoringPending: p.orgs.filter((o) => p.pending.has(o.id)).map((o) => ({ organisationName: o.name })),
  };
}

/**
 * The worklist computed in memory over every open scored invoice of the organisations: the
 * reference the SQL path (getWorklist) is tested against (test/scale/worklist-sql.test.ts).
 */
export async function getWorklistInMemory(db: Db, auth: Auth, options: WorklistOptions = {}): Promise<Worklist> {
  const p = await prelude(db, auth, options);
  const only = options.only ? new Set(options.only.map((c) => `${c.organisationId}|${c.contactExternalId}`)) : null;
  const rows = (
    await loadOpenScores(
      db,
      auth.firmId,
      p.orgs.map((o) => o.id),
    )
  ).filter((r) => only === null || only.has(`${r.organisation_id}|${r.contact_external_id}`));
  const motionsByOrg = new Map<string, MotionIndex>();
  for (const o of p.orgs) motionsByOrg.set(o.id, await loadMotionIndex(db, { firmId: auth.firmId, organisationIds: [o.id], now: p.now, today: p.todayOf.get(o.id)! }));
  const changes = await loadChanges(
    db,
    auth.firmId,
    p.orgs.map((o) => o.id),
  );
  const customers = groupCustomers(p, rows, motionsByOrg, changes).sort(compareWorklistCustomers);
  customers.forEach((g, i) => {
    g.rank = i + 1;
  });
  const limit = options.limit ?? 100;
  const offset = options.offset ?? 0;
  return worklistOf(p, customers.slice(offset, offset + limit), offset, limit, customers.length, rows.length);
}

/**
 * The worklist, one page: PostgreSQL ranks every customer of the organisations in one statement
 * (worklist-sql.ts: each open invoice's value with the same floating-point steps as rankValue,
 * the customers' sums, the order) and returns the page's customers; only their invoices,
 * activities and alerts are then read and grouped by the in-memory code (groupCustomers), so
 * every figure and "why here" item is the reference's by construction (decision 070).
 */
export async function getWorklist(db: Db, auth: Auth, options: WorklistOptions = {}): Promise<Worklist> {
  const p = await prelude(db, auth, options);
  const limit = options.limit ?? 100;
  const offset = options.offset ?? 0;
  const ranked = await rankWorklistPage(db, {
    firmId: auth.firmId,
    organisations: p.orgs.map((o) => ({ id: o.id, today: p.todayOf.get(o.id)!, rate: p.rateOf(o) })),
    now: p.now,
    ...(options.only ? { only: options.only } : {}),
    offset,
    limit,
  });
  const keys = ranked.page.map((c) => ({ organisationId: c.organisationId, contactExternalId: c.contactExternalId }));
  const pageOrgs = p.orgs.filter((o) => keys.some((k) => k.organisationId === o.id));
  const rows = keys.length === 0 ? [] : await loadOpenScores(db, auth.firmId, pageOrgs.map((o) => o.id), keys);
  const motionsByOrg = await loadMotionIndexes(db, {
    firmId: auth.firmId,
    organisations: pageOrgs.map((o) => ({ id: o.id, today: p.todayOf.get(o.id)! })),
    now: p.now,
    targets: { invoiceIds: rows.map((r) => r.invoice_id), contactIds: [...new Set(rows.flatMap((r) => (r.contact_id ? [r.contact_id] : [])))], contactExternalIds: [...new Set(rows.map((r) => r.contact_external_id))] },
  });
  const changes = await loadChanges(
    db,
    auth.firmId,
    pageOrgs.map((o) => o.id),
  );
  const byKey = new Map(groupCustomers(p, rows, motionsByOrg, changes).map((g) => [`${g.organisationId}|${g.contactExternalId}`, g]));
  const page = ranked.page.flatMap((c, i) => {
    const g = byKey.get(`${c.organisationId}|${c.contactExternalId}`);
    if (!g) return []; // settled between the two reads
    g.rank = offset + i + 1;
    return [g];
  });
  return worklistOf(p, page, offset, limit, ranked.totalCustomers, ranked.totalInvoices);
}

/** "Mark contacted": a 'contact.contacted' activity for a customer (optionally one invoice) on the caller's worklist. */
export async function markContacted(
  db: Db,
  auth: { firmId: string; userId: string; role: Role },
  input: { organisationId: string; contactExternalId: string; invoiceId?: string | undefined; note?: string | undefined },
  /** The process clock: the worklist reads "contacted today" against it. */
  now: Date = new Date(),
): Promise<{ id: string; at: string }> {
  const visible = await visibleOrganisations(db, auth);
  if (!visible.some((o) => o.id === input.organisationId)) throw notFound('No such organisation on your worklist.');
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name })
    .from(contacts)
    .where(and(eq(contacts.firmId, auth.firmId), eq(contacts.organisationId, input.organisationId), eq(contacts.externalId, input.contactExternalId)))
    .limit(1);
  if (input.invoiceId) {
    const found = await queryRows<{ id: string }>(
      db,
      sql`SELECT id FROM invoices WHERE id = ${input.invoiceId} AND firm_id = ${auth.firmId} AND organisation_id = ${input.organisationId} AND contact_external_id = ${input.contactExternalId}`,
    );
    if (found.length === 0) throw notFound('No such invoice for this customer.');
  }
  const id = randomUUID();
  const name = contact?.name ?? input.contactExternalId;
  const [row] = await db
    .insert(activities)
    .values({
      id,
      firmId: auth.firmId,
      organisationId: input.organisationId,
      actorUserId: auth.userId,
      actorType: 'user',
      kind: CONTACT_CONTACTED,
      contactId: contact?.id ?? null,
      invoiceId: input.invoiceId ?? null,
      summary: `Contacted ${name}${input.note ? `: ${input.note}` : ''}`,
      details: { contactExternalId: input.contactExternalId, ...(input.note ? { note: input.note } : {}) },
      createdAt: now,
    })
    .returning({ createdAt: activities.createdAt });
  return { id, at: row!.createdAt.toISOString() };
}
