import { lt } from 'drizzle-orm';
import { z } from 'zod';
import { sessions } from '../server/db/schema';
import { defineJob } from './define';

/** Remove expired sessions. */
export const pruneSessions = defineJob({
  name: 'maintenance.prune-sessions',
  schema: z.object({}),
  attempts: 3,
  async handler(_payload, { db, services }) {
    await db.delete(sessions).where(lt(sessions.expiresAt, services.clock.now()));
  },
});
