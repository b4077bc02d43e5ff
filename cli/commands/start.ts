import { startArcus } from '../../root/runtime';
import type { Command } from '../command';

export const command: Command = {
  name: 'start',
  summary: 'Run the web app (and, without REDIS_URL, its jobs in-process)',
  usage: 'arcus start   (configured by environment variables; see README)',
  async run() {
    const arcus = await startArcus();
    console.log(`Arcus is running at ${arcus.config.appUrl}  (database: ${arcus.database.kind}, jobs: ${arcus.queue.kind})`);
    const stop = () => {
      arcus.log.info('shutting down');
      arcus.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  },
};
