/**
 * `sync.sweep` (server/sync/resume.ts): a run left `running` by workers that died past BullMQ's
 * stall limit is requested again — under a job id carrying its last heartbeat, so two sweeps that
 * see the same dead heartbeat make one job and a later death makes a new one — while a run with a
 * fresh heartbeat is left to its worker.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { organisations, syncRuns } from '../../server/db/schema';
import type { EnqueueOptions, JobName, JobPayloads, QueuePort } from '../../server/queue';
import { abandonedRuns, resumeAbandonedRuns, resumeJobId } from '../../server/sync/resume';
import { createOrReuseRun, STALE_RUN_MS } from '../../server/sync/runs';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

/** A queue that only records what was asked of it (the run itself is in the real database). */
function recordingQueue() {
  const asked: { name: JobName; payload: unknown; jobId: string | undefined }[] = [];
  const ids = new Set<string>();
  const queue: QueuePort = {
    kind: 'inline',
    async request<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions) {
      // Like BullMQ: an id it already holds is not added again.
      if (options?.jobId && ids.has(options.jobId)) return options.jobId;
      if (options?.jobId) ids.add(options.jobId);
      asked.push({ name, payload, jobId: options?.jobId });
      return options?.jobId ?? randomUUID();
    },
  };
  return { queue, asked };
}

describeWith('pg', 'sync sweep: abandoned runs resume', () => {
  let database: Database;
  let firmId: string;
  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
  }, 60_000);

  async function runningRun(heartbeatAt: Date | null) {
    const [org] = await database.db
      .insert(organisations)
      .values({ firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: 'Sweep Ltd', baseCurrency: 'GBP', timezone: 'Europe/London' })
      .returning();
    const { runId } = await createOrReuseRun(database.db, { organisationId: org!.id, kind: 'full' });
    const cursor = { start: {}, done: ['contacts'], positions: { invoices: { since: '2026-01-01T00:00:00Z', inclusive: false } }, highWater: {}, reconcile: true, heartbeatAt: heartbeatAt?.toISOString() };
    await database.db
      .update(syncRuns)
      .set({ status: 'running', startedAt: new Date((heartbeatAt ?? new Date()).getTime() - 1000), cursor })
      .where(eq(syncRuns.id, runId));
    return { runId, organisationId: org!.id };
  }

  it('requests a dead run again once per dead heartbeat and leaves a live one alone', async () => {
    const now = new Date();
    const dead = await runningRun(new Date(now.getTime() - STALE_RUN_MS - 1000));
    const live = await runningRun(new Date(now.getTime() - 5_000));
    const { queue, asked } = recordingQueue();

    const found = (await abandonedRuns(database.db, now)).map((r) => r.runId);
    expect(found).toContain(dead.runId);
    expect(found).not.toContain(live.runId);

    await resumeAbandonedRuns(database.db, queue, now);
    await resumeAbandonedRuns(database.db, queue, new Date(now.getTime() + 60_000));
    const mine = asked.filter((a) => (a.payload as { runId: string }).runId === dead.runId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ name: 'sync.organisation', payload: { organisationId: dead.organisationId, kind: 'full', runId: dead.runId } });
    const [stored] = await database.db.select({ c: syncRuns.cursor }).from(syncRuns).where(eq(syncRuns.id, dead.runId));
    const beat = Date.parse((stored!.c as { heartbeatAt: string }).heartbeatAt);
    expect(mine[0]!.jobId).toBe(resumeJobId(dead.runId, beat));
    expect(asked.some((a) => (a.payload as { runId: string }).runId === live.runId)).toBe(false);

    // The resumed worker dies too: its newer heartbeat goes stale, and the run is requested again.
    const later = new Date(now.getTime() + 2 * STALE_RUN_MS);
    const [row] = await database.db.select({ c: syncRuns.cursor }).from(syncRuns).where(eq(syncRuns.id, dead.runId));
    await database.db
      .update(syncRuns)
      .set({ cursor: { ...(row!.c as object), heartbeatAt: new Date(later.getTime() - STALE_RUN_MS - 1).toISOString() } })
      .where(eq(syncRuns.id, dead.runId));
    await resumeAbandonedRuns(database.db, queue, later);
    expect(asked.filter((a) => (a.payload as { runId: string }).runId === dead.runId)).toHaveLength(2);
  });
});
