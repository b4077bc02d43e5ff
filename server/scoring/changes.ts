/**
 * Changing-risk alerts per organisation (decision 039): computed at scoring time from each
 * customer's own history (server/domain/scoring/change.ts — a test on their own invoices, no
 * fitting), their promises (`promise.recorded` activities) and the addresses the replies feature
 * marked bounced, and kept in `scoring_cache` (kind `changes`) with the run, so the worklist, My
 * work and the customer page read them without recomputing.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { scoringCache } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
import { type ChangeAlert, type ChangePromise, detectChanges } from '../domain/scoring/change';
import type { HistoryInvoice } from './history';
import { PROMISE_RECORDED } from './in-motion';

export const CHANGES_KIND = 'changes';

export interface CustomerChanges {
  contactExternalId: string;
  alerts: ChangeAlert[];
}

export interface OrganisationChanges {
  day: CalendarDate;
  customers: CustomerChanges[];
}

/** Promises and bounces of an organisation's customers, by contact external id. */
async function loadSignals(db: Db, org: { id: string; firmId: string; timezone: string }): Promise<{ promises: Map<string, ChangePromise[]>; bounced: Map<string, CalendarDate[]> }> {
  const promiseRows = await queryRows<{ ext: string | null; invoice_id: string | null; recorded_on: string; promised: string }>(
    db,
    sql`SELECT coalesce(c.external_id, a.details->>'contactExternalId', i.contact_external_id) AS ext, a.invoice_id,
          to_char((a.created_at AT TIME ZONE ${org.timezone})::date, 'YYYY-MM-DD') AS recorded_on, a.details->>'promisedDate' AS promised
        FROM activities a
        LEFT JOIN contacts c ON c.id = a.contact_id
        LEFT JOIN invoices i ON i.id = a.invoice_id
        WHERE a.firm_id = ${org.firmId} AND a.organisation_id = ${org.id} AND a.kind = ${PROMISE_RECORDED}
          AND a.details->>'promisedDate' ~ '^\\d{4}-\\d{2}-\\d{2}$'`,
  );
  const promises = new Map<string, ChangePromise[]>();
  for (const r of promiseRows) {
    if (!r.ext) continue;
    promises.set(r.ext, [...(promises.get(r.ext) ?? []), { recordedOn: r.recorded_on, promisedDate: r.promised, invoiceId: r.invoice_id }]);
  }
  // Bounced addresses are recorded by the replies feature (server/replies/receive.ts), lower-cased.
  const bounceRows = await queryRows<{ ext: string; on: string }>(
    db,
    sql`SELECT c.external_id AS ext, to_char((b.bounced_at AT TIME ZONE ${org.timezone})::date, 'YYYY-MM-DD') AS on
        FROM bounced_addresses b
        JOIN contacts c ON c.firm_id = b.firm_id AND c.organisation_id = b.organisation_id
        WHERE b.firm_id = ${org.firmId} AND b.organisation_id = ${org.id}
          AND jsonb_typeof(c.emails) = 'array'
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(c.emails) e WHERE lower(trim(e->>'address')) = b.address)`,
  );
  const bounced = new Map<string, CalendarDate[]>();
  for (const r of bounceRows) bounced.set(r.ext, [...(bounced.get(r.ext) ?? []), r.on]);
  return { promises, bounced };
}

/** Every customer of the organisation with at least one alert as of `day` (history as known then). */
export async function organisationChanges(db: Db, org: { id: string; firmId: string; timezone: string }, orgHistory: readonly HistoryInvoice[], day: CalendarDate): Promise<OrganisationChanges> {
  const { promises, bounced } = await loadSignals(db, org);
  const byCustomer = new Map<string, HistoryInvoice[]>();
  for (const inv of orgHistory) {
    const list = byCustomer.get(inv.contactExternalId);
    if (list) list.push(inv);
    else byCustomer.set(inv.contactExternalId, [inv]);
  }
  const customers: CustomerChanges[] = [];
  for (const [ext, invoices] of byCustomer) {
    const alerts = detectChanges({ invoices, promises: promises.get(ext) ?? [], bouncedOn: bounced.get(ext) ?? [] }, day);
    if (alerts.length > 0) customers.push({ contactExternalId: ext, alerts });
  }
  customers.sort((a, b) => a.contactExternalId.localeCompare(b.contactExternalId));
  return { day, customers };
}

