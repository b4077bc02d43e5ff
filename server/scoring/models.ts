/**
 * Fitted models kept in `scoring_models` (the pure model's JSON), one per firm ('firm') and
 * one per organisation with enough history (its id). A stored model is reused while what it
 * was fitted on is unchanged (the fingerprint of the settled history); a large firm model
 * (≥ LARGE_FIRM_TRAIN rows) is refitted at most once a day, since every organisation's sync
 * changes the pooled history.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { scoringModels } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
import type { ScoringModel } from '../domain/scoring';
import { FIRM_MAX_TRAIN_ROWS, type FittedModels, fitModel, ORG_MIN_SETTLED, settledCount } from './engine';
import { fingerprintOf, type HistoryInvoice } from './history';

export const LARGE_FIRM_TRAIN = 20_000;
export const FIRM_SCOPE = 'firm';

async function cachedModel(
  db: Db,
  params: { firmId: string; scopeKey: string; day: CalendarDate; history: readonly HistoryInvoice[]; maxTrainRows?: number; refitDaily?: boolean },
): Promise<ScoringModel | null> {
  const { firmId, scopeKey, day, history } = params;
  const fingerprint = fingerprintOf(history, day);
  const rows = await db
    .select({ fingerprint: scoringModels.fingerprint, fittedOn: scoringModels.fittedOn, nTrain: scoringModels.nTrain, model: scoringModels.model })
    .from(scoringModels)
    .where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, scopeKey)))
    .limit(1);
  const stored = rows[0];
  if (stored && (stored.fingerprint === fingerprint || (params.refitDaily && stored.fittedOn === day && stored.nTrain >= LARGE_FIRM_TRAIN))) {
    return stored.model as ScoringModel;
  }
  const model = fitModel(history, day, params.maxTrainRows);
  if (!model) {
    if (stored) await db.delete(scoringModels).where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, scopeKey)));
    return null;
  }
  const values = { firmId, scopeKey, fittedOn: day, fingerprint, nTrain: model.nTrain, model };
  await db
    .insert(scoringModels)
    .values(values)
    .onConflictDoUpdate({ target: [scoringModels.firmId, scoringModels.scopeKey], set: { fittedOn: day, fingerprint, nTrain: model.nTrain, model, createdAt: new Date() } });
  return model;
}

/** The organisation's model (when it has ORG_MIN_SETTLED settled invoices) and the firm's, from the store or fitted now. */
export async function modelsFor(
  db: Db,
  params: { firmId: string; organisationId: string; day: CalendarDate; orgHistory: readonly HistoryInvoice[]; firmHistory: readonly HistoryInvoice[] },
): Promise<FittedModels> {
  const { firmId, organisationId, day } = params;
  const own = settledCount(params.orgHistory, day) >= ORG_MIN_SETTLED;
  const organisation = own ? await cachedModel(db, { firmId, scopeKey: organisationId, day, history: params.orgHistory }) : null;
  if (!own) await db.delete(scoringModels).where(and(eq(scoringModels.firmId, firmId), eq(scoringModels.scopeKey, organisationId)));
  const firm = await cachedModel(db, { firmId, scopeKey: FIRM_SCOPE, day, history: params.firmHistory, maxTrainRows: FIRM_MAX_TRAIN_ROWS, refitDaily: true });
  return { organisation, firm };
}
