/**
 * One scoring run for an organisation: load the firm's history (one query), take the models
 * from the store or fit them, score every open invoice and customer as of today in the
 * organisation's time zone, and write the results in bulk — multi-row upserts, then removal of
 * rows this run did not write — inside one transaction holding a per-organisation advisory
 * lock, so re-running is idempotent and concurrent runs never interleave.
 */
import { and, eq, isNull, lt, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customerScoreHistory, customerScores, invoiceScores, invoices, organisations, scoringCache } from '../db/schema';
import type { QueuePort } from '../queue';
import { requestScoring } from './request';
import { addDays, type CalendarDate, startOfMonth, todayIn } from '../../kernel/dates';
import { fromMinor } from '../../kernel/money';
import { organisationChanges, storeChanges } from './changes';
import { type CustomerScore, type OrganisationScores, scoreOrganisation } from './engine';
import { asKnownAt, type HistoryInvoice } from './history';
import { loadHistory } from './history-load';
import { modelsFor, trainingRowsOf } from './models';

const CHUNK = 500;
export const RUN_KIND = 'run';

export interface RunSummary {
  organisationId: string;
  day: CalendarDate;
  scoredAt: string;
  modelScope: OrganisationScores['modelScope'];
  invoices: number;
  customers: number;
  ms: number;
}

export interface OrganisationRef {
  id: string;
  firmId: string;
  timezone: string;
}

export async function organisationRef(db: Db, organisationId: string, firmId?: string): Promise<OrganisationRef | null> {
  const rows = await db
    .select({ id: organisations.id, firmId: organisations.firmId, timezone: organisations.timezone })
    .from(organisations)
    .where(firmId ? and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)) : eq(organisations.id, organisationId))
    .limit(1);
  return rows[0] ?? null;
}

