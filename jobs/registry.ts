/** Every job definition, for the worker to look handlers up by name. */
import { AUTOPAY_TICK_MS, autopayRunJob, autopayTickJob } from './autopay/jobs';
import { COLLECTIONS_TICK_MS, collectionsAssessJob, collectionsTickJob } from './collections/jobs';
import { BILLING_USAGE_EVERY_MS, billingUsageJob } from './billing/usage';
import { billingReviewRefreshJob } from './billing-review/job';
import type { JobDefinition } from './define';
import { pruneSessions } from './maintenance';
import { RETENTION_TICK_MS, retentionFirmJob, retentionTickJob } from './privacy/jobs';
import { REMINDER_TICK_MS, reminderRunJob, reminderSendBatchJob, reminderSendJob, reminderTickJob } from './reminders/jobs';
import { REPORTS_TICK_MS, reportsTickJob } from './reports/tick';
import { STATEMENTS_TICK_MS, statementsTickJob } from './statements/tick';
import { CHECK_EVERY_MS, checkProviderConnections } from './schedule/check-connections';
import { scheduleTick, TICK_EVERY_MS } from './schedule/tick';
import { scoreOrganisationJob } from './scoring/job';
import { syncOrganisationJob } from './sync/job';
import { SYNC_SWEEP_EVERY_MS, syncSweepJob } from './sync/sweep';
import { SWEEP_EVERY_MS, writebackExecuteJob, writebackSweepJob } from './writebacks/jobs';

export const allJobs: JobDefinition<unknown>[] = [
  pruneSessions as JobDefinition<unknown>,
  scheduleTick as JobDefinition<unknown>,
  checkProviderConnections as JobDefinition<unknown>,
  syncOrganisationJob as JobDefinition<unknown>,
  syncSweepJob as JobDefinition<unknown>,
  scoreOrganisationJob as JobDefinition<unknown>,
  reminderTickJob as JobDefinition<unknown>,
  reminderRunJob as JobDefinition<unknown>,
  reminderSendJob as JobDefinition<unknown>,
  reminderSendBatchJob as JobDefinition<unknown>,
  collectionsTickJob as JobDefinition<unknown>,
  collectionsAssessJob as JobDefinition<unknown>,
  writebackExecuteJob as JobDefinition<unknown>,
  writebackSweepJob as JobDefinition<unknown>,
  retentionTickJob as JobDefinition<unknown>,
  retentionFirmJob as JobDefinition<unknown>,
  billingUsageJob as JobDefinition<unknown>,
  reportsTickJob as JobDefinition<unknown>,
  statementsTickJob as JobDefinition<unknown>,
  billingReviewRefreshJob as JobDefinition<unknown>,
  autopayTickJob as JobDefinition<unknown>,
  autopayRunJob as JobDefinition<unknown>,
];

/** Repeating jobs registered at start (stable ids, so restarts replace rather than add). */
export const schedules = [
  { id: 'maintenance.prune-sessions', def: pruneSessions as JobDefinition<unknown>, payload: {}, everyMs: 3_600_000 },
  { id: 'schedule.tick', def: scheduleTick as JobDefinition<unknown>, payload: {}, everyMs: TICK_EVERY_MS },
  { id: 'connections.check', def: checkProviderConnections as JobDefinition<unknown>, payload: {}, everyMs: CHECK_EVERY_MS },
  { id: 'reminders.tick', def: reminderTickJob as JobDefinition<unknown>, payload: {}, everyMs: REMINDER_TICK_MS },
  { id: 'sync.sweep', def: syncSweepJob as JobDefinition<unknown>, payload: {}, everyMs: SYNC_SWEEP_EVERY_MS },
  { id: 'writebacks.sweep', def: writebackSweepJob as JobDefinition<unknown>, payload: {}, everyMs: SWEEP_EVERY_MS },
  { id: 'collections.tick', def: collectionsTickJob as JobDefinition<unknown>, payload: {}, everyMs: COLLECTIONS_TICK_MS },
  { id: 'privacy.retention-tick', def: retentionTickJob as JobDefinition<unknown>, payload: {}, everyMs: RETENTION_TICK_MS },
  { id: 'billing.usage', def: billingUsageJob as JobDefinition<unknown>, payload: {}, everyMs: BILLING_USAGE_EVERY_MS },
  { id: 'reports.tick', def: reportsTickJob as JobDefinition<unknown>, payload: {}, everyMs: REPORTS_TICK_MS },
  { id: 'statements.tick', def: statementsTickJob as JobDefinition<unknown>, payload: {}, everyMs: STATEMENTS_TICK_MS },
  { id: 'autopay.tick', def: autopayTickJob as JobDefinition<unknown>, payload: {}, everyMs: AUTOPAY_TICK_MS },
];
