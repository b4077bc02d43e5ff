/**
 * One organisation's reminder run — the `reminders.run` job's body, every 15 minutes. Outside
 * the organisation's local sending window it only re-queues work a dead worker left behind.
 * Inside it, it plans (server/reminders/plan.ts), records skips, claims what is due — at most
 * what the daily limit still allows, most overdue first — and queues one `reminders.send` per
 * claim. A crash after claiming loses nothing: the next run re-queues claims left untouched for
 * a lease.
 *
 * An organisation whose reminders were never confirmed (a first run, or switched on again) sends
 * nothing on its own: a person previews the run and confirms it (run-confirm.ts), and that run
 * claims only what was previewed. After that, scheduled runs go ahead.
 *
 * Just before claiming, the invoices of what is about to go out are read again from the ledger
 * (presend.ts, the firm's `recheckLedger`, on by default): what changed since the last sync is
 * skipped with the ledger's reason and a sync is requested; a ledger that cannot be asked defers
 * the whole run (`ledger_unreachable`, nothing claimed).
 */
import { and, eq } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import type { Db } from '../db/client';
import { reminderRunConfirmations } from '../db/schema';
import { clientHeldSends } from './client-approval';
import { claimGroupedSend, claimInvoiceSends, recordSkips, sentToday, staleSends, supersedePending, waitingClaims } from './claims';
import type { ReminderDeps } from './deps';
import { loadReminderFirmSettings } from './firm-settings';
import { loadOrganisation, loadPlanData, loadSettings, type OrgInfo } from './load';
import { inSendingWindow, localClock } from './local-time';
import { type PlannedSend, type PlannedSkip, type PlanResult, plan } from './plan';
import { LedgerUnreachable, recheckWithLedger } from './presend';
import { LEASE_MS, type OrgSettings } from './types';

export interface RunResult {
  acted: boolean;
  reason: 'done' | 'not_found' | 'inactive' | 'disabled' | 'outside_window' | 'awaiting_confirmation' | 'confirmation_invalid' | 'ledger_unreachable';
  today: string | null;
  claimed: string[];
  awaitingApproval: string[];
  skipped: number;
  requeued: number;
  overLimit: number;
  /** The pre-send re-check (presend.ts): ledger API calls it made, invoices it read, invoices that had changed since the last sync. */
  ledger: { calls: number; checked: number; changed: number; syncRequested: boolean };
  /** `ledger_unreachable`: why, in words, and when to try again. */
  deferred?: { why: string; retryAfterMs: number };
}

export interface RunOptions {
  /** A confirmed preview (run-confirm.ts): only the sends it listed are claimed. */
  confirmationId?: string | null;
}

/** The claim key of a planned send, as its confirmation lists it (JSON text: jsonb cannot hold sendKey's NULs). */
export const plannedKey = (s: Pick<PlannedSend, 'subjectType' | 'subjectId' | 'stepKey'>) => JSON.stringify([s.subjectType, s.subjectId, s.stepKey]);

export interface RunPlan {
  today: CalendarDate;
  planned: PlanResult;
  /** What this run would claim: furthest along first, within the organisation's daily limit. */
  take: PlannedSend[];
  /** Due, but over the daily limit: they wait for another day. */
  overLimit: PlannedSend[];
}

/** Plan a run at `now` without changing anything (the run itself and its preview). */
export async function planRun(db: Db, org: OrgInfo, settings: OrgSettings, now: Date): Promise<RunPlan> {
  const today = localClock(org.timezone, now).date;
  const data = await loadPlanData(db, org, today);
  const planned = plan({ now, organisationId: org.id, timezone: org.timezone, customerDailyLimit: settings.customerDailyLimit, ...data });
  const scope = { firmId: org.firmId, organisationId: org.id };
  let room = settings.dailyLimit - (await sentToday(db, org.id, today)) - (await waitingClaims(db, scope));
  // Furthest along the sequence first, then longest waiting (most overdue).
  const sends = [...planned.sends].sort((a, b) => b.occurrence.offsetDays - a.occurrence.offsetDays || a.occurrence.day.localeCompare(b.occurrence.day) || a.subjectId.localeCompare(b.subjectId));
  const take: PlannedSend[] = [];
  const overLimit: PlannedSend[] = [];
  for (const s of sends) {
    const manual = s.occurrence.step.approval === 'manual';
    if (!manual && room <= 0) {
      overLimit.push(s);
      continue;
    }
    take.push(s);
    if (!manual) room--;
  }
  return { today, planned, take, overLimit };
}

