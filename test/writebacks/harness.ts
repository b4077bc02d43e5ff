/**
 * Running write-backs against a sandbox fixture the way a worker would: `engine` builds the
 * engine's deps on the fixture's ledger and clock (optionally crashing at one point), `drain`
 * executes queued write-backs until none is left.
 */
import { createLedgerWrites } from '../../integrations/ledger/create-writes';
import { createLogger } from '../../server/logger';
import { SimulatedCrash } from '../../server/reminders/deps';
import { executeWriteback } from '../../server/writebacks/execute';
import type { WritebackCrashPoint, WritebackDeps } from '../../server/writebacks/types';
import type { SyncFixture } from '../sync/connect-helper';

export function engine(fx: SyncFixture, queue: string[], crashAt?: WritebackCrashPoint): WritebackDeps {
  return {
    db: fx.db,
    log: createLogger('silent'),
    ledger: { factory: fx.factory, tokenKey: fx.tokenKey, writes: createLedgerWrites },
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
