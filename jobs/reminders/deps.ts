/** The reminder jobs' dependencies: the job context plus the process's services (root/compose.ts). */
import type { ReminderDeps, ReminderEnv } from '../../server/reminders/deps';
import { reminderEnvFrom } from '../../server/reminders/env';
import type { JobContext } from '../define';

export function depsFor(ctx: Pick<JobContext, 'db' | 'log' | 'services'>, enqueue: Omit<ReminderDeps, keyof ReminderEnv | 'db' | 'log'>): ReminderDeps {
  return { ...reminderEnvFrom(ctx.services), db: ctx.db, log: ctx.log, ...enqueue };
}
