/**
 * Sending, against this worker's PostgreSQL and a real in-process SMTP server: quiet hours and
 * business days in two time zones, the daily limit (also under concurrent workers), grouped
 * emails, permanent and temporary SMTP failures, stops (paid, credited, voided), pauses
 * (promise, dispute, payment plan, customer pause, exclusion) and approvals.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import { activities, contacts, invoices, reminderDailyCounts, reminderPolicies, reminderSends, reminderSettings, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { createPolicy } from '../../server/reminders/config-store';
import type { ReminderDeps } from '../../server/reminders/deps';
import { localClock, zonedInstant } from '../../server/reminders/local-time';
import { approveSend } from '../../server/reminders/outbox';
import { runOrganisation } from '../../server/reminders/run';
import { sendReminder } from '../../server/reminders/send';
import { describeWith } from '../support/services';
import { MONDAY, type Small, startSmall } from './seed';

const MIN15 = 15 * 60_000;

/** Deps whose queue forgets everything: the claims stay claimed until a test sends them. */
function bare(s: Small): ReminderDeps {
  return { ...s.env, db: s.db, log: createLogger('silent'), enqueueSend: async () => {}, enqueueWriteback: async () => {} };
}

/** Tick at the given local minutes of each day from MONDAY. */
async function daily(s: Small, days: number, minutes = [540, 780]) {
  const d = s.driver();
  for (let day = 0; day < days; day++) {
    for (const m of minutes) {
      s.set(zonedInstant(addDays(MONDAY, day), m, s.org.timezone));
      await d.tick([s.org.id]);
    }
  }
  return d;
}

async function sends(s: Small, status?: string) {
  const rows = await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id)).orderBy(asc(reminderSends.claimedAt));
  return status ? rows.filter((r) => r.status === status) : rows;
}

