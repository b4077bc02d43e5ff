/**
 * Every crash point of the reminder engine, one at a time (decision 052): the worker is killed
 * the first time it reaches the point — for a single send's points, after a batch was first
 * killed with its messages stored but not sent, so their recovery goes through the single path —
 * then runs every 15 minutes until what the kill left has healed. Each plan must reach its point,
 * and the mailbox then holds each eligible reminder exactly once (by Message-ID, counted in the
 * capturing SMTP server), every eligible claim is sent, the one paid between the claim and the
 * batch is skipped, and each sent reminder asked for its ledger note once.
 *
 * A random plan (kill.test.ts) hits whichever points the batch's concurrent sends reach first;
 * this one proves each point on its own, whatever the timing.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { invoices, reminderSends, writebacks } from '../../server/db/schema';
import { BATCH_CRASH_POINTS, type CrashPoint } from '../../server/reminders/deps';
import { describeWith } from '../support/services';
import type { AnyCrashPoint } from './harness';
import { type ContactSeed, startSmall } from './seed';

const MIN15 = 15 * 60_000;

const CONTACTS: ContactSeed[] = [
  { externalId: 'c-a', name: 'Alder Bakery', emails: [{ address: 'ap@alder.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-b', name: 'Birch Joinery', emails: [{ address: 'accounts@birch.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-c', name: 'Cedar Dental', emails: [{ address: 'billing@cedar.example', primary: true, includeInEmails: true }] },
];

/** A kill at `point`, reached after the kills before it (each at its first occurrence). */
const PLANS: { point: CrashPoint; before: CrashPoint[] }[] = [
  { point: 'run.after-claim', before: [] },
  ...BATCH_CRASH_POINTS.map((point) => ({ point, before: [] })),
  // The single path (`reminders.send`): what a batch killed after storing its messages left.
  ...(['send.after-lease', 'send.before-smtp', 'send.before-handoff', 'send.after-smtp', 'send.after-mark'] as const).map((point) => ({ point, before: ['batch.before-smtp' as CrashPoint] })),
];

describeWith('pg', 'Reminders: a kill at each crash point, then exactly once', () => {
  for (const plan of PLANS) {
    it(`killed at ${plan.point}${plan.before.length ? ` (after ${plan.before.join(', ')})` : ''}`, async () => {
      const s = await startSmall({
        contacts: CONTACTS,
        invoices: [
          { number: 'INV-1', due: -1, contact: 'c-a' },
          { number: 'INV-2', due: -8, contact: 'c-a' },
          { number: 'INV-3', due: -1, contact: 'c-b' },
          { number: 'INV-4', due: -15, contact: 'c-b' },
          { number: 'INV-5', due: -1, contact: 'c-c' },
          // Paid after it was claimed, before its batch re-checks it.
          { number: 'INV-6', due: -8, contact: 'c-c' },
        ],
      });
      try {
        const queue: AnyCrashPoint[] = [...plan.before, plan.point];
        const driver = s.driver({ shouldCrash: (p) => queue[0] === p && queue.shift() !== undefined });
        const paidLater = async () => {
          await s.db
            .update(invoices)
            .set({ status: 'paid', amountDue: '0.00' })
            .where(and(eq(invoices.organisationId, s.org.id), eq(invoices.number, 'INV-6')));
        };
        await driver.tick([s.org.id], paidLater);
        for (let i = 0; i < 3 && queue.length; i++) {
          s.advance(MIN15);
          await driver.tick([s.org.id]);
        }
        // Every planned kill happened, each at its point.
        expect(queue, 'points never reached').toEqual([]);
        for (const p of [...plan.before, plan.point]) expect(driver.stats.crashes[p] ?? 0, `killed at ${p}`).toBeGreaterThan(0);
        // Heal: the next runs, a lease later, without kills.
        driver.stopCrashing();
        for (let i = 0; i < 2; i++) {
          s.advance(MIN15);
          await driver.tick([s.org.id]);
        }

        const rows = await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id));
        const sent = rows.filter((r) => r.status === 'sent');
        const skipped = rows.filter((r) => r.status === 'skipped');
        // The five eligible invoices: one reminder each, sent.
        expect(sent.map((r) => r.subjectId).sort()).toEqual(['INV-1', 'INV-2', 'INV-3', 'INV-4', 'INV-5'].map((n) => expect.stringContaining(n)));
        expect(sent.map((r) => r.subjectId).filter((id) => id.includes('INV-6'))).toEqual([]);
        expect(rows.filter((r) => !['sent', 'skipped'].includes(r.status)), 'nothing left half-done').toEqual([]);
        // INV-6 was paid after its claim: skipped as paid, by whichever path re-checked it first; other skips are earlier steps the plan superseded.
        expect(skipped.filter((r) => r.subjectId.includes('INV-6')).map((r) => r.skipReason)).toContain('paid');
        expect(skipped.filter((r) => !r.subjectId.includes('INV-6') && r.skipReason !== 'superseded')).toEqual([]);
        // Exactly once in the mailbox: one message per sent row, under its own Message-ID.
        const ids = s.capture.messages.map((m) => m.messageId);
        expect(ids).toHaveLength(5);
        expect(new Set(ids).size).toBe(5);
        expect(new Set(ids)).toEqual(new Set(sent.map((r) => r.messageId.replace(/^<|>$/g, ''))));
        // Each sent reminder asked for its ledger note once (no ledger here: requested, pending).
        const notes = await s.db
          .select({ sourceKey: writebacks.sourceKey })
          .from(writebacks)
          .where(and(eq(writebacks.organisationId, s.org.id), eq(writebacks.kind, 'note'), inArray(writebacks.purpose, ['reminder'])));
        expect(notes).toHaveLength(5);
        expect(new Set(notes.map((n) => n.sourceKey)).size).toBe(5);
      } finally {
        await s.close();
      }
    }, 60_000);
  }
});
