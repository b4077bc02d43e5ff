/**
 * `schedule.tick`, every 5 minutes: ask the nightly scheduler (server/sync/schedule.ts) for the
 * syncs that are due — each claimed with its incremental run in the database, then requested in
 * round-robin order by firm under the run's job id (docs/decisions/051).
 */
import { z } from 'zod';
import { syncJobId } from '../../server/sync/request';
import { runScheduleTick } from '../../server/sync/schedule';
import { defineJob } from '../define';

export const TICK_EVERY_MS = 5 * 60_000;

export const scheduleTick = defineJob({
  name: 'schedule.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const result = await runScheduleTick(ctx.db, (organisationId, runId) => ctx.queue.request('sync.organisation', { organisationId, kind: 'incremental', runId }, { jobId: syncJobId(runId) }), {
      now: ctx.services.clock.now(),
    });
    if (result.enqueued.length || result.scheduled) ctx.log.info({ enqueued: result.enqueued.length, scheduled: result.scheduled }, 'nightly syncs enqueued');
  },
});
