/**
 * Provider data-use terms (docs/decisions/016-provider-data-use.md): a firm with one Xero and one
 * QuickBooks organisation. Observed through the data only — the stored models say which
 * organisations' rows they were trained on — the Xero organisation's rows never reach a
 * training function, while its customers are still scored (by the no-fit method, marked so).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { scoringModels } from '../../server/db/schema';
import { organisationBacktest } from '../../server/scoring/backtest';
import { mayTrainOn, TrainingRows } from '../../server/scoring/data-use';
import { fitModels, NO_FIT, NOFIT_EXPLANATION, trainOn } from '../../server/scoring/engine';
import { portfolioForecast } from '../../server/scoring/forecast-load';
import { loadHistory } from '../../server/scoring/history-load';
import { loadProviders } from '../../server/scoring/models';
import { runScoring } from '../../server/scoring/run';
import { organisationScores } from '../../server/scoring/scores';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { NOW, TODAY } from './fixture';
import { type Habit, type SeededInvoice, seedHabits, seedOrg } from './seed';

const habits: Habit[] = [
  { externalId: 'late', name: 'Late Payer', late: 25, jitter: 4, every: 7, first: '2024-07-01', amount: 1500 },
  { externalId: 'prompt', name: 'Prompt Payer', late: -4, jitter: 2, every: 7, first: '2024-07-02', amount: 900 },
];

describeWith('pg', 'provider data-use terms', () => {
  let database: Database;
  let firmId: string;
  let xero: { id: string };
  let qbo: { id: string };
  let qboInvoices: SeededInvoice[];

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    firmId = (await createFirm(database)).firm.id;
    xero = await seedOrg(db, firmId, 'Xero Client', { provider: 'xero' });
    qbo = await seedOrg(db, firmId, 'QuickBooks Client', { provider: 'quickbooks' });
    await seedHabits(db, firmId, xero.id, habits, TODAY, 71);
    qboInvoices = await seedHabits(db, firmId, qbo.id, habits, TODAY, 72);
    await runScoring(db, { organisationId: xero.id, now: NOW });
    await runScoring(db, { organisationId: qbo.id, now: NOW });
  }, 120_000);

  it('fits the firm prior and own models only on rows of organisations that allow it', async () => {
    const models = await database.db.select().from(scoringModels).where(eq(scoringModels.firmId, firmId)).orderBy(scoringModels.scopeKey);
    expect(models.map((m) => m.scopeKey).sort()).toEqual(['firm', qbo.id].sort());
    const settledQbo = qboInvoices.filter((i) => i.paidOn !== null).length;
    expect(settledQbo).toBeGreaterThanOrEqual(100);
    for (const m of models) {
      expect(m.trainedOn).toEqual({ rows: settledQbo, organisations: [{ organisationId: qbo.id, rows: settledQbo }] });
      expect(JSON.stringify(m)).not.toContain(xero.id);
    }
  });

  it('scores the Xero organisation with the no-fit method, and says so', async () => {
    const { run, customers, invoices } = await organisationScores(database.db, firmId, xero.id);
    expect(run).toMatchObject({ modelScope: 'nofit', customers: 2 });
    expect(customers.map((c) => c.contactExternalId).sort()).toEqual(['late', 'prompt']);
    const c = (id: string) => customers.find((x) => x.contactExternalId === id)!;
    expect(c('late').score).toBeGreaterThan(c('prompt').score + 30);
    expect(c('late').segment).toBe('chronic_late');
    expect(c('prompt').segment).toBe('reliable');
    for (const x of customers) expect(x.reasons).toContainEqual({ code: 'nofit_method', text: NOFIT_EXPLANATION, contribution: 0 });
    expect(invoices.length).toBeGreaterThan(0);
    for (const i of invoices) {
      expect(i.pLate).toBeGreaterThan(0);
      expect(i.pLate).toBeLessThan(1);
      expect(i.lowDate > TODAY && i.lowDate <= i.predictedDate && i.predictedDate <= i.highDate).toBe(true);
      expect(i.reasons.map((r) => r.code)).toContain('nofit_method');
    }
    // The QuickBooks organisation keeps its fitted model.
    const q = await organisationScores(database.db, firmId, qbo.id);
    expect(q.run).toMatchObject({ modelScope: 'organisation' });
    expect(q.customers.every((x) => x.reasons.every((r) => r.code !== 'nofit_method'))).toBe(true);
  });

  it('backtests the Xero organisation without training anything', async () => {
    const x = await organisationBacktest(database.db, { id: xero.id, firmId, timezone: 'UTC' }, NOW);
    expect(x).toMatchObject({ available: true, method: 'nofit', nTrain: 0 });
    expect(x.available && x.model.auc).toBeGreaterThan(0.5);
    const q = await organisationBacktest(database.db, { id: qbo.id, firmId, timezone: 'UTC' }, NOW);
    expect(q).toMatchObject({ available: true, method: 'fitted' });
  });

  it('keeps Xero rows out of the forecast’s refits and the stored models', async () => {
    const p = await portfolioForecast(database.db, firmId, NOW);
    expect(p.organisations.map((o) => o.id).sort()).toEqual([xero.id, qbo.id].sort());
    expect(p.lastQuarter.weeks).toHaveLength(13);
    const models = await database.db.select({ trainedOn: scoringModels.trainedOn }).from(scoringModels).where(eq(scoringModels.firmId, firmId));
    expect(models.flatMap((m) => m.trainedOn.organisations.map((o) => o.organisationId))).not.toContain(xero.id);
  });

  it('refuses a Xero row at the training entry point', async () => {
    const history = await loadHistory(database.db, { firmId });
    const rows = TrainingRows.select(history, await loadProviders(database.db, firmId));
    expect(rows.history.length).toBeGreaterThan(0);
    expect(rows.history.every((inv) => inv.organisationId === qbo.id)).toBe(true);
    expect(fitModels(rows, xero.id, TODAY)).toBe(NO_FIT);
    const smuggled = rows.narrow((h) => [...h, history.find((inv) => inv.organisationId === xero.id)!]);
    expect(() => trainOn(smuggled, TODAY)).toThrow(/may not be used for training/);
    expect(() => trainOn({ history } as unknown as TrainingRows, TODAY)).toThrow(TypeError);
  });
});

describe('the data-use rule', () => {
  it('is decided per provider, in one place', () => {
    expect(mayTrainOn('quickbooks')).toBe(true);
    expect(mayTrainOn('xero')).toBe(false);
    expect(mayTrainOn('something-new')).toBe(false);
    expect(mayTrainOn('__proto__')).toBe(false);
  });

  it('leaves the domain training functions to the two entry points that take TrainingRows', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const allowed = new Set(['server/scoring/engine.ts', 'server/scoring/backtest.ts']);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts')) {
          const rel = relative(root, path);
          if (rel.startsWith('server/domain/scoring/') || allowed.has(rel)) continue;
          if (/\b(fitScoringModel|trainModel|runBacktest)\s*\(/.test(readFileSync(path, 'utf8'))) offenders.push(rel);
        }
      }
    };
    for (const dir of ['server', 'jobs', 'root', 'integrations']) walk(join(root, dir));
    expect(offenders).toEqual([]);
  });
});