export async function runOrganisation(deps: ReminderDeps, organisationId: string, options: RunOptions = {}): Promise<RunResult> {
  const { db } = deps;
  const now = deps.now();
  const result: RunResult = { acted: false, reason: 'done', today: null, claimed: [], awaitingApproval: [], skipped: 0, requeued: 0, overLimit: 0, ledger: { calls: 0, checked: 0, changed: 0, syncRequested: false } };
  const org = await loadOrganisation(db, organisationId);
  if (!org) return { ...result, reason: 'not_found' };
  if (org.status !== 'active') return { ...result, reason: 'inactive' };
  const settings = await loadSettings(db, org.id);
  if (!settings.enabled) return { ...result, reason: 'disabled' };
  const scope = { firmId: org.firmId, organisationId: org.id };
  const leaseMs = deps.leaseMs ?? LEASE_MS;

  for (const s of await staleSends(db, scope, now, leaseMs)) {
    await deps.enqueueSend(s.id, s.attempts, s.staleMark);
    result.requeued++;
  }

  if (!inSendingWindow(settings, org.timezone, now)) return { ...result, reason: 'outside_window' };
  let allowed: Set<string> | null = null;
  if (options.confirmationId) {
    allowed = await confirmedKeys(db, scope, options.confirmationId);
    if (!allowed) return { ...result, reason: 'confirmation_invalid' };
  } else if (!settings.confirmedAt) {
    // Never confirmed: nothing goes out until a person has seen the first run.
    return { ...result, reason: 'awaiting_confirmation' };
  }
  const { today, planned, take: planTake, overLimit } = await planRun(db, org, settings, now);
  result.today = today;
  result.overLimit = overLimit.length;

  // A confirmed run claims only what its preview showed; anything new waits for a later run.
  let take = allowed ? planTake.filter((s) => allowed.has(plannedKey(s))) : planTake;
  // Don't chase what is already paid: ask the ledger about these invoices before claiming them.
  const recheck = deps.ledger && take.length > 0 && (await loadReminderFirmSettings(db, org.firmId)).recheckLedger ? deps.ledger : null;
  let ledgerSkips: PlannedSkip[] = [];
  let changed = 0;
  if (recheck) {
    try {
      const r = await recheckWithLedger(recheck, db, org, take);
      result.ledger = { calls: r.calls, checked: r.checked, changed: r.changed.size, syncRequested: false };
      take = r.take;
      ledgerSkips = r.skips;
      changed = r.changed.size;
    } catch (err) {
      if (!(err instanceof LedgerUnreachable)) throw err;
      // Not blind: nothing is claimed (nor recorded) until the ledger answers.
      deps.log.warn({ organisationId: org.id, retryAfterMs: err.retryAfterMs }, err.message);
      return { ...result, reason: 'ledger_unreachable', ledger: { ...result.ledger, calls: err.calls }, deferred: { why: err.message, retryAfterMs: err.retryAfterMs } };
    }
  }

  await supersedePending(db, scope, planned.supersede, now);
  result.skipped = await recordSkips(db, scope, [...planned.skips, ...ledgerSkips], { now, today, mailFrom: deps.mailFrom });
  if (recheck && changed > 0) {
    // The ledger is ahead of Arcus: catch up (an incremental sync; a queued run absorbs the request).
    try {
      await recheck.requestSync(org.id, 'incremental');
      result.ledger.syncRequested = true;
    } catch (err) {
      deps.log.warn({ organisationId: org.id, err: err instanceof Error ? err.message : String(err) }, 'could not request a sync after the pre-send check');
    }
  }
  // The client in the loop (client-approval.ts): what the organisation's policy holds for its client.
  const held = await clientHeldSends(db, scope, take, plannedKey);
  const forClient = (s: PlannedSend) => held.has(plannedKey(s));
  const claims = [
    ...(await claimInvoiceSends(
      db,
      scope,
      take.filter((s) => s.subjectType === 'invoice'),
      { now, today, mailFrom: deps.mailFrom, forClient },
    )),
  ];
  for (const s of take.filter((x) => x.subjectType === 'customer')) {
    const c = await claimGroupedSend(db, scope, s, { now, today, mailFrom: deps.mailFrom, forClient: forClient(s) });
    if (c) claims.push(c);
  }
  for (const c of claims) if (c.status !== 'awaiting_client') (c.status === 'pending_approval' ? result.awaitingApproval : result.claimed).push(c.id);
  deps.crash?.('run.after-claim');
  // One batch job sends them all (send-batch.ts); without one, a job per claim.
  if (deps.enqueueBatch) {
    if (result.claimed.length) await deps.enqueueBatch(org.id, now.getTime());
  } else for (const id of result.claimed) await deps.enqueueSend(id, 0);
  return { ...result, acted: true };
}

/** The claim keys a used confirmation allows (the run's filter); null when there is no such confirmation. */
export async function confirmedKeys(db: Db, scope: { firmId: string; organisationId: string }, confirmationId: string): Promise<Set<string> | null> {
  const [row] = await db
    .select({ keys: reminderRunConfirmations.sendKeys, usedAt: reminderRunConfirmations.usedAt })
    .from(reminderRunConfirmations)
    .where(and(eq(reminderRunConfirmations.id, confirmationId), eq(reminderRunConfirmations.firmId, scope.firmId), eq(reminderRunConfirmations.organisationId, scope.organisationId)));
  if (!row?.usedAt) return null;
  return new Set(row.keys);
}
