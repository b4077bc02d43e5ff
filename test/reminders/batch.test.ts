/**
 * Sending in batches (server/reminders/send-batch.ts, decision 052): a batch whose claims were
 * planned while every invoice was due, and which by send time holds one paid invoice, one paused
 * customer and one customer who unsubscribed, sends exactly the eligible ones, once each, and
 * records the others as skipped with their reasons in words. Real PostgreSQL, real SMTP.
 */
import { and, asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { activities, invoices, reminderCustomers, reminderSends, reminderUnsubscribes, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import type { ReminderDeps } from '../../server/reminders/deps';
import { runOrganisation } from '../../server/reminders/run';
import { sendBatch } from '../../server/reminders/send-batch';
import { skipReasonText } from '../../server/reminders/types';
import { describeWith } from '../support/services';
import { addDays } from '../../kernel/dates';
import { MONDAY, startSmall } from './seed';

const CONTACTS = [
  { externalId: 'c-ok', name: 'Okay Bakery Ltd', emails: [{ address: 'ap@okay.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-ok2', name: 'Second Okay Ltd', emails: [{ address: 'ap@second.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-paid', name: 'Paid Up Ltd', emails: [{ address: 'ap@paidup.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-paused', name: 'Paused Ltd', emails: [{ address: 'ap@paused.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-optout', name: 'Opted Out Ltd', emails: [{ address: 'ap@optout.example', primary: true, includeInEmails: true }] },
];

describeWith('pg', 'Reminders: sending in batches', () => {
  it('a batch with eligible and now-ineligible claims sends exactly the eligible ones, once each, and records the others with reasons', async () => {
    const s = await startSmall({
      contacts: CONTACTS,
      invoices: [
        { number: 'INV-OK', due: 0, contact: 'c-ok' },
        { number: 'INV-OK2', due: 0, contact: 'c-ok2' },
        { number: 'INV-PAID', due: 0, contact: 'c-paid' },
        { number: 'INV-PAUSED', due: 0, contact: 'c-paused' },
        { number: 'INV-OPTOUT', due: 0, contact: 'c-optout' },
      ],
    });
    try {
      const queued: string[] = [];
      const deps: ReminderDeps = { ...s.env, db: s.db, log: createLogger('silent'), enqueueSend: async () => {}, enqueueBatch: async () => {}, enqueueWriteback: async (id) => void queued.push(id) };
      const run = await runOrganisation(deps, s.org.id);
      expect(run.claimed).toHaveLength(5);

      // Between planning and sending: one invoice paid, one customer paused, one address unsubscribed.
      await s.db.update(invoices).set({ status: 'paid', amountDue: '0.00', amountPaid: '100.00' }).where(and(eq(invoices.organisationId, s.org.id), eq(invoices.number, 'INV-PAID')));
      await s.db.insert(reminderCustomers).values({ firmId: s.firmId, organisationId: s.org.id, contactExternalId: 'c-paused', pausedUntil: addDays(MONDAY, 14) });
      await s.db.insert(reminderUnsubscribes).values({ firmId: s.firmId, organisationId: s.org.id, contactExternalId: 'c-optout', address: 'ap@optout.example', source: 'link' });
      s.advance(60_000);

      const r = await sendBatch(deps, s.org.id, { size: 10, concurrency: 3 });
      expect(r).toMatchObject({ leased: 5, sent: 2, skipped: 3, failed: 0, retry: 0, deferred: null });

      // Exactly the eligible ones, once each.
      expect(s.capture.messages.map((m) => m.to.join(',')).sort()).toEqual(['ap@okay.example', 'ap@second.example']);
      expect(new Set(s.capture.messages.map((m) => m.messageId)).size).toBe(2);

      const rows = await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id)).orderBy(asc(reminderSends.contactExternalId));
      // Each customer also has the earlier step the planner passed over (recorded as superseded, never
      // sent); the rows that matter are the due step's — one per customer, whatever order ties come in.
      expect(rows.filter((row) => row.skipReason === 'superseded').map((row) => row.contactExternalId).sort()).toEqual(CONTACTS.map((c) => c.externalId).sort());
      const by = new Map(rows.filter((row) => row.skipReason !== 'superseded').map((row) => [row.contactExternalId, row]));
      expect(by.size).toBe(CONTACTS.length);
      // The skip reason is in the comparison so a failure says why.
      expect(by.get('c-ok')).toMatchObject({ status: 'sent', attempts: 1, skipReason: null });
      expect(by.get('c-ok2')).toMatchObject({ status: 'sent', attempts: 1, skipReason: null });
      expect(by.get('c-ok')!.handoff).toMatchObject({ rejected: [] });
      // The others, with their reasons — shown in words.
      const reasons = Object.fromEntries(['c-paid', 'c-paused', 'c-optout'].map((c) => [c, { status: by.get(c)!.status, words: skipReasonText(by.get(c)!.skipReason ?? '') }]));
      expect(reasons).toEqual({
        'c-paid': { status: 'skipped', words: 'The invoice was paid' },
        'c-paused': { status: 'skipped', words: 'Reminders for the customer are paused' },
        'c-optout': { status: 'skipped', words: 'Every recipient unsubscribed' },
      });
      for (const w of Object.values(reasons)) expect(w.words).not.toMatch(/_/);

      // Recorded like single sends: a timeline entry and a ledger note request for each email sent, queued.
      const sentActivities = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'reminder.sent')));
      expect(sentActivities).toHaveLength(2);
      const notes = await s.db.select().from(writebacks).where(and(eq(writebacks.organisationId, s.org.id), eq(writebacks.kind, 'note')));
      expect(notes).toHaveLength(2);
      expect(queued.sort()).toEqual(notes.map((n) => n.id).sort());

      // Nothing is left to lease, and nothing goes out twice.
      const again = await sendBatch(deps, s.org.id);
      expect(again.leased).toBe(0);
      expect(s.capture.messages).toHaveLength(2);
    } finally {
      await s.close();
    }
  }, 60_000);
});
