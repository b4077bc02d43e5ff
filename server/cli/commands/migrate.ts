import { loadConfig } from '../../config';
import { openDatabase } from '../../db/client';
import type { Command } from '../command';

export const command: Command = {
  name: 'migrate',
  summary: 'Apply database migrations (the Procfile release step)',
  usage: 'arcus migrate',
  async run() {
    const config = loadConfig();
    const database = await openDatabase(config);
    try {
      await database.migrate();
      console.log(`Migrations applied (${database.kind}).`);
    } finally {
      await database.close();
    }
    return 0;
  },
};
