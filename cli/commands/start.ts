import { startArcus } from '../../root/runtime';
import { type Command, closeOnSignal } from '../command';

export const command: Command = {
  name: 'start',
  summary: 'Run the web app (and, without REDIS_URL, its jobs in-process)',
  usage: 'arcus start   (configured by environment variables; see README)',
  async run() {
    const arcus = await startArcus();
    console.log(`Arcus is running at ${arcus.config.appUrl}  (database: ${arcus.database.kind}, jobs: ${arcus.queue.kind})`);
    if (arcus.config.demo) console.log('Open it and press “Sign in to the demo”. The demo clients connect and sync in the background (progress below).');
    closeOnSignal(() => {
      arcus.log.info('shutting down');
      return arcus.close();
    });
    return -1;
  },
};
