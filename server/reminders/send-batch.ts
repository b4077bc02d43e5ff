/**
 * Sending an organisation's claimed reminders in batches — the `reminders.send-batch` job's body
 * (docs/decisions/052). The same states, checks and exactly-once guarantees as `sendReminder`
 * (send.ts), with the database work done per batch instead of per message:
 *
 *  1. lease up to `size` claimed rows in one statement (UPDATE … WHERE id IN (SELECT … FOR UPDATE
 *     SKIP LOCKED LIMIT n) RETURNING): workers running side by side get disjoint batches;
 *  2. per-invoice emails (the set-based path): re-check with fresh data in four queries for the
 *     whole batch (invoices with their holds, customers with their pauses and unsubscribes,
 *     promises/disputes/plans recorded since the claims, languages) and skip the blocked ones in
 *     one statement, each with its reason; statements, texts, calls and taken-over sends go
 *     through `sendLeased` one by one (bounded), exactly as a single `reminders.send` would;
 *  3. outside the sending window: give the batch back (one statement); the daily limit:
 *     reserve the batch's share in one short transaction, give back what does not fit;
 *  4. render outside any transaction (templates read once per step and language, parsed once
 *     per process; the sender identity and the discounts read once per batch), store what is
 *     being sent and count the attempts in one statement;
 *  5. send over the pooled transport, `concurrency` at a time; each server `250` is recorded
 *     before anything else happens to that message (the hand-off: one UPDATE for whatever
 *     acceptances arrived together — group commit, so a message waits at most for the
 *     statement in flight);
 *  6. mark the batch sent, request its ledger notes and write its timeline activities in one
 *     transaction (multi-row inserts); queue the notes after it commits.
 *
 * A worker that dies anywhere in here leaves rows a single `reminders.send` finishes when their
 * lease runs out (run.ts re-queues them): sent rows with a hand-off are only recorded, never sent again.
 */
import { and, eq, getTableColumns, inArray, lt, or, sql } from 'drizzle-orm';
import { classifySmtpError, type SendReceipt } from '../../integrations/email/transport';
import type { CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { reminderSends } from '../db/schema';
import { loadDiscountOffers } from '../pay/reminder-extras';
import { maskPayTokens } from '../pay/url-at-rest';
import type { SendRow } from './claims';
import { type ReminderDeps, SimulatedCrash } from './deps';
import { loadCustomerLanguages } from './language';
import { loadActivityHoldsSince, loadCustomerStates, loadInvoicesWithHolds, loadOrgWithSettings, type OrgWithSettings } from './load';
import { inSendingWindow, localClock, nextDayWindowOpen, nextWindowOpen } from './local-time';
import { closedReason, customerBlock, indexHolds, invoiceBlock, isOpen, recipientBlock, recipientsOf, unknownCustomer } from './plan';
import { completeSentMany, type Evaluated, HOLD_LOOKBACK_MS, mailOf, markFailed, type PreparedEmail, prepareEmail, type RenderCache, type SendResult, type SentItem, sendLeased } from './send';
import { LEASE_MS, MAX_SEND_ATTEMPTS, type SkipReason } from './types';

export interface BatchOptions {
  /** Claims leased per batch. */
  size?: number;
  /** Messages on the wire at once (the pooled transport queues the rest). */
  concurrency?: number;
}

export interface BatchResult {
  leased: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Failed for now (a temporary SMTP error): queued again as single sends. */
  retry: number;
  /** Given back: outside the window or over the daily limit; when to come back. */
  deferred: { until: Date | null; why: 'window' | 'daily_limit' } | null;
  /** The claims the set-based re-check skipped, with their reasons. */
  skips: { id: string; reason: SkipReason }[];
}

export const BATCH_SIZE = 100;
export const BATCH_CONCURRENCY = 8;

const empty = (): BatchResult => ({ leased: 0, sent: 0, skipped: 0, failed: 0, retry: 0, deferred: null, skips: [] });

/**
 * Lease up to `n` of the organisation's claimed rows — and `sending` rows whose lease ran out (a
 * worker died) — oldest claim first, skipping rows another worker holds. `previous` is the status
 * before this statement (the RETURNING subquery reads the statement's snapshot, as in `leaseSend`).
 */
export async function leaseBatch(db: Db, scope: { firmId: string; organisationId: string }, n: number, now: Date, leaseMs: number): Promise<{ row: SendRow; previous: string }[]> {
  const due = sql`(s.status = 'claimed' OR (s.status = 'sending' AND s.lease_until < ${now.toISOString()}::timestamptz))`;
  const rows = await db
    .update(reminderSends)
    .set({ status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs), updatedAt: now })
    .where(
      and(
        or(eq(reminderSends.status, 'claimed'), and(eq(reminderSends.status, 'sending'), lt(reminderSends.leaseUntil, now))),
        sql`${reminderSends.id} IN (SELECT s.id FROM reminder_sends s WHERE s.firm_id = ${scope.firmId}::uuid AND s.organisation_id = ${scope.organisationId}::uuid AND ${due} ORDER BY s.claimed_at, s.id LIMIT ${n} FOR UPDATE SKIP LOCKED)`,
      ),
    )
    .returning({ ...getTableColumns(reminderSends), previous: sql<string>`(SELECT s0.status FROM reminder_sends s0 WHERE s0.id = reminder_sends.id)` });
  return rows.map(({ previous, ...row }) => ({ row, previous }));
}

