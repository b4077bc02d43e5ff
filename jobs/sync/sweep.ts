/**
 * `sync.sweep` (every minute): requests again the sync runs a dead worker left `running`
 * (server/sync/resume.ts); each resumes from its cursor. Queued runs whose job may never have
 * been requested are requested again under their own job id (a no-op when the job exists).
 */
import { z } from 'zod';
import { requestQueuedRuns, resumeAbandonedRuns } from '../../server/sync/resume';
import { defineJob } from '../define';

export const SYNC_SWEEP_EVERY_MS = 60_000;

export const syncSweepJob = defineJob({
  name: 'sync.sweep',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const resumed = await resumeAbandonedRuns(ctx.db, ctx.queue, ctx.services.clock.now());
    if (resumed.length) ctx.log.warn({ runs: resumed.map((r) => r.runId) }, 'abandoned sync runs resumed');
    // Runs the nightly tick claimed whose job it may not have requested (it died in between).
    await requestQueuedRuns(ctx.db, ctx.queue, ctx.services.clock.now());
  },
});
