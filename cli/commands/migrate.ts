import { compose } from '../../root/compose';
import { loadConfig } from '../../server/config';
import type { Command } from '../command';

export const command: Command = {
  name: 'migrate',
  summary: 'Apply database migrations (the Procfile release step)',
  usage: 'arcus migrate',
  async run() {
    // In embedded mode compose() migrates at start; with DATABASE_URL this is the one place that does.
    const app = await compose({ config: loadConfig(), mail: 'smtp' });
    try {
      await app.database.migrate();
      console.log(`Migrations applied (${app.database.kind}).`);
    } finally {
      await app.close();
    }
    return 0;
  },
};