/** Skip many leased sends at once, each with its reason (per-invoice rows: no grouped children). */
async function skipMany(db: Db, skips: readonly { id: string; reason: SkipReason }[], now: Date): Promise<void> {
  if (skips.length === 0) return;
  await db.execute(
    sql`UPDATE reminder_sends r SET status = 'skipped', skip_reason = v.reason, lease_until = NULL, updated_at = ${now.toISOString()}::timestamptz
          FROM jsonb_to_recordset(${JSON.stringify(skips)}::jsonb) AS v(id uuid, reason text)
         WHERE r.id = v.id AND r.status = 'sending'`,
  );
}

async function releaseMany(db: Db, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(reminderSends)
    .set({ status: 'claimed', leaseUntil: null, updatedAt: now })
    .where(and(inArray(reminderSends.id, [...ids]), eq(reminderSends.status, 'sending')));
}

/**
 * The daily limit for a batch: the rows that have not counted against a day yet take what room
 * is left, in order, in one short transaction (the counter row is locked by its upsert until the
 * commit). Returns the ids that may go.
 */
async function reserveQuotaMany(db: Db, organisationId: string, rows: readonly SendRow[], day: CalendarDate, limit: number): Promise<Set<string>> {
  const ok = new Set(rows.filter((r) => r.quotaDay).map((r) => r.id));
  const want = rows.filter((r) => !r.quotaDay);
  if (want.length === 0) return ok;
  const granted = await db.transaction(async (tx) => {
    const [counter] = await queryRows<{ count: number }>(
      tx as unknown as Db,
      sql`INSERT INTO reminder_daily_counts (organisation_id, day, count) VALUES (${organisationId}::uuid, ${day}::date, 0)
          ON CONFLICT (organisation_id, day) DO UPDATE SET count = reminder_daily_counts.count RETURNING count`,
    );
    const room = Math.max(0, limit - Number(counter?.count ?? 0));
    const take = want.slice(0, room).map((r) => r.id);
    if (take.length === 0) return [];
    const marked = await queryRows<{ id: string }>(
      tx as unknown as Db,
      sql`WITH marked AS (
            UPDATE reminder_sends SET quota_day = ${day}::date
             WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(take)}::jsonb)::uuid) AND status = 'sending' AND quota_day IS NULL
            RETURNING id
          ), counted AS (
            UPDATE reminder_daily_counts SET count = count + (SELECT count(*) FROM marked) WHERE organisation_id = ${organisationId}::uuid AND day = ${day}::date
          )
          SELECT id FROM marked`,
    );
    return marked.map((m) => m.id);
  });
  for (const id of granted) ok.add(id);
  return ok;
}