/** Keep the run's alerts (in the scoring run's transaction). */
export async function storeChanges(db: Db, org: { id: string; firmId: string }, changes: OrganisationChanges, at: Date): Promise<void> {
  await db
    .insert(scoringCache)
    .values({ firmId: org.firmId, organisationId: org.id, kind: CHANGES_KIND, asOf: changes.day, fingerprint: at.toISOString(), payload: changes, computedAt: at })
    .onConflictDoUpdate({ target: [scoringCache.organisationId, scoringCache.kind], set: { asOf: changes.day, fingerprint: at.toISOString(), payload: changes, computedAt: at } });
}

/** The last run's alerts of the given organisations, keyed `organisationId|contactExternalId`. */
export async function loadChanges(db: Db, firmId: string, organisationIds: readonly string[]): Promise<Map<string, ChangeAlert[]>> {
  const out = new Map<string, ChangeAlert[]>();
  if (organisationIds.length === 0) return out;
  const rows = await db
    .select({ organisationId: scoringCache.organisationId, payload: scoringCache.payload })
    .from(scoringCache)
    .where(and(eq(scoringCache.firmId, firmId), eq(scoringCache.kind, CHANGES_KIND), inArray(scoringCache.organisationId, [...organisationIds])));
  for (const r of rows) for (const c of (r.payload as OrganisationChanges).customers ?? []) out.set(`${r.organisationId}|${c.contactExternalId}`, c.alerts);
  return out;
}

/** A "Changed behaviour" item of My work: one of the person's customers with its alerts. */
export interface ChangedBehaviourItem {
  organisationId: string;
  organisationName: string;
  contactId: string | null;
  contactExternalId: string;
  customerName: string;
  alerts: ChangeAlert[];
}

/** The given customers (a person's assigned ones) that have alerts, the most recent change first. */
export async function changedBehaviourOf(db: Db, firmId: string, customers: readonly { organisationId: string; contactExternalId: string }[]): Promise<ChangedBehaviourItem[]> {
  const orgIds = [...new Set(customers.map((c) => c.organisationId))];
  const changes = await loadChanges(db, firmId, orgIds);
  const mine = customers.filter((c) => changes.has(`${c.organisationId}|${c.contactExternalId}`));
  if (mine.length === 0) return [];
  const names = await queryRows<{ organisation_id: string; org_name: string; external_id: string; id: string | null; name: string | null }>(
    db,
    sql`SELECT o.id AS organisation_id, o.name AS org_name, c.external_id, c.id, c.name
        FROM organisations o LEFT JOIN contacts c ON c.organisation_id = o.id AND c.firm_id = o.firm_id
          AND c.external_id IN (${sql.join(
            [...new Set(mine.map((c) => c.contactExternalId))].map((e) => sql`${e}`),
            sql`, `,
          )})
        WHERE o.firm_id = ${firmId} AND o.id IN (${sql.join(
          orgIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
  );
  const orgName = new Map(names.map((r) => [r.organisation_id, r.org_name]));
  const contact = new Map(names.filter((r) => r.external_id !== null).map((r) => [`${r.organisation_id}|${r.external_id}`, r]));
  const latest = (alerts: ChangeAlert[]) => alerts.reduce((m, a) => (a.on > m ? a.on : m), '');
  return mine
    .map((c) => {
      const key = `${c.organisationId}|${c.contactExternalId}`;
      const k = contact.get(key);
      return { organisationId: c.organisationId, organisationName: orgName.get(c.organisationId) ?? '', contactId: k?.id ?? null, contactExternalId: c.contactExternalId, customerName: k?.name ?? c.contactExternalId, alerts: changes.get(key)! };
    })
    .sort((a, b) => latest(b.alerts).localeCompare(latest(a.alerts)) || a.customerName.localeCompare(b.customerName));
}
