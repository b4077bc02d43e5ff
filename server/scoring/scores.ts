/**
 * Stored scores of one organisation, for the risk and segment badges of the customer and
 * invoice lists (client/src/scoring), and collector assignments.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { memberships, organisationAssignments, users } from '../db/schema';
import { amountNumber } from '../domain/metrics';
import { toMinor } from '../../kernel/money';
import { invalidField } from '../../kernel/errors';
import type { ChangeAlert } from '../domain/scoring/change';
import { loadChanges } from './changes';
import type { ScoreReason } from './engine';
import { RUN_KIND } from './run';

export interface CustomerScoreJson {
  contactId: string | null;
  contactExternalId: string;
  name: string;
  score: number;
  segment: string;
  pLate: number;
  settledCount: number;
  openCount: number;
  priorWeight: number;
  reasons: ScoreReason[];
  change: number | null;
  previousSegment: string | null;
  /** Changing-risk alerts of the last run, with their explanations (decision 039). */
  changes: ChangeAlert[];
}

export interface InvoiceScoreJson {
  invoiceId: string;
  number: string;
  dueDate: string | null;
  customerName: string;
  contactExternalId: string;
  currency: string;
  amountDue: number;
  amountAtRisk: number;
  pLate: number;
  predictedDate: string;
  lowDate: string;
  highDate: string;
  priorWeight: number;
  reasons: ScoreReason[];
}

export async function organisationScores(db: Db, firmId: string, organisationId: string) {
  const [customers, invoices, runs, changes] = await Promise.all([
    queryRows<{
      contact_id: string | null;
      contact_external_id: string;
      score: number;
      segment: string;
      p_late: number;
      settled_count: number;
      open_count: number;
      prior_weight: number;
      reasons: ScoreReason[];
      prev_score: number | null;
      prev_segment: string | null;
      name: string | null;
    }>(
      db,
      sql`SELECT coalesce(cs.contact_id, c.id) AS contact_id, c.name, cs.contact_external_id, cs.score, cs.segment, cs.p_late, cs.settled_count, cs.open_count, cs.prior_weight, cs.reasons,
            h.score AS prev_score, h.segment AS prev_segment
          FROM customer_scores cs
          LEFT JOIN contacts c ON c.organisation_id = cs.organisation_id AND c.external_id = cs.contact_external_id
          LEFT JOIN LATERAL (
            SELECT hh.score, hh.segment FROM customer_score_history hh
            WHERE hh.organisation_id = cs.organisation_id AND hh.contact_external_id = cs.contact_external_id
              AND hh.month < (SELECT max(m.month) FROM customer_score_history m WHERE m.organisation_id = cs.organisation_id AND m.contact_external_id = cs.contact_external_id)
            ORDER BY hh.month DESC LIMIT 1
          ) h ON true
          WHERE cs.firm_id = ${firmId} AND cs.organisation_id = ${organisationId}
          ORDER BY cs.score DESC, cs.contact_external_id`,
    ),
    queryRows<{
      invoice_id: string;
      contact_external_id: string;
      currency: string;
      amount_due: string;
      amount_at_risk: string;
      p_late: number;
      predicted_date: string;
      low_date: string;
      high_date: string;
      prior_weight: number;
      reasons: ScoreReason[];
      number: string;
      due_date: string | null;
      name: string | null;
    }>(
      db,
      sql`SELECT s.invoice_id, s.contact_external_id, s.currency, s.amount_due::text AS amount_due, s.amount_at_risk::text AS amount_at_risk, s.p_late,
            s.predicted_date::text AS predicted_date, s.low_date::text AS low_date, s.high_date::text AS high_date, s.prior_weight, s.reasons,
            coalesce(nullif(i.number, ''), i.external_id) AS number, i.due_date::text AS due_date, c.name
          FROM invoice_scores s
          JOIN invoices i ON i.id = s.invoice_id
          LEFT JOIN contacts c ON c.organisation_id = s.organisation_id AND c.external_id = s.contact_external_id
          WHERE s.firm_id = ${firmId} AND s.organisation_id = ${organisationId} AND i.settled_on IS NULL
          ORDER BY s.p_late DESC, s.invoice_id`,
    ),
    queryRows<{ payload: unknown }>(db, sql`SELECT payload FROM scoring_cache WHERE firm_id = ${firmId} AND organisation_id = ${organisationId} AND kind = ${RUN_KIND}`),
    loadChanges(db, firmId, [organisationId]),
  ]);
  return {
    run: runs[0]?.payload ?? null,
    customers: customers.map(
      (c): CustomerScoreJson => ({
        contactId: c.contact_id,
        contactExternalId: c.contact_external_id,
        name: c.name ?? c.contact_external_id,
        score: c.score,
        segment: c.segment,
        pLate: c.p_late,
        settledCount: c.settled_count,
        openCount: c.open_count,
        priorWeight: c.prior_weight,
        reasons: c.reasons,
        change: c.prev_score === null ? null : c.score - c.prev_score,
        previousSegment: c.prev_segment,
        changes: changes.get(`${organisationId}|${c.contact_external_id}`) ?? [],
      }),
    ),
    invoices: invoices.map(
      (i): InvoiceScoreJson => ({
        invoiceId: i.invoice_id,
        number: i.number,
        dueDate: i.due_date,
        customerName: i.name ?? i.contact_external_id,
        contactExternalId: i.contact_external_id,
        currency: i.currency,
        amountDue: amountNumber(toMinor(i.amount_due, 2, true)),
        amountAtRisk: amountNumber(toMinor(i.amount_at_risk, 2, true)),
        pLate: i.p_late,
        predictedDate: i.predicted_date,
        lowDate: i.low_date,
        highDate: i.high_date,
        priorWeight: i.prior_weight,
        reasons: i.reasons,
      }),
    ),
  };
}

export async function listAssignments(db: Db, firmId: string) {
  const [assignments, members] = await Promise.all([
    db
      .select({ organisationId: organisationAssignments.organisationId, userId: organisationAssignments.userId })
      .from(organisationAssignments)
      .where(eq(organisationAssignments.firmId, firmId)),
    db
      .select({ id: users.id, name: users.name, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.firmId, firmId))
      .orderBy(users.name),
  ]);
  return { assignments, members };
}

/** Replace the collectors assigned to an organisation (members of the firm only). */
export async function setAssignments(db: Db, firmId: string, organisationId: string, userIds: readonly string[]): Promise<string[]> {
  const unique = [...new Set(userIds)];
  if (unique.length > 0) {
    const found = await db
      .select({ id: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.firmId, firmId), inArray(memberships.userId, unique)));
    if (found.length !== unique.length) throw invalidField('userIds', 'Everyone assigned must be a member of the firm.');
  }
  await db.transaction(async (tx) => {
    await tx.delete(organisationAssignments).where(and(eq(organisationAssignments.firmId, firmId), eq(organisationAssignments.organisationId, organisationId)));
    if (unique.length > 0) await tx.insert(organisationAssignments).values(unique.map((userId) => ({ firmId, organisationId, userId })));
  });
  return unique;
}