/** The set-based re-check of per-invoice emails: the same rules as send.ts `evaluate`, four queries for the batch. */
async function evaluateMany(deps: ReminderDeps, org: OrgWithSettings, rows: readonly SendRow[], today: CalendarDate): Promise<{ checked: Map<string, Evaluated>; skips: { id: string; reason: SkipReason }[]; cache: RenderCache }> {
  const { db } = deps;
  const since = new Date(Math.min(...rows.map((r) => r.claimedAt.getTime())) - HOLD_LOOKBACK_MS);
  const contacts = rows.map((r) => r.contactExternalId);
  const [customers, holdRows, { invoices, holds: invoiceHolds }, languages] = await Promise.all([
    loadCustomerStates(db, org, contacts),
    // Holds older than the earliest claim kept the planner from claiming; newer ones can stop a send now.
    loadActivityHoldsSince(db, org, since, today),
    loadInvoicesWithHolds(db, org, { externalIds: rows.map((r) => r.subjectId) }),
    loadCustomerLanguages(db, org, contacts),
  ]);
  const holds = indexHolds(holdRows, today);
  const byId = new Map(invoices.map((i) => [i.externalId, i]));
  const checked = new Map<string, Evaluated>();
  const skips: { id: string; reason: SkipReason }[] = [];
  for (const row of rows) {
    const customer = customers.get(row.contactExternalId) ?? { ...unknownCustomer(row.contactExternalId), contactId: null };
    const inv = byId.get(row.subjectId);
    const reason: SkipReason | null = !inv
      ? 'voided'
      : !isOpen(inv)
        ? closedReason(inv)
        : (invoiceBlock(inv.externalId, invoiceHolds, holds, today) ?? customerBlock(customer, holds, today) ?? recipientBlock(recipientsOf(customer)));
    if (reason || !inv) {
      skips.push({ id: row.id, reason: reason ?? 'voided' });
      continue;
    }
    checked.set(row.id, { invoices: [inv], customer, recipients: recipientsOf(customer).to });
  }
  const discounts = await loadDiscountOffers(db, { firmId: org.firmId, organisationId: org.id, today }, [...checked.values()].map((c) => c.invoices[0]!.id));
  return { checked, skips, cache: { templates: new Map(), languages, discounts } };
}

/** Runs `fn` over `items`, `n` at a time. A simulated crash stops every task at its next step, then is thrown. */
async function bounded<T>(items: readonly T[], n: number, fn: (item: T, alive: () => void) => Promise<void>): Promise<void> {
  let next = 0;
  let crash: unknown = null;
  const alive = () => {
    if (crash) throw crash;
  };
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length && !crash) {
        const item = items[next++]!;
        try {
          await fn(item, alive);
        } catch (err) {
          if (!(err instanceof SimulatedCrash)) throw err;
          crash ??= err;
        }
      }
    }),
  );
  if (crash) throw crash;
}

/**
 * The hand-offs (send.ts `recordHandoff`) of a batch: every server `250` is written by the next
 * UPDATE, which records all the acceptances that arrived while the previous one was in flight.
 * A message's `record` resolves once its own hand-off has committed.
 */
class HandoffWriter {
  private pending: { id: string; handoff: { at: string; response: string; rejected: string[] }; done: (err?: unknown) => void }[] = [];
  private flushing = false;
  constructor(private readonly db: Db) {}

  record(id: string, receipt: SendReceipt, at: Date): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, handoff: { at: at.toISOString(), response: receipt.response.slice(0, 500), rejected: receipt.rejected }, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length) {
      const take = this.pending.splice(0);
      try {
        await this.db.execute(
          sql`UPDATE reminder_sends r SET handoff = v.handoff
                FROM jsonb_to_recordset(${JSON.stringify(take.map((t) => ({ id: t.id, handoff: t.handoff })))}::jsonb) AS v(id uuid, handoff jsonb)
               WHERE r.id = v.id AND r.status = 'sending'`,
        );
        for (const t of take) t.done();
      } catch (err) {
        for (const t of take) t.done(err);
      }
    }
    this.flushing = false;
  }
}

