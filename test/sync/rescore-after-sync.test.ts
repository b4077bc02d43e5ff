/** A completed sync run is followed by a scoring run of the same organisation. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clockFrom } from '../../kernel/clock';
import { inlineQueueWith } from '../support/process';
import { requestSync } from '../../server/sync/request';
import { invoiceScores, invoices, jobEvents } from '../../server/db/schema';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from './connect-helper';

describeWith('pg', 're-scoring after each sync', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 31, companies: [{ provider: 'xero', customers: 8, invoices: 80 }] });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('scores every open invoice once the sync run has finished', { timeout: 60_000 }, async () => {
    const org = await fx.connect('xero', fx.companyIds[0]!);
    const { queue } = inlineQueueWith({ db: fx.db, factory: fx.factory, tokenKey: fx.tokenKey, clock: clockFrom(fx.now) });
    try {
      const runId = await requestSync(queue, fx.db, { organisationId: org.organisationId, kind: 'full' });
      await queue.idle(50_000);
      const scoringJobs = await fx.db.select().from(jobEvents).where(eq(jobEvents.jobId, `scoring-${org.organisationId}-${runId}`));
      expect(scoringJobs.map((j) => j.status)).toEqual(['completed']);
      const open = (await fx.db.select().from(invoices).where(eq(invoices.organisationId, org.organisationId))).filter((i) => i.status === 'authorised' && Number(i.amountDue) > 0);
      const scored = await fx.db.select().from(invoiceScores).where(eq(invoiceScores.organisationId, org.organisationId));
      expect(open.length).toBeGreaterThan(0);
      expect(new Set(scored.map((s) => s.invoiceId))).toEqual(new Set(open.map((i) => i.id)));
    } finally {
      await queue.close();
    }
  });
});
