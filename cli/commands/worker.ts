import { compose } from '../../root/compose';
import { type Command, closeOnSignal, UsageError } from '../command';
import type { BullQueue } from '../../jobs/bullmq-queue';
import { allJobs } from '../../jobs/registry';
import { loadConfig } from '../../server/config';

export const command: Command = {
  name: 'worker',
  summary: 'Run background jobs from Redis (BullMQ)',
  usage: 'arcus worker   (needs REDIS_URL; without it jobs run inside `arcus start`)',
  async run() {
    const config = loadConfig();
    if (!config.redisUrl) throw new UsageError('REDIS_URL is not set: without Redis, jobs run inside `arcus start` and no worker is needed');
    // Built by the same function as the web process; the sandbox ledger (if on) lives in the web process, at APP_URL/sandbox.
    const app = await compose({ config, mail: 'smtp' });
    await app.registerSchedules();
    (app.queue as BullQueue).startWorker();
    app.log.info({ jobs: allJobs.map((j) => j.name) }, 'worker started');
    closeOnSignal(() => app.close());
    return -1;
  },
};
