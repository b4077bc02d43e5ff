/**
 * The sync job on BullMQ (Redis) exactly as the worker runs it: requestSync enqueues with a job
 * id BullMQ accepts, a 429 becomes a delayed job (Retry-After honoured, no attempt spent), and
 * the run completes.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BullQueue } from '../../jobs/bullmq-queue';
import type { JobDefinition } from '../../jobs/define';
import { clockFrom } from '../../kernel/clock';
import type { Services } from '../../server/services';
import { testServices } from '../support/process';
import { syncOrganisationJob } from '../../jobs/sync/job';
import { requestSync } from '../../server/sync/request';
import { syncRuns } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { describeWith, services } from '../support/services';
import { type SyncFixture, startSyncFixture } from './connect-helper';
import { compareWithLedger } from './ledger-compare';

let fx: SyncFixture;
let queue: BullQueue;

describeWith(['pg', 'redis'], 'sync job on BullMQ', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5, companies: [{ provider: 'xero', customers: 8, invoices: 40 }] });
    let svc: Services | null = null;
    queue = new BullQueue({ db: fx.db, log: createLogger('silent'), redisUrl: services.redisUrl, definitions: [syncOrganisationJob as JobDefinition<unknown>], services: () => svc! }, `arcus-sync-test-${randomUUID()}`);
    svc = testServices({ db: fx.db, queue, factory: fx.factory, tokenKey: fx.tokenKey, clock: clockFrom(fx.now) });
    queue.startWorker(2);
  });
  afterAll(async () => {
    await queue?.queue.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await fx?.close();
  });

  it('requestSync → 429 → delayed retry → succeeded, equal to the ledger', { timeout: 30_000 }, async () => {
    const companyId = fx.companyIds[0]!;
    const org = await fx.connect('xero', companyId);
    fx.server.sandbox.ctx.faults.add({ provider: 'xero', companyId, kind: '429', remaining: 1, delayMs: 3_000, status: 429 });
    const runId = await requestSync(queue, fx.db, { organisationId: org.organisationId, kind: 'full' });
    expect(await requestSync(queue, fx.db, { organisationId: org.organisationId, kind: 'incremental' })).toBe(runId);
    const until = Date.now() + 25_000;
    let status = '';
    while (Date.now() < until) {
      const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
      status = run!.status;
      if (status === 'succeeded' || status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('succeeded');
    const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
    expect((run!.errors as { code: string }[]).map((e) => e.code)).toEqual(['rate_limited']);
    expect(await compareWithLedger(fx.db, fx.server.sandbox.ctx.store, { organisationId: org.organisationId, companyId })).toEqual([]);
  });
});