/** The firm's history as known at the end of `day`, and the organisation's part of it. */
export async function historiesAt(db: Db, org: OrganisationRef, day: CalendarDate): Promise<{ firmHistory: HistoryInvoice[]; orgHistory: HistoryInvoice[] }> {
  const firmHistory = asKnownAt(await loadHistory(db, { firmId: org.firmId }), day);
  return { firmHistory, orgHistory: firmHistory.filter((inv) => inv.organisationId === org.id) };
}

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** Score one organisation now (or as of `now`) and store the results. Null when it does not exist. */
export async function runScoring(db: Db, params: { organisationId: string; firmId?: string; now?: Date }): Promise<RunSummary | null> {
  const started = Date.now();
  const org = await organisationRef(db, params.organisationId, params.firmId);
  if (!org) return null;
  const now = params.now ?? new Date();
  const day = todayIn(org.timezone, now);
  const { firmHistory: allHistory, orgHistory } = await historiesAt(db, org, day);
  // Only rows of organisations whose provider allows it reach a model or the firm prior (data-use.ts).
  const rows = await trainingRowsOf(db, org.firmId, allHistory);
  const firmHistory = rows.history;
  const models = await modelsFor(db, { firmId: org.firmId, organisationId: org.id, day, rows });
  const scores = scoreOrganisation({ organisationId: org.id, orgHistory, firmHistory, models, day });
  // Changing-risk alerts from each customer's own history (decision 039; nothing fitted).
  const changes = await organisationChanges(db, org, orgHistory, day);

  const month = startOfMonth(day);
  const previousDay = addDays(month, -1);
  const scoredAt = new Date(Math.floor(now.getTime()));
  const summary: RunSummary = {
    organisationId: org.id,
    day,
    scoredAt: scoredAt.toISOString(),
    modelScope: scores.modelScope,
    invoices: scores.invoices.length,
    customers: scores.customers.length,
    ms: 0,
  };

  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`arcus.scoring:${org.id}`}))`);
    for (const part of chunks(scores.invoices)) {
      await tx
        .insert(invoiceScores)
        .values(
          part.map((s) => ({
            invoiceId: s.invoice.id,
            firmId: org.firmId,
            organisationId: org.id,
            contactExternalId: s.invoice.contactExternalId,
            currency: s.invoice.currency,
            amountDue: fromMinor(s.balance),
            amountDueBase: fromMinor(s.balanceBase),
            pLate: s.pLate,
            predictedDate: s.predictedDate,
            lowDate: s.lowDate,
            highDate: s.highDate,
            amountAtRisk: fromMinor(s.amountAtRisk),
            payQuantiles: s.payQuantiles,
            priorWeight: s.priorWeight,
            reasons: s.reasons,
            scoredOn: day,
            scoredAt,
          })),
        )
        .onConflictDoUpdate({
          target: invoiceScores.invoiceId,
          set: {
            contactExternalId: sql`excluded.contact_external_id`,
            currency: sql`excluded.currency`,
            amountDue: sql`excluded.amount_due`,
            amountDueBase: sql`excluded.amount_due_base`,
            pLate: sql`excluded.p_late`,
            predictedDate: sql`excluded.predicted_date`,
            lowDate: sql`excluded.low_date`,
            highDate: sql`excluded.high_date`,
            amountAtRisk: sql`excluded.amount_at_risk`,
            payQuantiles: sql`excluded.pay_quantiles`,
            priorWeight: sql`excluded.prior_weight`,
            reasons: sql`excluded.reasons`,
            scoredOn: sql`excluded.scored_on`,
            scoredAt: sql`excluded.scored_at`,
          },
        });
    }
    await tx.delete(invoiceScores).where(and(eq(invoiceScores.organisationId, org.id), ne(invoiceScores.scoredAt, scoredAt)));

    for (const part of chunks(scores.customers)) {
      await tx
        .insert(customerScores)
        .values(part.map((c) => customerValues(org, c, scoredAt)))
        .onConflictDoUpdate({
          target: [customerScores.organisationId, customerScores.contactExternalId],
          set: {
            contactId: sql`excluded.contact_id`,
            score: sql`excluded.score`,
            segment: sql`excluded.segment`,
            pLate: sql`excluded.p_late`,
            settledCount: sql`excluded.settled_count`,
            openCount: sql`excluded.open_count`,
            priorWeight: sql`excluded.prior_weight`,
            reasons: sql`excluded.reasons`,
            scoredAt: sql`excluded.scored_at`,
          },
        });
      await tx
        .insert(customerScoreHistory)
        .values(part.map((c) => ({ firmId: org.firmId, organisationId: org.id, contactExternalId: c.contactExternalId, month, score: c.score, segment: c.segment, recordedAt: scoredAt })))
        .onConflictDoUpdate({
          target: [customerScoreHistory.organisationId, customerScoreHistory.contactExternalId, customerScoreHistory.month],
          set: { score: sql`excluded.score`, segment: sql`excluded.segment`, recordedAt: sql`excluded.recorded_at` },
        });
    }
    await tx.delete(customerScores).where(and(eq(customerScores.organisationId, org.id), ne(customerScores.scoredAt, scoredAt)));

    // The first run of an organisation also records last month's scores as they would have
    // been then (history known at the end of last month), so "change since last month" has a
    // starting point.
    const earlier = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(customerScoreHistory)
      .where(and(eq(customerScoreHistory.organisationId, org.id), lt(customerScoreHistory.month, month)));
    if ((earlier[0]?.n ?? 0) === 0) {
      const before = scoreOrganisation({ organisationId: org.id, orgHistory: asKnownAt(orgHistory, previousDay), firmHistory: asKnownAt(firmHistory, previousDay), models, day: previousDay });
      for (const part of chunks(before.customers)) {
        await tx
          .insert(customerScoreHistory)
          .values(part.map((c) => ({ firmId: org.firmId, organisationId: org.id, contactExternalId: c.contactExternalId, month: startOfMonth(previousDay), score: c.score, segment: c.segment, recordedAt: scoredAt })))
          .onConflictDoNothing();
      }
    }

    await storeChanges(tx as unknown as Db, org, changes, scoredAt);
    summary.ms = Date.now() - started;
    await tx
      .insert(scoringCache)
      .values({ firmId: org.firmId, organisationId: org.id, kind: RUN_KIND, asOf: day, fingerprint: summary.scoredAt, payload: summary, computedAt: scoredAt })
      .onConflictDoUpdate({ target: [scoringCache.organisationId, scoringCache.kind], set: { asOf: day, fingerprint: summary.scoredAt, payload: summary, computedAt: scoredAt } });
  });
  return summary;
}

function customerValues(org: OrganisationRef, c: CustomerScore, scoredAt: Date) {
  return {
    firmId: org.firmId,
    organisationId: org.id,
    contactId: c.contactId,
    contactExternalId: c.contactExternalId,
    score: c.score,
    segment: c.segment,
    pLate: c.pLate,
    settledCount: c.settledCount,
    openCount: c.openCount,
    priorWeight: c.priorWeight,
    reasons: c.reasons,
    scoredAt,
  };
}

/** Organisations (of the given ones) that have never been scored. */
export async function unscored(db: Db, firmId: string, organisationIds: readonly string[]): Promise<string[]> {
  if (organisationIds.length === 0) return [];
  const rows = await db
    .select({ id: scoringCache.organisationId })
    .from(scoringCache)
    .where(and(eq(scoringCache.firmId, firmId), eq(scoringCache.kind, RUN_KIND)));
  const done = new Set(rows.map((r) => r.id));
  return organisationIds.filter((id) => !done.has(id));
}

/**
 * Web requests score inline only organisations with at most this many open invoices (issue #22:
 * no request computes over a whole ledger on the event loop). Bigger ones are left to the worker.
 */
export const INLINE_SCORING_BOUND = 2000;

export interface OnDemandScoring {
  /** Where a bigger organisation's run is requested (the worker's queue; inline in demo mode). */
  queue?: QueuePort;
  /** Open-invoice count up to which an organisation is scored inline (default INLINE_SCORING_BOUND). */
  inlineBound?: number;
}

async function openInvoiceCount(db: Db, firmId: string, organisationId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, organisationId), isNull(invoices.settledOn), notInArray(invoices.status, ['draft', 'submitted', 'voided', 'deleted'])));
  return rows[0]?.n ?? 0;
}

/**
 * Score on demand: every given organisation without scores yet, one after another — but only
 * small ones (one COUNT each decides). A bigger one gets a background run requested (one per
 * organisation and day: the job id dedupes repeated requests) and is returned as still pending;
 * the caller goes on without its scores and says so.
 */
export async function ensureScored(db: Db, firmId: string, organisationIds: readonly string[], now?: Date, onDemand: OnDemandScoring = {}): Promise<string[]> {
  const bound = onDemand.inlineBound ?? INLINE_SCORING_BOUND;
  const pending: string[] = [];
  for (const id of await unscored(db, firmId, organisationIds)) {
    if ((await openInvoiceCount(db, firmId, id)) <= bound) {
      await runScoring(db, { organisationId: id, firmId, ...(now ? { now } : {}) });
      continue;
    }
    pending.push(id);
    if (onDemand.queue) await requestScoring(onDemand.queue, id, { key: `unscored-${todayIn('UTC', now ?? new Date())}` });
  }
  return pending;
}
