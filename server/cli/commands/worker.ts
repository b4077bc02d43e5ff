import { BullQueue } from '../../../jobs/bullmq-queue';
import { allJobs, schedules } from '../../../jobs/registry';
import { writebackEnqueuer } from '../../../jobs/writebacks/jobs';
import { loadConfig } from '../../config';
import { publicBase, setPayEnv } from '../../pay/env';
import { configureLedgers } from '../../connections/ledgers';
import { SANDBOX_MOUNT } from '../../embedded/sandbox';
import { openDatabase } from '../../db/client';
import { createLogger } from '../../logger';
import type { Command } from '../command';
import { UsageError } from '../command';

export const command: Command = {
  name: 'worker',
  summary: 'Run background jobs from Redis (BullMQ)',
  usage: 'arcus worker   (needs REDIS_URL; without it jobs run inside `arcus start`)',
  async run() {
    const config = loadConfig();
    if (!config.redisUrl) throw new UsageError('REDIS_URL is not set: without Redis, jobs run inside `arcus start` and no worker is needed');
    const log = createLogger(config.logLevel);
    const database = await openDatabase(config);
    const queue = new BullQueue({ db: database.db, log, redisUrl: config.redisUrl, definitions: allJobs });
    // The sandbox ledger (if on) lives in the web process, at APP_URL/sandbox.
    const ledgers = await configureLedgers(config, { sandboxBaseUrl: config.sandbox ? `${config.appUrl}${SANDBOX_MOUNT}` : null, queue, db: database.db });
    // Reminder sends put Arcus pay links into emails; a new link's ledger write-back is queued here.
    setPayEnv({ appUrl: publicBase(config.appUrl), provider: null, enqueueExecute: writebackEnqueuer(queue), now: () => new Date(), log });
    for (const s of schedules) await queue.schedule(s.def, s.payload, { id: s.id, everyMs: s.everyMs });
    queue.startWorker();
    log.info({ jobs: allJobs.map((j) => j.name) }, 'worker started');
    const stop = () => {
      queue
        .close()
        .then(() => ledgers.close())
        .then(() => database.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  },
};
