/**
 * Reminders in the client's loop (docs/decisions/024-client-approvals.md) on PostgreSQL with the
 * reminder harness and captured SMTP: an organisation whose client-approval policy holds the first
 * reminder to a new customer claims it as waiting for the client; the firm cannot approve it for
 * the client (no `client.approve`, and the staff approval does not move it); the client contact's
 * queue shows it in words; approved → exactly one email, however often the worker ticks or the
 * approval is clicked; declined → none, skipped with the comment; the timeline names who decided.
 * A step that needs a collector's approval waits for the collector first, then for the client.
 */
import { and, asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Auth } from '../../server/auth/current-user';
import { can } from '../../server/auth/permissions';
import { activities, clientApprovalPolicies, reminderPolicies, reminderSends } from '../../server/db/schema';
import { decideReminderForClient, listClientReminders } from '../../server/reminders/client-approval';
import { createPolicy } from '../../server/reminders/config-store';
import { approveSend, rejectSend } from '../../server/reminders/outbox';
import { describeWith } from '../support/services';
import { type Small, startSmall } from './seed';

const MIN15 = 15 * 60_000;

async function sends(s: Small, status?: string) {
  const rows = await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id)).orderBy(asc(reminderSends.claimedAt));
  return status ? rows.filter((r) => r.status === status) : rows;
}

function clientContact(s: Small, organisationIds: string[]): Auth {
  return { userId: s.userId, firmId: s.firmId, role: 'client_contact', organisationIds, userName: 'Clara Client', userEmail: 'clara@client.example', firmName: 'Firm' };
}

async function holdFirstReminders(s: Small, extra: Partial<typeof clientApprovalPolicies.$inferInsert> = {}) {
  await s.db.insert(clientApprovalPolicies).values({ firmId: s.firmId, organisationId: s.org.id, firstReminders: true, ...extra });
}

