/**
 * Boots Arcus: config → database (migrated at start in embedded mode) → job queue → app →
 * listening server. `arcus start`, the tests and the benchmarks all start it this way.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { createQueue } from '../jobs/create-queue';
import type { JobQueue } from '../jobs/define';
import { schedules } from '../jobs/registry';
import { createApp } from './app';
import { type Config, loadConfig } from './config';
import { type Database, openDatabase } from './db/client';
import { ensureDemoFirm } from './demo/seed-firm';
import { createLogger, type Logger } from './logger';

export interface Arcus {
  config: Config;
  database: Database;
  queue: JobQueue;
  log: Logger;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** An already-open database (tests share one per worker). */
  database?: Database;
  log?: Logger;
  mounts?: { path: string; router: Router }[];
}

export async function startArcus(options: StartOptions = {}): Promise<Arcus> {
  const config = loadConfig(options.env ?? process.env);
  const log = options.log ?? createLogger(config.logLevel);
  const database = options.database ?? (await openDatabase(config));
  if (config.embedded) await database.migrate();
  const queue = createQueue({ db: database.db, log, redisUrl: config.redisUrl });
  if (config.demo) await ensureDemoFirm(database.db);
  // With BullMQ the worker process owns schedules; in-process the web process does.
  if (queue.kind === 'inline') for (const s of schedules) await queue.schedule(s.def, s.payload, { id: s.id, everyMs: s.everyMs });

  const app = createApp({ config, database, queue, log, mounts: options.mounts });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = config.port === 0 ? `http://127.0.0.1:${port}` : config.appUrl;
  log.info({ url, db: database.kind, queue: queue.kind }, 'Arcus is listening');

  return {
    config,
    database,
    queue,
    log,
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await queue.close();
      if (!options.database) await database.close();
    },
  };
}
