/**
 * Fitted models kept in `scoring_models` (the pure model's JSON), one per firm ('firm') and
 * one per organisation with enough history (its id). A stored model is reused while what it
 * was fitted on is unchanged (the fingerprint of the settled history); a large firm model
 * (≥ LARGE_FIRM_TRAIN rows) is refitted at most once a day, since every organisation's sync
 * changes the pooled history.
 *
 * Provider terms (data-use.ts, docs/decisions/016): models are fitted only on `TrainingRows`
 * — the firm model on the rows of organisations that allow it, never a Xero organisation's —
 * and each stored model says in `trained_on` which organisations' rows it received. A Xero
 * organisation gets no model (NO_FIT) and any model stored under its id is deleted.
 */
import { and, eq } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import type { Db } from '../db/client';
import { organisations, scoringModels } from '../db/schema';
import type { ScoringModel } from '../domain/scoring';
import { type LedgerProvider, TrainingRows } from './data-use';
import { FIRM_MAX_TRAIN_ROWS, type FittedModels, NO_FIT, ORG_MIN_SETTLED, type ScoringModels, settledCount, trainOn } from './engine';
import { fingerprintOf, type HistoryInvoice } from './history';

/** Organisation id → provider, for a firm. */
export async function loadProviders(db: Db, firmId: string): Promise<Map<string, LedgerProvider>> {
  const rows = await db.select({ id: organisations.id, provider: organisations.provider }).from(organisations).where(eq(organisations.firmId, firmId));
  return new Map(rows.map((r) => [r.id, r.provider]));
}

/** The firm's history (as known at a day) narrowed to what may train a model. */
export async function trainingRowsOf(db: Db, firmId: string, firmHistory: readonly HistoryInvoice[]): Promise<TrainingRows> {
  return TrainingRows.select(firmHistory, await loadProviders(db, firmId));
}

export const LARGE_FIRM_TRAIN = 20_000;
/**
 * Part of a stored model's fingerprint: a change to the method (features, columns, calibration,
 * band) bumps it, so models stored by the earlier method are refitted once (decisions 057, 066, 072).
 */
export const MODEL_REVISION = 'm072';
export const FIRM_SCOPE = 'firm';

async function cachedModel(
  db: Db,
  params: { firmId: string; scopeKey: string; day: CalendarDate; rows: TrainingRows; maxTrainRows?: number; refitDaily?: boolean },
): Promise<ScoringModel | null> {
  const { firmId, scopeKey, day, rows: training } = params;
  const fingerprint = `${MODEL_REVISION}:${fingerprintOf(training.history, day)}`;
  const rows = await db
    .select({ fingerprint: scoringModels.fingerprint, fittedOn: scoringModels.fittedOn, nTrain: scoringModels.nTrain, model: scoringModels.model })
    .from(scoringModels)
    .where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, scopeKey)))
    .limit(1);
  const stored = rows[0];
  if (stored && (stored.fingerprint === fingerprint || (params.refitDaily && stored.fittedOn === day && stored.nTrain >= LARGE_FIRM_TRAIN))) {
    return stored.model as ScoringModel;
  }
  const trained = trainOn(training, day, params.maxTrainRows);
  if (!trained) {
    if (stored) await db.delete(scoringModels).where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, scopeKey)));
    return null;
  }
  const { model, trainedOn } = trained;
  const values = { firmId, scopeKey, fittedOn: day, fingerprint, nTrain: model.nTrain, model, trainedOn };
  await db
    .insert(scoringModels)
    .values(values)
    .onConflictDoUpdate({ target: [scoringModels.firmId, scoringModels.scopeKey], set: { fittedOn: day, fingerprint, nTrain: model.nTrain, model, trainedOn, createdAt: new Date() } });
  return model;
}

/**
 * How one organisation is scored: NO_FIT when its provider may not be trained on; otherwise
 * its model (when it has ORG_MIN_SETTLED settled invoices) and the firm's, from the store or
 * fitted now on `rows`. `rows` = `trainingRowsOf` the firm history.
 */
export async function modelsFor(db: Db, params: { firmId: string; organisationId: string; day: CalendarDate; rows: TrainingRows }): Promise<ScoringModels> {
  const { firmId, organisationId, day, rows } = params;
  if (!rows.allows(organisationId)) {
    await db.delete(scoringModels).where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, organisationId)));
    return NO_FIT;
  }
  const ownRows = rows.only(organisationId);
  const own = settledCount(ownRows.history, day) >= ORG_MIN_SETTLED;
  const organisation = own ? await cachedModel(db, { firmId, scopeKey: organisationId, day, rows: ownRows }) : null;
  if (!own) await db.delete(scoringModels).where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, organisationId)));
  const firm = await cachedModel(db, { firmId, scopeKey: FIRM_SCOPE, day, rows, maxTrainRows: FIRM_MAX_TRAIN_ROWS, refitDaily: true });
  const models: FittedModels = { organisation, firm };
  return models;
}
