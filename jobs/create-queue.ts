import type { Db } from '../server/db/client';
import type { Logger } from '../server/logger';
import type { Services } from '../server/services';
import { BullQueue, type BullSettings } from './bullmq-queue';
import type { JobDefinition, JobQueue } from './define';
import { InlineQueue } from './inline-queue';
import { allJobs } from './registry';

/** BullMQ when REDIS_URL is set, otherwise in-process. */
export function createQueue(deps: { db: Db; log: Logger; redisUrl: string | null; definitions?: JobDefinition<unknown>[]; queueName?: string; services?: () => Services; bull?: BullSettings }): JobQueue {
  if (deps.redisUrl) return new BullQueue({ db: deps.db, log: deps.log, redisUrl: deps.redisUrl, definitions: deps.definitions ?? allJobs, services: deps.services, settings: deps.bull }, deps.queueName);
  return new InlineQueue({ db: deps.db, log: deps.log, definitions: deps.definitions ?? allJobs, services: deps.services });
}
