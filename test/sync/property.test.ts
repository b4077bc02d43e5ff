/**
 * The property: whatever changes happen in the ledger (new invoices, part payments, credit
 * allocations, edits, voids, deletions, new and renamed contacts, deleted payments; on Xero also
 * prepayments, overpayments, batch payments and voided prepayments), after the next incremental
 * sync Arcus's tables equal the ledger, document by document and to the cent, and the balance
 * invariant holds (server/sync/balance-invariant.ts) — for both providers. fast-check drives the changes; the ledger keeps evolving across runs, so
 * shrinking is off (a stateful system) and a failure reports the changes that led to it.
 */

import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { organisations } from '../../server/db/schema';
import { checkOrganisationBalances } from '../../server/sync/balance-check';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { applyChange, CHANGE_KINDS, type Change } from './changes';
import { type SyncFixture, startSyncFixture } from './connect-helper';
import { compareWithLedger } from './ledger-compare';

let fx: SyncFixture;

const changeArb: fc.Arbitrary<Change> = fc.record({
  kind: fc.constantFrom(...CHANGE_KINDS),
  pick: fc.nat({ max: 10_000 }),
  cents: fc.integer({ min: 0, max: 99 }),
});

describeWith('pg', 'property: incremental sync keeps Arcus equal to the ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 11 });
  });
  afterAll(async () => fx?.close());

  for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
    it(`${provider}: random changes, then an incremental sync, equal the ledger (8 runs × ≤ 6 changes)`, { timeout: 120_000 }, async () => {
      const companyId = fx.companyIds[i]!;
      const store = fx.server.sandbox.ctx.store;
      const { organisationId } = await fx.connect(provider, companyId);
      const sync = async (kind: 'full' | 'incremental') => {
        fx.advance(61_000);
        const { runId } = await createOrReuseRun(fx.db, { organisationId, kind });
        return runSync(fx.engineDeps(), { runId });
      };
      const [org] = await fx.db.select({ firmId: organisations.firmId }).from(organisations).where(eq(organisations.id, organisationId));
      // The balance invariant: every invoice's ledger balance is explained by the settlements Arcus counts.
      const unexplained = async () => (await checkOrganisationBalances(fx.db, { firmId: org!.firmId, organisationId })).unexplained.map((v) => v.message);
      await sync('full');
      expect(await compareWithLedger(fx.db, store, { organisationId, companyId })).toEqual([]);
      expect(await unexplained()).toEqual([]);
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 6 }), async (changes) => {
          runs++;
          const applied = changes.map((c) => applyChange(store, companyId, c)).filter((x): x is string => x !== null);
          const r = await sync('incremental');
          expect(r.status).toBe('succeeded');
          const differences = [...(await compareWithLedger(fx.db, store, { organisationId, companyId })), ...(await unexplained())];
          if (differences.length) throw new Error(`after ${applied.join('; ')}:\n${differences.slice(0, 10).join('\n')}`);
        }),
        { numRuns: 8, endOnFailure: true, seed: (Number(process.env.SYNC_PROPERTY_SEED) || 20_260_101) + i },
      );
      expect(runs).toBe(8);
    });
  }
});