describeWith('pg', 'Reminders: sending', () => {
  for (const tz of ['Pacific/Auckland', 'America/Los_Angeles']) {
    it(`${tz}: only on business days, inside the local window, at the first run after it opens`, async () => {
      // Due Saturday: the −3 step falls on Wednesday, the due-date step on Saturday → Monday.
      const s = await startSmall({ timezone: tz, invoices: [{ number: 'INV-SAT', due: 5, contact: 'c-north' }] });
      try {
        const d = s.driver();
        s.set(zonedInstant(MONDAY, 8 * 60, tz));
        const outside = await runOrganisation(bare(s), s.org.id);
        expect(outside.reason).toBe('outside_window');
        for (let i = 0; i < 8 * 96; i++) {
          await d.tick([s.org.id]);
          s.advance(MIN15);
        }
        const when = s.capture.messages.map((m) => localClock(tz, m.at));
        expect(when).toEqual([
          { date: addDays(MONDAY, 2), minute: 540, isoWeekday: 3 },
          { date: addDays(MONDAY, 7), minute: 540, isoWeekday: 1 },
        ]);
        expect(s.capture.messages.map((m) => m.subject)).toEqual(['Invoice INV-SAT is due on 28 Nov 2026', 'Invoice INV-SAT is 2 days overdue']);
      } finally {
        await s.close();
      }
    }, 120_000);
  }

  it('a claim picked up after the window closed goes back and waits for the next opening', async () => {
    const s = await startSmall({ invoices: [{ number: 'INV-1', due: 0, contact: 'c-north' }], startMinute: 16 * 60 + 45 });
    try {
      s.set(zonedInstant(addDays(MONDAY, 4), 16 * 60 + 45, s.org.timezone));
      const run = await runOrganisation(bare(s), s.org.id);
      expect(run.claimed).toHaveLength(1);
      s.advance(20 * 60_000);
      const r = await sendReminder(bare(s), run.claimed[0]!);
      expect(r).toEqual({ outcome: 'deferred', why: 'window', until: zonedInstant(addDays(MONDAY, 7), 540, s.org.timezone) });
      const [row] = await s.db.select().from(reminderSends).where(eq(reminderSends.id, run.claimed[0]!));
      expect(row).toMatchObject({ status: 'claimed', attempts: 0, leaseUntil: null });
      expect(s.capture.messages).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('keeps to the daily limit, most overdue first, and carries the rest to the next days', async () => {
    const s = await startSmall({ settings: { dailyLimit: 2 }, invoices: [1, 2, 3, 4, 5].map((n) => ({ number: `INV-L${n}`, due: -n, contact: 'c-north' })) });
    try {
      await daily(s, 3);
      const byDay = new Map<string, string[]>();
      for (const m of s.capture.messages) {
        const day = localClock(s.org.timezone, m.at).date;
        byDay.set(day, [...(byDay.get(day) ?? []), m.subject.replace(/^.*(INV-L\d).*$/, '$1')]);
      }
      expect([...byDay.entries()]).toEqual([
        [MONDAY, ['INV-L5', 'INV-L4']],
        [addDays(MONDAY, 1), ['INV-L3', 'INV-L2']],
        // Wednesday: INV-L5's +7 step falls due too, and goes first (further along).
        [addDays(MONDAY, 2), ['INV-L5', 'INV-L1']],
      ]);
      const counts = await s.db.select().from(reminderDailyCounts).where(eq(reminderDailyCounts.organisationId, s.org.id)).orderBy(asc(reminderDailyCounts.day));
      expect(counts.map((c) => c.count)).toEqual([2, 2, 2]);
    } finally {
      await s.close();
    }
  });

  it('concurrent workers: a claim is sent once, and the daily limit holds across them', async () => {
    const s = await startSmall({ settings: { dailyLimit: 10 }, invoices: [1, 2, 3, 4, 5, 6].map((n) => ({ number: `INV-C${n}`, due: -n, contact: 'c-north' })) });
    try {
      const run = await runOrganisation(bare(s), s.org.id);
      expect(run.claimed).toHaveLength(6);
      const first = run.claimed[0]!;
      const same = await Promise.all(Array.from({ length: 5 }, () => sendReminder(bare(s), first)));
      expect(same.filter((r) => r.outcome === 'sent')).toHaveLength(1);
      expect(same.filter((r) => r.outcome === 'not_claimable')).toHaveLength(4);
      await s.db.update(reminderSettings).set({ dailyLimit: 3 }).where(eq(reminderSettings.organisationId, s.org.id));
      const rest = await Promise.all(run.claimed.slice(1).map((id) => sendReminder(bare(s), id)));
      expect(rest.filter((r) => r.outcome === 'sent')).toHaveLength(2);
      expect(rest.filter((r) => r.outcome === 'deferred' && r.why === 'daily_limit')).toHaveLength(3);
      expect(s.capture.messages).toHaveLength(3);
    } finally {
      await s.close();
    }
  });

  it('grouped policy: one email per customer per day listing every overdue invoice, sent again only when a step falls due', async () => {
    const s = await startSmall({
      invoices: [
        { number: 'G-20', due: -20 },
        { number: 'G-10', due: -10 },
        { number: 'G-3', due: -3 },
        { number: 'G+10', due: 10 },
      ],
    });
    try {
      // Instead of the per-invoice policy startSmall gives these tests.
      await s.db.delete(reminderPolicies).where(eq(reminderPolicies.firmId, s.firmId));
      await createPolicy(s.db, s.firmId, { name: 'Statements', scope: 'organisation', organisationId: s.org.id, segment: null, contactExternalId: null, grouping: 'customer', steps: [{ offsetDays: -3 }, { offsetDays: 0 }, { offsetDays: 7 }, { offsetDays: 14 }, { offsetDays: 30 }] as never, enabled: true }, s.now());
      await daily(s, 11);
      const got = s.capture.messages.map((m) => ({ day: localClock(s.org.timezone, m.at).date, to: m.to, listed: ['G-20', 'G-10', 'G-3', 'G+10'].filter((n) => m.text.includes(`${n}:`)) }));
      const to = ['ap@bayside.example', 'sam@bayside.example'];
      expect(got).toEqual([
        { day: MONDAY, to, listed: ['G-20', 'G-10', 'G-3'] },
        { day: addDays(MONDAY, 4), to, listed: ['G-20', 'G-10', 'G-3'] },
        { day: addDays(MONDAY, 7), to, listed: ['G-20', 'G-10', 'G-3', 'G+10'] },
        { day: addDays(MONDAY, 10), to, listed: ['G-20', 'G-10', 'G-3', 'G+10'] },
      ]);
      const first = s.capture.messages[0]!;
      expect(first.subject).toBe('Bayside Cafe Ltd: £3,750.00 overdue with Harbour Test Ltd');
      expect(first.html).toContain('<table');
      const parents = (await sends(s)).filter((r) => r.subjectType === 'customer');
      expect(parents.map((p) => p.stepKey)).toEqual([`day:${MONDAY}`, `day:${addDays(MONDAY, 4)}`, `day:${addDays(MONDAY, 7)}`, `day:${addDays(MONDAY, 10)}`]);
      const children = (await sends(s)).filter((r) => r.parentId === parents[0]!.id);
      expect(children.map((c) => c.status)).toEqual(['grouped', 'grouped', 'grouped']);
      // One note write-back on each invoice the statement covered (no ledger here: left pending).
      const notes = await s.db
        .select()
        .from(writebacks)
        .where(and(eq(writebacks.organisationId, s.org.id), sql`${writebacks.sourceKey} LIKE ${`reminder_note:${parents[0]!.id}:%`}`));
      expect(notes).toHaveLength(3);
      expect(notes.map((n) => n.invoiceExternalId).sort()).toEqual([...parents[0]!.invoiceExternalIds].sort());
      expect(notes.every((n) => n.kind === 'note' && n.purpose === 'reminder' && n.status === 'pending')).toBe(true);
      expect(notes[0]!.noteText).toMatch(/^Arcus: overdue statement \(3 invoices, reminder \d+\) sent 2026-11-23 to ap@…, sam@… · https:\/\/arcus\.test\/reminders\/sends\//);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a rejected recipient is a permanent failure, recorded and shown; a partly rejected email is sent and says so', async () => {
    const s = await startSmall({
      contacts: [
        { externalId: 'c-bad', name: 'Bad Address Ltd', emails: [{ address: 'ap@nowhere.invalid', primary: true }] },
        { externalId: 'c-half', name: 'Half Good Ltd', emails: [{ address: 'ap@half.example', primary: true }, { address: 'old@gone.invalid', includeInEmails: true }] },
      ],
      invoices: [
        { number: 'INV-BAD', due: 0, contact: 'c-bad' },
        { number: 'INV-HALF', due: 0, contact: 'c-half' },
      ],
    });
    try {
      await daily(s, 2);
      const bad = (await sends(s)).find((r) => r.subjectId.endsWith('INV-BAD') && r.stepKey === 'due')!;
      expect(bad.status).toBe('failed_permanent');
      expect(bad.attempts).toBe(1);
      expect(bad.error).toMatch(/refused.*550/);
      const [act] = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'reminder.failed')));
      expect(act!.summary).toBe('Reminder 2 to ap@… could not be delivered');
      const half = (await sends(s)).find((r) => r.subjectId.endsWith('INV-HALF') && r.stepKey === 'due')!;
      expect(half).toMatchObject({ status: 'sent', rejected: ['old@gone.invalid'] });
      expect(s.capture.messages.map((m) => m.to)).toEqual([['ap@half.example']]);
    } finally {
      await s.close();
    }
  });

  it('a temporary failure is retried with backoff until it goes; too many become permanent', async () => {
    let refusals = 2;
    const s = await startSmall({
      invoices: [
        { number: 'INV-T', due: 0, contact: 'c-north' },
        { number: 'INV-NEVER', due: 0, contact: 'c-none' },
      ],
      contacts: [
        { externalId: 'c-north', name: 'North Yard', emails: [{ address: 'accounts@northyard.example', primary: true }] },
        { externalId: 'c-none', name: 'Greylist Ltd', emails: [{ address: 'ap@greylist.example', primary: true }] },
      ],
      reject: (a) => (a === 'accounts@northyard.example' && refusals-- > 0 ? { code: 451, message: 'Try again later' } : a === 'ap@greylist.example' ? { code: 421, message: 'Busy' } : null),
    });
    try {
      const d = s.driver();
      for (let i = 0; i < 40; i++) {
        await d.tick([s.org.id]);
        s.advance(MIN15);
      }
      const rows = await sends(s);
      const t = rows.find((r) => r.subjectId.endsWith('INV-T') && r.stepKey === 'due')!;
      expect(t).toMatchObject({ status: 'sent', attempts: 3 });
      const never = rows.find((r) => r.subjectId.endsWith('INV-NEVER') && r.stepKey === 'due')!;
      expect(never.status).toBe('failed_permanent');
      expect(never.error).toMatch(/^Gave up after 6 attempts: .*421/);
      expect(s.capture.messages).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('stops as soon as the invoice is paid, credited or voided — even a claim already made', async () => {
    const s = await startSmall({
      invoices: [
        { number: 'S-PAID', due: 0, contact: 'c-north' },
        { number: 'S-CRED', due: 0, contact: 'c-north' },
        { number: 'S-VOID', due: 0, contact: 'c-north' },
      ],
    });
    try {
      const run = await runOrganisation(bare(s), s.org.id);
      expect(run.claimed).toHaveLength(3);
      // What a sync writes when the ledger says so.
      const set = async (n: string, v: Partial<typeof invoices.$inferInsert>) => s.db.update(invoices).set(v).where(and(eq(invoices.organisationId, s.org.id), eq(invoices.number, n)));
      await set('S-PAID', { status: 'paid', amountDue: '0', amountPaid: '1250.00' });
      await set('S-CRED', { status: 'paid', amountDue: '0', amountCredited: '1250.00' });
      await set('S-VOID', { status: 'voided', amountDue: '0' });
      const results = await Promise.all(run.claimed.map((id) => sendReminder(bare(s), id)));
      expect(results.map((r) => (r.outcome === 'skipped' ? r.reason : r.outcome)).sort()).toEqual(['credited', 'paid', 'voided']);
      expect(s.capture.messages).toHaveLength(0);
      await daily(s, 10);
      expect(s.capture.messages).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('does not chase on stale data: a claim for an organisation whose ledger needs reconnecting is held back', async () => {
    const s = await startSmall({ invoices: [{ number: 'D-1', due: 0, contact: 'c-north' }] });
    try {
      const run = await runOrganisation(bare(s), s.org.id);
      const { organisations } = await import('../../server/db/schema');
      await s.db.update(organisations).set({ status: 'needs_reauth' }).where(eq(organisations.id, s.org.id));
      expect(await sendReminder(bare(s), run.claimed[0]!)).toEqual({ outcome: 'skipped', reason: 'ledger_disconnected' });
      expect((await runOrganisation(bare(s), s.org.id)).reason).toBe('inactive');
      // Reconnected: the same step is revived and goes.
      await s.db.update(organisations).set({ status: 'active' }).where(eq(organisations.id, s.org.id));
      await s.driver().tick([s.org.id]);
      expect(s.capture.messages.map((m) => m.subject)).toEqual(['Invoice D-1 is due today']);
    } finally {
      await s.close();
    }
  });

  it('pauses for a promise (until its date), a dispute and a payment plan (until resolved or ended), a customer pause; skips are recorded and lift', async () => {
    const s = await startSmall({
      invoices: [
        { number: 'P-PROM', due: 0, contact: 'c-north' },
        { number: 'P-DISP', due: 0, contact: 'c-north' },
        { number: 'P-PLAN', due: 0, contact: 'c-north' },
        { number: 'P-CUST', due: 0, contact: 'c-bayside' },
      ],
    });
    try {
      const [north] = await s.db.select().from(contacts).where(and(eq(contacts.organisationId, s.org.id), eq(contacts.externalId, 'c-north')));
      const at = s.now();
      await s.db.insert(activities).values([
        { firmId: s.firmId, organisationId: s.org.id, actorType: 'user', kind: 'promise.recorded', invoiceId: await s.invoiceId('P-PROM'), summary: 'Promised', details: { promisedDate: addDays(MONDAY, 1) }, createdAt: at },
        { firmId: s.firmId, organisationId: s.org.id, actorType: 'user', kind: 'invoice.disputed', invoiceId: await s.invoiceId('P-DISP'), summary: 'Disputed', createdAt: at },
        { firmId: s.firmId, organisationId: s.org.id, actorType: 'user', kind: 'plan.created', invoiceId: await s.invoiceId('P-PLAN'), contactId: north!.id, summary: 'Plan', createdAt: at },
      ]);
      const { saveCustomer } = await import('../../server/reminders/customers');
      await saveCustomer(s.db, { firmId: s.firmId, organisationId: s.org.id, contactExternalId: 'c-bayside', input: { pausedUntil: addDays(MONDAY, 2) }, now: at });
      await daily(s, 1);
      expect(s.capture.messages).toHaveLength(0);
      const reasons = Object.fromEntries((await sends(s, 'skipped')).filter((r) => r.stepKey === 'due').map((r) => [r.subjectId.replace(/^inv-\d+-/, ''), r.skipReason]));
      expect(reasons).toEqual({ 'P-PROM': 'promise_to_pay', 'P-DISP': 'disputed', 'P-PLAN': 'payment_plan', 'P-CUST': 'customer_paused' });
      // Tuesday: still promised (through its date). Wednesday: the promise lapsed; the dispute is resolved, the plan goes on.
      await s.db.insert(activities).values({ firmId: s.firmId, organisationId: s.org.id, actorType: 'user', kind: 'dispute.resolved', invoiceId: await s.invoiceId('P-DISP'), summary: 'Resolved', createdAt: new Date(at.getTime() + 1000) });
      const d = s.driver();
      s.set(zonedInstant(addDays(MONDAY, 1), 600, s.org.timezone));
      await d.tick([s.org.id]);
      expect(s.capture.messages.map((m) => m.subject)).toEqual(['Invoice P-DISP is 1 day overdue']);
      s.set(zonedInstant(addDays(MONDAY, 2), 600, s.org.timezone));
      await d.tick([s.org.id]);
      s.set(zonedInstant(addDays(MONDAY, 3), 600, s.org.timezone));
      await d.tick([s.org.id]);
      expect(s.capture.messages.map((m) => m.subject).sort()).toEqual(['Invoice P-CUST is 3 days overdue', 'Invoice P-DISP is 1 day overdue', 'Invoice P-PROM is 2 days overdue']);
      const plan = (await sends(s)).find((r) => r.subjectId.endsWith('P-PLAN') && r.stepKey === 'due')!;
      expect(plan).toMatchObject({ status: 'skipped', skipReason: 'payment_plan' });
    } finally {
      await s.close();
    }
  });

  it('a step that waits for approval is sent only once approved, and is superseded if the next step comes first', async () => {
    const s = await startSmall({
      invoices: [
        { number: 'A-1', due: 0, contact: 'c-north' },
        { number: 'A-2', due: 0, contact: 'c-north' },
      ],
    });
    try {
      await s.db.delete(reminderPolicies).where(eq(reminderPolicies.firmId, s.firmId));
      await createPolicy(s.db, s.firmId, { name: 'Careful', scope: 'firm', organisationId: null, segment: null, contactExternalId: null, grouping: 'invoice', steps: [{ offsetDays: 0, approval: 'manual' }, { offsetDays: 7 }] as never, enabled: true }, s.now());
      const d = s.driver();
      await d.tick([s.org.id]);
      const pending = await sends(s, 'pending_approval');
      expect(pending).toHaveLength(2);
      expect(s.capture.messages).toHaveLength(0);
      const a1 = pending.find((p) => p.subjectId.endsWith('A-1'))!;
      await approveSend(s.db, s.firmId, a1.id, s.userId, s.now());
      await d.tick([s.org.id]);
      s.advance(MIN15);
      await d.tick([s.org.id]);
      expect(s.capture.messages.map((m) => m.subject)).toEqual(['Invoice A-1 is due today']);
      const [sent] = await s.db.select().from(reminderSends).where(eq(reminderSends.id, a1.id));
      expect(sent).toMatchObject({ status: 'sent', approvedBy: s.userId });
      // A-2 was never approved: a week later its +7 step replaces it.
      s.set(zonedInstant(addDays(MONDAY, 7), 600, s.org.timezone));
      await d.tick([s.org.id]);
      const a2 = (await sends(s)).filter((r) => r.subjectId.endsWith('A-2'));
      expect(a2.map((r) => `${r.stepKey}:${r.status}:${r.skipReason ?? ''}`).sort()).toEqual(['after-7:sent:', 'due:skipped:superseded']);
      await s.db.delete(reminderPolicies).where(eq(reminderPolicies.firmId, s.firmId));
    } finally {
      await s.close();
    }
  });

  it('an excluded invoice, a customer without an address: skipped with the reason, never sent', async () => {
    const s = await startSmall({
      invoices: [
        { number: 'X-EXC', due: 0, contact: 'c-north' },
        { number: 'X-NONE', due: 0, contact: 'c-none' },
      ],
    });
    try {
      const { saveInvoiceHold } = await import('../../server/reminders/customers');
      const [inv] = await s.db.select().from(invoices).where(and(eq(invoices.organisationId, s.org.id), eq(invoices.number, 'X-EXC')));
      await saveInvoiceHold(s.db, { firmId: s.firmId, organisationId: s.org.id, invoiceExternalId: inv!.externalId, input: { excluded: true, reason: 'Handled by the owner' }, now: s.now() });
      await daily(s, 8);
      expect(s.capture.messages).toHaveLength(0);
      const skipped = (await sends(s, 'skipped')).filter((r) => r.skipReason !== 'superseded');
      expect(new Set(skipped.map((r) => `${r.subjectId.replace(/^inv-\d+-/, '')}:${r.skipReason}`))).toEqual(new Set(['X-EXC:invoice_excluded', 'X-NONE:no_recipients']));
    } finally {
      await s.close();
    }
  });
});