describeWith('pg', 'Reminders: the client approves', () => {
  it('holds the first reminder for the client; approved → one email, declined → none', async () => {
    const s = await startSmall({
      invoices: [
        { number: 'CA-N', due: 0, contact: 'c-north', amount: '120.50' },
        { number: 'CA-B', due: 0, contact: 'c-bayside', amount: '80.00' },
      ],
    });
    try {
      await holdFirstReminders(s);
      const d = s.driver();
      await d.tick([s.org.id]);
      s.advance(MIN15);
      await d.tick([s.org.id]);
      const held = await sends(s, 'awaiting_client');
      expect(held.map((h) => h.contactExternalId).sort()).toEqual(['c-bayside', 'c-north']);
      expect(held.every((h) => h.needsClientApproval)).toBe(true);
      expect(s.capture.messages).toHaveLength(0);

      // Nobody at the firm decides for the client.
      expect(can({ role: 'collector' }, 'client.approve')).toBe(false);
      expect(can({ role: 'admin' }, 'client.approve')).toBe(false);
      expect(can({ role: 'client_contact' }, 'client.approve')).toBe(true);
      const north = held.find((h) => h.contactExternalId === 'c-north')!;
      const bayside = held.find((h) => h.contactExternalId === 'c-bayside')!;
      await expect(approveSend(s.db, s.firmId, north.id, s.userId, s.now())).rejects.toMatchObject({ kind: 'conflict' });
      await expect(rejectSend(s.db, s.firmId, north.id, s.now())).rejects.toMatchObject({ kind: 'conflict' });
      // A client contact of another organisation: as if it did not exist.
      const queued: string[] = [];
      const deps = { db: s.db, now: s.now, enqueueSend: async (id: string) => void queued.push(id) };
      await expect(decideReminderForClient(deps, clientContact(s, ['00000000-0000-4000-8000-000000000000']), north.id, { approve: true })).rejects.toMatchObject({ kind: 'not_found' });
      await d.tick([s.org.id]);
      expect(s.capture.messages).toHaveLength(0);

      // The client contact's queue, in words.
      const clara = clientContact(s, [s.org.id]);
      const queue = await listClientReminders(s.db, clara, s.now());
      const item = queue.find((q) => q.id === north.id)!;
      expect(item).toMatchObject({ customer: 'North Yard', subject: 'Invoice CA-N is due today' });
      expect(item.to).toContain('@northyard.example');
      expect(item.invoices).toEqual([expect.objectContaining({ number: 'CA-N' })]);
      expect(item.invoices[0]!.amountDue).toContain('120.50');
      expect(JSON.stringify(queue)).not.toMatch(/c-north|awaiting_client|pending_approval/);

      // Approved: sent once, even with a second click and several ticks.
      await decideReminderForClient(deps, clara, north.id, { approve: true });
      await expect(decideReminderForClient(deps, clara, north.id, { approve: true })).rejects.toMatchObject({ kind: 'conflict' });
      expect(queued).toEqual([north.id]);
      await d.tick([s.org.id]);
      s.advance(MIN15);
      await d.tick([s.org.id]);
      s.advance(11 * 60_000);
      await d.tick([s.org.id]);
      expect(s.capture.messages.map((m) => m.subject)).toEqual(['Invoice CA-N is due today']);
      const [sentRow] = await s.db.select().from(reminderSends).where(eq(reminderSends.id, north.id));
      expect(sentRow).toMatchObject({ status: 'sent', clientDecidedByUserId: s.userId });

      // Declined: never sent, skipped with the comment.
      await expect(decideReminderForClient(deps, clara, bayside.id, { approve: false, comment: 'We are talking to them ourselves' })).resolves.toMatchObject({ status: 'skipped' });
      await d.tick([s.org.id]);
      s.advance(MIN15);
      await d.tick([s.org.id]);
      expect(s.capture.messages).toHaveLength(1);
      const [declined] = await s.db.select().from(reminderSends).where(eq(reminderSends.id, bayside.id));
      expect(declined).toMatchObject({ status: 'skipped', skipReason: 'declined_by_client', clientDecisionNote: 'We are talking to them ourselves' });

      const timeline = await s.db.select({ summary: activities.summary, kind: activities.kind }).from(activities).where(and(eq(activities.organisationId, s.org.id)));
      expect(timeline.map((t) => t.summary)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Approved by Clara Client \(client contact\): Reminder \d+ to North Yard/), expect.stringMatching(/^Declined by Clara Client \(client contact\): Reminder \d+ to Bayside Cafe Ltd .*“We are talking to them ourselves”$/)]),
      );
      expect(await listClientReminders(s.db, clara, s.now())).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('a step that needs a collector waits for the collector first, then for the client', async () => {
    const s = await startSmall({ invoices: [{ number: 'CB-1', due: 0, contact: 'c-north' }] });
    try {
      await s.db.delete(reminderPolicies).where(eq(reminderPolicies.firmId, s.firmId));
      await createPolicy(s.db, s.firmId, { name: 'Careful', scope: 'firm', organisationId: null, segment: null, contactExternalId: null, grouping: 'invoice', steps: [{ offsetDays: 0, approval: 'manual' }] as never, enabled: true }, s.now());
      await holdFirstReminders(s);
      const d = s.driver();
      await d.tick([s.org.id]);
      const [pending] = await sends(s, 'pending_approval');
      expect(pending).toMatchObject({ needsClientApproval: true });
      const clara = clientContact(s, [s.org.id]);
      expect(await listClientReminders(s.db, clara, s.now())).toEqual([]);
      const moved = await approveSend(s.db, s.firmId, pending!.id, s.userId, s.now());
      expect(moved.status).toBe('awaiting_client');
      await d.tick([s.org.id]);
      s.advance(MIN15);
      await d.tick([s.org.id]);
      expect(s.capture.messages).toHaveLength(0);
      expect((await listClientReminders(s.db, clara, s.now())).map((q) => q.id)).toEqual([pending!.id]);
      await decideReminderForClient({ db: s.db, now: s.now, enqueueSend: async () => {} }, clara, pending!.id, { approve: true });
      // Nothing queued it here: the run picks the claim up once it has waited for a lease.
      s.advance(11 * 60_000);
      await d.tick([s.org.id]);
      s.advance(MIN15);
      await d.tick([s.org.id]);
      expect(s.capture.messages.map((m) => m.subject)).toEqual(['Invoice CB-1 is due today']);
      await s.db.delete(reminderPolicies).where(eq(reminderPolicies.firmId, s.firmId));
    } finally {
      await s.close();
    }
  });
});
