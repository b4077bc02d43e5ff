/** Every job definition, for the worker to look handlers up by name. */
import type { JobDefinition } from './define';
import { pruneSessions } from './maintenance';

export const allJobs: JobDefinition<unknown>[] = [pruneSessions as JobDefinition<unknown>];

/** Repeating jobs registered at start (stable ids, so restarts replace rather than add). */
export const schedules = [{ id: 'maintenance.prune-sessions', def: pruneSessions as JobDefinition<unknown>, payload: {}, everyMs: 3_600_000 }];
