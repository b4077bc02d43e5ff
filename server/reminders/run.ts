/**
 * One organisation's reminder run — the `reminders.run` job's body, every 15 minutes. Outside
 * the organisation's local sending window it only re-queues work a dead worker left behind.
 * Inside it, it plans (server/reminders/plan.ts), records skips, claims what is due — at most
 * what the daily limit still allows, most overdue first — and queues one `reminders.send` per
 * claim. A crash after claiming loses nothing: the next run re-queues claims left untouched for
 * a lease.
 */
import { claimGroupedSend, claimInvoiceSends, recordSkips, sentToday, staleSends, supersedePending, waitingClaims } from './claims';
import type { ReminderDeps } from './deps';
import { loadOrganisation, loadPlanData, loadSettings } from './load';
import { inSendingWindow, localClock } from './local-time';
import { plan } from './plan';
import { LEASE_MS } from './types';

export interface RunResult {
  acted: boolean;
  reason: 'done' | 'not_found' | 'inactive' | 'disabled' | 'outside_window';
  today: string | null;
  claimed: string[];
  awaitingApproval: string[];
  skipped: number;
  requeued: number;
  overLimit: number;
}

export async function runOrganisation(deps: ReminderDeps, organisationId: string): Promise<RunResult> {
  const { db } = deps;
  const now = deps.now();
  const result: RunResult = { acted: false, reason: 'done', today: null, claimed: [], awaitingApproval: [], skipped: 0, requeued: 0, overLimit: 0 };
  const org = await loadOrganisation(db, organisationId);
  if (!org) return { ...result, reason: 'not_found' };
  if (org.status !== 'active') return { ...result, reason: 'inactive' };
  const settings = await loadSettings(db, org.id);
  if (!settings.enabled) return { ...result, reason: 'disabled' };
  const scope = { firmId: org.firmId, organisationId: org.id };
  const leaseMs = deps.leaseMs ?? LEASE_MS;

  for (const s of await staleSends(db, scope, now, leaseMs)) {
    await deps.enqueueSend(s.id, s.attempts);
    result.requeued++;
  }

  if (!inSendingWindow(settings, org.timezone, now)) return { ...result, reason: 'outside_window' };
  const today = localClock(org.timezone, now).date;
  result.today = today;
  const data = await loadPlanData(db, org, today);
  const planned = plan({ now, organisationId: org.id, timezone: org.timezone, ...data });
  await supersedePending(db, scope, planned.supersede, now);
  result.skipped = await recordSkips(db, scope, planned.skips, { now, today, mailFrom: deps.mailFrom });

  let room = settings.dailyLimit - (await sentToday(db, org.id, today)) - (await waitingClaims(db, scope));
  // Furthest along the sequence first, then longest waiting (most overdue).
  const sends = [...planned.sends].sort((a, b) => b.occurrence.offsetDays - a.occurrence.offsetDays || a.occurrence.day.localeCompare(b.occurrence.day) || a.subjectId.localeCompare(b.subjectId));
  const take: typeof sends = [];
  for (const s of sends) {
    if (s.occurrence.step.approval !== 'manual' && room <= 0) {
      result.overLimit++;
      continue;
    }
    take.push(s);
    if (s.occurrence.step.approval !== 'manual') room--;
  }
  const claims = [
    ...(await claimInvoiceSends(
      db,
      scope,
      take.filter((s) => s.subjectType === 'invoice'),
      { now, today, mailFrom: deps.mailFrom },
    )),
  ];
  for (const s of take.filter((x) => x.subjectType === 'customer')) {
    const c = await claimGroupedSend(db, scope, s, { now, today, mailFrom: deps.mailFrom });
    if (c) claims.push(c);
  }
  for (const c of claims) (c.status === 'pending_approval' ? result.awaitingApproval : result.claimed).push(c.id);
  deps.crash?.('run.after-claim');
  for (const id of result.claimed) await deps.enqueueSend(id, 0);
  return { ...result, acted: true };
}
