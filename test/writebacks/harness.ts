/**
 * Running write-backs against a sandbox fixture the way a worker would: `engine` builds the
 * engine's deps on the fixture's ledger and clock (optionally crashing at one point), `drain`
 * executes queued write-backs until none is left; `connectAndSync` connects the fixture's Xero and
 * QuickBooks companies (in that order) and runs a full sync of each, with an admin in the firm.
 */
import { eq } from 'drizzle-orm';
import type { JobContext } from '../../jobs/define';
import { writebackSweepJob } from '../../jobs/writebacks/jobs';
import type { Provider } from '../../integrations/ledger/types';
import { memberships, organisations, users } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { SimulatedCrash } from '../../server/reminders/deps';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { executeWriteback } from '../../server/writebacks/execute';
import type { WritebackCrashPoint, WritebackDeps } from '../../server/writebacks/types';
import type { SyncFixture } from '../sync/connect-helper';

export function engine(fx: SyncFixture, queue: string[], crashAt?: WritebackCrashPoint): WritebackDeps {
  return {
    db: fx.db,
    log: createLogger('silent'),
    ledger: fx.gateway,
    now: () => new Date(fx.now()),
    leaseMs: 60_000,
    enqueueExecute: async (id) => void queue.push(id),
    crash: crashAt
      ? (p) => {
          if (p === crashAt) throw new SimulatedCrash(p);
        }
      : undefined,
  };
}

export async function drain(fx: SyncFixture, queue: string[]): Promise<void> {
  while (queue.length) {
    const id = queue.shift()!;
    const r = await executeWriteback(engine(fx, queue), id);
    if (r.outcome === 'retry') throw new Error(`write-back ${id} asked for a retry: ${r.error}`);
  }
}

export interface SyncedOrgs {
  userId: string;
  orgs: Map<Provider, { organisationId: string; companyId: string; timezone: string }>;
}

export async function connectAndSync(fx: SyncFixture, user: { name: string; email: string }): Promise<SyncedOrgs> {
  const [u] = await fx.db.insert(users).values({ email: user.email, name: user.name, authProvider: 'test', authSubject: `${user.email}-${fx.firmId}` }).returning();
  await fx.db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role: 'admin' });
  const orgs: SyncedOrgs['orgs'] = new Map();
  for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
    const companyId = fx.companyIds[i]!;
    const c = await fx.connect(provider, companyId);
    const { runId } = await createOrReuseRun(fx.db, { organisationId: c.organisationId, kind: 'full' });
    await runSync(fx.engineDeps(), { runId });
    const [o] = await fx.db.select({ timezone: organisations.timezone }).from(organisations).where(eq(organisations.id, c.organisationId));
    orgs.set(provider, { organisationId: c.organisationId, companyId, timezone: o!.timezone });
  }
  return { userId: u!.id, orgs };
}

/**
 * The `writebacks.sweep` job itself, run once at the fixture's clock: the ids it re-queues
 * (`writebacks.execute` requests), in its order.
 */
export async function sweepOnce(fx: SyncFixture): Promise<string[]> {
  const requested: string[] = [];
  const queue = {
    kind: 'inline' as const,
    async request(name: string, payload: unknown) {
      if (name === 'writebacks.execute') requested.push((payload as { writebackId: string }).writebackId);
      return name;
    },
  };
  const ctx = { db: fx.db, log: createLogger('silent'), queue, jobId: 'sweep-test', attempt: 1, services: { clock: { now: () => new Date(fx.now()) } } } as unknown as JobContext;
  await writebackSweepJob.handler({}, ctx);
  return requested;
}
