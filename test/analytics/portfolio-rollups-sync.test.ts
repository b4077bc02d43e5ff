/**
 * The rollups through real syncs (the sandbox ledgers, the sync engine and its finish step): after
 * a full sync and after each incremental sync that brings new invoices, payments, credits, edits,
 * voids, deletions and deleted payments, the finish step has left nothing marked and the rollups
 * give the one-pass SQL's figures for every period, to the cent — for both providers.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { comparePeriod } from '../../server/analytics/period';
import { queryPortfolioRollups } from '../../server/analytics/portfolio-rollups';
import { queryPortfolioFigures } from '../../server/analytics/portfolio-sql';
import { queryRows } from '../../server/db/client';
import { addDays, todayIn } from '../../kernel/dates';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { prng } from '../../server/bench/types';
import { describeWith } from '../support/services';
import { applyChange, CHANGE_KINDS } from '../sync/changes';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

let fx: SyncFixture;

describeWith('pg', 'portfolio rollups after real syncs', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 23 });
  });
  afterAll(async () => fx?.close());

  for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
    it(`${provider}: the finish step keeps the rollups equal to the one-pass SQL (4 incremental syncs)`, { timeout: 120_000 }, async () => {
      const companyId = fx.companyIds[i]!;
      const store = fx.server.sandbox.ctx.store;
      const { organisationId } = await fx.connect(provider, companyId);
      const sync = async (kind: 'full' | 'incremental') => {
        fx.advance(61_000);
        const { runId } = await createOrReuseRun(fx.db, { organisationId, kind });
        const r = await runSync(fx.engineDeps(), { runId });
        expect(r.status).toBe('succeeded');
      };
      const check = async (label: string) => {
        expect(await queryRows(fx.db, sql`SELECT from_day FROM portfolio_rollup_pending WHERE organisation_id = ${organisationId}`), label).toEqual([]);
        const today = todayIn('UTC', new Date(fx.now()));
        const periods = [0, 45, 200, 400].map((back) => ({ from: addDays(today, -back - 89), to: addDays(today, -back) }));
        periods.push({ from: addDays(today, -729), to: today });
        let seen = 0;
        for (const period of periods) {
          const compare = comparePeriod(period);
          const want = (await queryPortfolioFigures(fx.db, { firmId: fx.firmId, period, compare })).find((f) => f.organisationId === organisationId);
          const got = (await queryPortfolioRollups(fx.db, { firmId: fx.firmId, period, compare })).find((f) => f.organisationId === organisationId);
          if (want) {
            seen += want.current.arEnd + want.current.creditSales > 0 ? 1 : 0;
            expect(got, `${label} ${period.from}..${period.to}`).toEqual(want);
          } else expect([got?.current.arEnd ?? 0, got?.current.creditSales ?? 0, got?.compare.arEnd ?? 0, got?.compare.creditSales ?? 0]).toEqual([0, 0, 0, 0]);
        }
        expect(seen, label).toBeGreaterThan(0);
      };
      await sync('full');
      await check('after the full sync');
      const rand = prng(900 + i);
      for (let round = 0; round < 4; round++) {
        for (let k = 0; k < 6; k++) applyChange(store, companyId, { kind: CHANGE_KINDS[Math.floor(rand() * CHANGE_KINDS.length)]!, pick: Math.floor(rand() * 10_000), cents: Math.floor(rand() * 100) });
        await sync('incremental');
        await check(`after incremental sync ${round + 1}`);
      }
    });
  }
});