/** One batch: lease, re-check, window and limit, render, send, record (see the file's comment). */
export async function sendBatch(deps: ReminderDeps, organisationId: string, options: BatchOptions = {}): Promise<BatchResult> {
  const { db } = deps;
  const size = options.size ?? BATCH_SIZE;
  const concurrency = options.concurrency ?? BATCH_CONCURRENCY;
  const result = empty();
  const org = await loadOrgWithSettings(db, organisationId);
  if (!org) return result;
  const { settings } = org;
  const leases = await leaseBatch(db, { firmId: org.firmId, organisationId: org.id }, size, deps.now(), deps.leaseMs ?? LEASE_MS);
  result.leased = leases.length;
  if (leases.length === 0) return result;
  deps.crash?.('batch.after-lease');
  // A dead worker's send (its lease ran out): the single path finishes it (hand-off recorded, or the server has it) or sends it.
  const takenOver = new Set(leases.filter((l) => l.previous === 'sending').map((l) => l.row.id));
  const leased = leases.map((l) => l.row);

  // Statements, texts, calls, taken-over sends: one by one, as `reminders.send` does (their checks need more than a row each).
  const single = leased.filter((r) => r.channel !== 'email' || r.subjectType !== 'invoice' || takenOver.has(r.id));
  const fast = settings.enabled && org.status === 'active' ? leased.filter((r) => !single.includes(r)) : [];
  const tally = (r: SendResult) => {
    if (r.outcome === 'sent') result.sent++;
    else if (r.outcome === 'skipped') result.skipped++;
    else if (r.outcome === 'failed_permanent') result.failed++;
    else if (r.outcome === 'retry') result.retry++;
    else if (r.outcome === 'deferred') result.deferred ??= { until: r.until, why: r.why };
  };
  const singles = (rows: readonly SendRow[]) =>
    bounded(rows, concurrency, async (row) => {
      const r = await sendLeased(deps, { row, previous: takenOver.has(row.id) ? 'sending' : 'claimed' }, { org });
      tally(r);
      // A temporary failure is retried on its own with the job's backoff, as the fast path's are (not left for the stale sweep).
      if (r.outcome === 'retry') await deps.enqueueSend(row.id, row.attempts + 1);
    });
  // Reminders off, or the ledger connection broken: each row is skipped by the single path's first checks.
  await singles(fast.length === 0 ? leased.filter((r) => !single.includes(r)).concat(single) : single);
  if (fast.length === 0) return result;

  const now = deps.now();
  const today = localClock(org.timezone, now).date;
  const { checked, skips, cache } = await evaluateMany(deps, org, fast, today);
  await skipMany(db, skips, now);
  result.skipped += skips.length;
  result.skips = skips;
  if (skips.length) deps.crash?.('batch.after-skip');
  let go = fast.filter((r) => checked.has(r.id));
  if (go.length === 0) return result;
  if (!inSendingWindow(settings, org.timezone, now)) {
    await releaseMany(
      db,
      go.map((r) => r.id),
      now,
    );
    result.deferred = { until: nextWindowOpen(settings, org.timezone, now), why: 'window' };
    return result;
  }
  const allowed = await reserveQuotaMany(db, org.id, go, today, settings.dailyLimit);
  deps.crash?.('batch.after-reserve');
  const over = go.filter((r) => !allowed.has(r.id));
  if (over.length) {
    await releaseMany(
      db,
      over.map((r) => r.id),
      now,
    );
    result.deferred = { until: nextDayWindowOpen(settings, org.timezone, now), why: 'daily_limit' };
    go = go.filter((r) => allowed.has(r.id));
    if (go.length === 0) return result;
  }

  // Render, off the database's hot path: nothing here holds a lock or a transaction.
  const prepared = new Map<string, PreparedEmail>();
  await bounded(go, concurrency, async (row) => {
    prepared.set(row.id, await prepareEmail(deps, org, row, checked.get(row.id)!, today, cache));
  });
  // What is being sent and the attempt, stored for the whole batch before any SMTP transaction.
  const values = go.map((row) => {
    const c = checked.get(row.id)!;
    const p = prepared.get(row.id)!;
    return { id: row.id, recipients: c.recipients, invoices: c.invoices.map((i) => i.externalId), subject: p.email.subject, body_text: maskPayTokens(p.email.text), body_html: maskPayTokens(p.email.html) };
  });
  const stored = await queryRows<{ id: string; attempts: number }>(
    db,
    sql`UPDATE reminder_sends r SET attempts = r.attempts + 1, recipients = v.recipients, invoice_external_ids = ARRAY(SELECT jsonb_array_elements_text(v.invoices)),
               subject_line = v.subject, body_text = v.body_text, body_html = v.body_html, updated_at = ${now.toISOString()}::timestamptz
          FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(id uuid, recipients jsonb, invoices jsonb, subject text, body_text text, body_html text)
         WHERE r.id = v.id AND r.status = 'sending'
     RETURNING r.id, r.attempts`,
  );
  const byId = new Map(go.map((r) => [r.id, r]));
  const storedValues = new Map(values.map((v) => [v.id, v]));
  const storedRows = stored.map(({ id, attempts }): SendRow => {
    const v = storedValues.get(id)!;
    return { ...byId.get(id)!, attempts: Number(attempts), recipients: v.recipients, invoiceExternalIds: v.invoices, subjectLine: v.subject, bodyText: v.body_text, bodyHtml: v.body_html, updatedAt: now };
  });
  const rows = new Map(storedRows.map((r) => [r.id, r]));
  // The renderings and attempts are stored: a worker dying from here on leaves rows the single path asks the server about.
  deps.crash?.('batch.before-smtp');

  const handoffs = new HandoffWriter(db);
  const accepted: SentItem[] = [];
  const recorded: Promise<void>[] = [];
  let stopped: unknown = null;
  await bounded(go, concurrency, async (leasedRow, alive) => {
    const row = rows.get(leasedRow.id);
    if (!row) return;
    const c = checked.get(row.id)!;
    const p = prepared.get(row.id)!;
    alive();
    let receipt: SendReceipt;
    try {
      receipt = await deps.mailer.send(mailOf(deps, org, row, { ...p, recipients: c.recipients }));
    } catch (err) {
      alive();
      const e = classifySmtpError(err);
      const giveUp = e.kind === 'permanent' || row.attempts >= MAX_SEND_ATTEMPTS;
      const message = e.kind === 'temporary' && giveUp ? `Gave up after ${row.attempts} attempts: ${e.message}` : e.message;
      await markFailed(deps, org, row, giveUp ? 'permanent' : 'temporary', message);
      deps.log.warn({ sendId: row.id, kind: e.kind, code: e.responseCode, attempts: row.attempts }, 'reminder not sent');
      if (giveUp) result.failed++;
      else {
        result.retry++;
        // Retried on its own with the job's backoff (as `reminders.send` would have been).
        await deps.enqueueSend(row.id, row.attempts);
      }
      return;
    }
    // Before anything else after the 250: the hand-off (see the README). The sender goes on to its
    // next message meanwhile; the batch is recorded sent only once every hand-off has committed.
    deps.crash?.('batch.before-handoff');
    const done = handoffs.record(row.id, receipt, deps.now()).then(() => {
      alive();
      deps.crash?.('batch.after-handoff');
      accepted.push({ row, receipt, refs: { contactId: c.customer.contactId, invoiceId: c.invoices[0]?.id ?? null, invoices: c.invoices } });
    });
    // Settled below (allSettled), after the senders: a rejection meanwhile is not an unhandled one.
    done.catch(() => undefined);
    recorded.push(done);
  }).catch((err: unknown) => {
    stopped = err;
  });
  // A hand-off that failed (or a simulated crash after one) stops the batch here: its rows are
  // `sending`, with or without their hand-off, and the single path finishes them after the lease.
  const settled = await Promise.allSettled(recorded);
  if (stopped) throw stopped;
  const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;

  const { marked, writebackIds } = await completeSentMany(deps, org, accepted);
  result.sent += marked.length;
  deps.crash?.('batch.after-mark');
  for (const id of writebackIds) await deps.enqueueWriteback(id);
  return result;
}

