/**
 * Scoring on demand stays small (issue #22): a worklist request scores inline only an
 * organisation with at most `inlineBound` open invoices; a bigger one never scored gets a
 * background run requested (the `scoring.organisation` job, one per organisation and day) and
 * comes back without its invoices, flagged as still being calculated.
 */
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { scoreOrganisationJob } from '../../jobs/scoring/job';
import { defineJob } from '../../jobs/define';
import { InlineQueue } from '../../jobs/inline-queue';
import { manualClock } from '../../kernel/clock';
import type { Database } from '../../server/db/client';
import { invoiceScores, jobEvents } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { getWorklist } from '../../server/scoring/worklist';
import { testServices } from '../support/process';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { NOW, TODAY } from './fixture';
import { seedHabits, seedOrg } from './seed';

describeWith('pg', 'scoring on demand in a worklist request', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });

  const scoreRows = async (organisationId: string) =>
    (await database.db.select({ n: sql<number>`count(*)::int` }).from(invoiceScores).where(eq(invoiceScores.organisationId, organisationId)))[0]!.n;

  async function unscoredOrganisation(name: string) {
    const { firm, user } = await createFirm(database);
    const org = await seedOrg(database.db, firm.id, name);
    const seeded = await seedHabits(
      database.db,
      firm.id,
      org.id,
      [
        { externalId: 'slow', name: 'Slow Payer Ltd', late: 25, every: 7, first: '2026-01-05' },
        { externalId: 'prompt', name: 'Prompt Payer Ltd', late: -2, every: 10, first: '2026-01-05' },
      ],
      TODAY,
      31,
    );
    const open = seeded.filter((i) => i.paidOn === null || i.paidOn > TODAY).length;
    return { auth: { firmId: firm.id, userId: user.id, role: 'admin' as const }, org, open };
  }

  it('leaves an organisation above the bound to a requested background run and says so', async () => {
    const { auth, org, open } = await unscoredOrganisation('Big Ledger Co');
    expect(open).toBeGreaterThan(5);
    // The scoring job, held until the requests below are checked (so nothing races them).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const requested: string[] = [];
    const heldScoring = defineJob({
      name: scoreOrganisationJob.name,
      schema: scoreOrganisationJob.schema,
      attempts: 1,
      async handler(payload, ctx) {
        requested.push(payload.organisationId);
        await gate;
        await scoreOrganisationJob.handler(payload, ctx);
      },
    });
    const services = testServices({ db: database.db, clock: manualClock(NOW) });
    const queue = new InlineQueue({ db: database.db, log: createLogger('silent'), definitions: [heldScoring], services: () => services });
    try {
      const first = await getWorklist(database.db, auth, { now: NOW, scoring: { queue, inlineBound: 5 } });
      expect(first.scoringPending).toEqual([{ organisationName: 'Big Ledger Co' }]);
      expect(first.totalInvoices).toBe(0);
      expect(await scoreRows(org.id)).toBe(0);
      // Asked again while the run is pending: the same job id, no second run.
      const again = await getWorklist(database.db, auth, { now: NOW, scoring: { queue, inlineBound: 5 } });
      expect(again.scoringPending).toEqual([{ organisationName: 'Big Ledger Co' }]);
      expect(await scoreRows(org.id)).toBe(0);
      release();
      await queue.idle(60_000);
      expect(requested).toEqual([org.id]);
      const events = await database.db.select({ jobId: jobEvents.jobId }).from(jobEvents).where(and(eq(jobEvents.job, 'scoring.organisation'), eq(jobEvents.status, 'completed')));
      expect(events.filter((e) => e.jobId === `scoring-${org.id}-unscored-${TODAY}`)).toHaveLength(1);
      // The background run scored it: the next request reads the stored scores.
      expect(await scoreRows(org.id)).toBe(open);
      const after = await getWorklist(database.db, auth, { now: NOW, scoring: { queue, inlineBound: 5 } });
      expect(after.scoringPending).toEqual([]);
      expect(after.totalInvoices).toBe(open);
    } finally {
      release();
      await queue.close();
    }
  });

  it('still scores a small organisation inline, in the request', async () => {
    const { auth, org, open } = await unscoredOrganisation('Small Ledger Co');
    expect(await scoreRows(org.id)).toBe(0);
    const w = await getWorklist(database.db, auth, { now: NOW });
    expect(w.scoringPending).toEqual([]);
    expect(await scoreRows(org.id)).toBe(open);
    expect(w.totalInvoices).toBe(open);
  });
});