/**
 * A simulated crash (the kill test) kills the whole job, as a dead process would: once one crash
 * point fired, every other sender and batch loop of the job stops at its next crash point (the
 * same crash, not counted again), instead of going on with the work of a worker that is dead.
 */
function killable(deps: ReminderDeps): ReminderDeps {
  const crash = deps.crash;
  if (!crash) return deps;
  let dead: unknown = null;
  return {
    ...deps,
    crash: (point) => {
      if (dead) throw dead;
      try {
        crash(point);
      } catch (err) {
        if (err instanceof SimulatedCrash) dead = err;
        throw err;
      }
    },
  };
}

/**
 * Batches until the organisation has no claimed reminder left, or the window or the daily limit
 * stops it. `workers` loops run side by side (SKIP LOCKED gives each its own batch), so one
 * batch's database steps overlap another's sending.
 */
export async function sendDue(deps: ReminderDeps, organisationId: string, options: BatchOptions & { workers?: number } = {}): Promise<BatchResult> {
  const total = empty();
  let stop = false;
  const job = killable(deps);
  const loop = async () => {
    while (!stop) {
      let r: BatchResult;
      try {
        r = await sendBatch(job, organisationId, options);
      } catch (err) {
        stop = true;
        throw err;
      }
      total.leased += r.leased;
      total.sent += r.sent;
      total.skipped += r.skipped;
      total.failed += r.failed;
      total.retry += r.retry;
      total.skips.push(...r.skips);
      if (r.deferred) total.deferred = r.deferred;
      if (r.leased === 0 || r.deferred) stop = true;
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, options.workers ?? 2) }, loop));
  const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  return total;
}
