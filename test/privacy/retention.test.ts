/**
 * Retention, run by its scheduled job on an injected clock: what is older than each period the
 * firm set is deleted (email bodies, timeline entries) or erased (closed customers); everything
 * newer, customers with something open, kinds without a period and other firms stay.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { retentionTickJob } from '../../jobs/privacy/jobs';
import { schedules } from '../../jobs/registry';
import { manualClock } from '../../kernel/clock';
import type { Database } from '../../server/db/client';
import { withFirm } from '../../server/db/firm-scope';
import { activities, auditLog, contacts, invoices, mailboxMessages, organisations, privacyErasures, reminderSends } from '../../server/db/schema';
import { SYSTEM_ACTOR } from '../../server/privacy/audit';
import { setRetention } from '../../server/privacy/retention';
import { createFirm, testDatabase } from '../support/db';
import { inlineQueueWith } from '../support/process';
import { describeWith } from '../support/services';

const NOW = '2026-06-15T10:00:00Z';
const OLD = new Date('2025-03-01T10:00:00Z'); // before every cut-off (365 days before NOW is 2025-06-15)
const RECENT = new Date('2026-05-20T10:00:00Z');

interface FirmSeed {
  firmId: string;
  orgId: string;
  closedOld: string;
  closedRecent: string;
  open: string;
  oldSend: string;
  newSend: string;
  oldActivity: string;
  newActivity: string;
  oldMail: string;
  newMail: string;
}

async function seed(database: Database): Promise<FirmSeed> {
  const db = database.db;
  const { firm } = await createFirm(database);
  const tag = randomUUID().slice(0, 8);
  const [org] = await db.insert(organisations).values({ firmId: firm.id, provider: 'xero', externalId: `t-${tag}`, name: `Org ${tag}`, baseCurrency: 'USD', timezone: 'UTC' }).returning();
  const orgId = org!.id;
  const contact = async (name: string, inv: { issue: string; due: string; amountDue: string; status: string; paidOn: string | null }) => {
    const ext = `c-${name}-${tag}`;
    const [c] = await db.insert(contacts).values({ firmId: firm.id, organisationId: orgId, externalId: ext, name: `${name} ${tag}`, emails: [{ address: `${name}-${tag}@debtor.example` }] }).returning();
    await db.insert(invoices).values({
      firmId: firm.id,
      organisationId: orgId,
      externalId: `i-${name}-${tag}`,
      contactExternalId: ext,
      contactId: c!.id,
      number: `INV-${name}`,
      issueDate: inv.issue,
      dueDate: inv.due,
      currency: 'USD',
      total: '100.00',
      amountDue: inv.amountDue,
      amountPaid: inv.paidOn ? '100.00' : '0',
      status: inv.status,
      fullyPaidOn: inv.paidOn,
    });
    return c!.id;
  };
  const closedOld = await contact('closedold', { issue: '2024-11-01', due: '2024-12-01', amountDue: '0', status: 'paid', paidOn: '2024-12-10' });
  const closedRecent = await contact('closedrecent', { issue: '2026-04-01', due: '2026-05-01', amountDue: '0', status: 'paid', paidOn: '2026-05-10' });
  const open = await contact('open', { issue: '2024-11-01', due: '2024-12-01', amountDue: '100.00', status: 'authorised', paidOn: null });
  const send = async (at: Date) => {
    const id = randomUUID();
    await db.insert(reminderSends).values({
      id,
      firmId: firm.id,
      organisationId: orgId,
      subjectType: 'invoice',
      subjectId: `i-open-${tag}`,
      stepKey: `s-${id}`,
      contactExternalId: `c-open-${tag}`,
      status: 'sent',
      plannedFor: at.toISOString().slice(0, 10),
      messageId: `<${id}@arcus.test>`,
      claimedAt: at,
      sentAt: at,
      updatedAt: at,
      recipients: [`open-${tag}@debtor.example`],
      subjectLine: 'Overdue',
      bodyText: 'Please pay',
      bodyHtml: '<p>Please pay</p>',
    });
    return id;
  };
  const activity = async (at: Date) => {
    const [a] = await db.insert(activities).values({ firmId: firm.id, organisationId: orgId, actorType: 'user', kind: 'note.added', summary: 'Called them', createdAt: at }).returning();
    return a!.id;
  };
  const mail = async (at: Date) => {
    const [m] = await db.insert(mailboxMessages).values({ firmId: firm.id, subject: 'Overdue', envelopeTo: [`open-${tag}@debtor.example`], text: 'Please pay', receivedAt: at }).returning();
    return m!.id;
  };
  return { firmId: firm.id, orgId, closedOld, closedRecent, open, oldSend: await send(OLD), newSend: await send(RECENT), oldActivity: await activity(OLD), newActivity: await activity(RECENT), oldMail: await mail(OLD), newMail: await mail(RECENT) };
}

describeWith('pg', 'retention: the scheduled deletion', () => {
  let database: Database;
  let a: FirmSeed;
  let b: FirmSeed;
  let c: FirmSeed;
  beforeAll(async () => {
    database = await testDatabase();
    a = await seed(database);
    b = await seed(database); // no retention set
    c = await seed(database); // only email bodies
    const now = new Date(NOW);
    await withFirm(a.firmId, () => setRetention(database.db, a.firmId, { emailBodyDays: 365, activityNoteDays: 365, closedDebtorDays: 365 }, SYSTEM_ACTOR, now));
    await withFirm(c.firmId, () => setRetention(database.db, c.firmId, { emailBodyDays: 365, activityNoteDays: null, closedDebtorDays: null }, SYSTEM_ACTOR, now));
  });
  afterAll(async () => undefined);

  it('is registered with the job registry’s schedule', () => {
    expect(schedules.map((s) => s.id)).toContain('privacy.retention-tick');
  });

  it('deletes what is due and nothing else', async () => {
    const { queue } = inlineQueueWith({ db: database.db, database, clock: manualClock(NOW) });
    await queue.enqueue(retentionTickJob, {});
    await queue.idle(60_000);
    const db = database.db;

    const sends = async (f: FirmSeed) => Object.fromEntries((await db.select().from(reminderSends).where(eq(reminderSends.firmId, f.firmId))).map((s) => [s.id, s.bodyText]));
    const acts = async (f: FirmSeed) => (await db.select({ id: activities.id }).from(activities).where(and(eq(activities.firmId, f.firmId), eq(activities.kind, 'note.added')))).map((r) => r.id);
    const mails = async (f: FirmSeed) => (await db.select({ id: mailboxMessages.id }).from(mailboxMessages).where(eq(mailboxMessages.firmId, f.firmId))).map((r) => r.id);
    const erased = async (f: FirmSeed) => (await db.select({ ext: privacyErasures.contactExternalId }).from(privacyErasures).where(eq(privacyErasures.firmId, f.firmId))).map((r) => r.ext);

    // Firm A: all three periods.
    expect(await sends(a)).toEqual({ [a.oldSend]: null, [a.newSend]: 'Please pay' });
    expect(await acts(a)).toEqual([a.newActivity]);
    expect(await mails(a)).toEqual([a.newMail]);
    expect((await erased(a)).map((e) => e.split('-')[1])).toEqual(['closedold']);
    const people = Object.fromEntries((await db.select().from(contacts).where(eq(contacts.firmId, a.firmId))).map((r) => [r.id, r]));
    expect(people[a.closedOld]).toMatchObject({ name: expect.stringMatching(/^Erased customer /), emails: [] });
    expect(people[a.closedRecent]!.name).toMatch(/^closedrecent /);
    expect(people[a.open]!.name).toMatch(/^open /);
    // The erased customer's invoice is kept, with its amount.
    const [kept] = await db.select().from(invoices).where(eq(invoices.contactId, a.closedOld));
    expect(kept).toMatchObject({ total: '100.0000', status: 'paid' });
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.firmId, a.firmId), eq(auditLog.action, 'privacy.retention_applied')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorType).toBe('system');

    // Firm B (no retention): untouched.
    expect(await sends(b)).toEqual({ [b.oldSend]: 'Please pay', [b.newSend]: 'Please pay' });
    expect((await acts(b)).sort()).toEqual([b.oldActivity, b.newActivity].sort());
    expect((await mails(b)).sort()).toEqual([b.oldMail, b.newMail].sort());
    expect(await erased(b)).toEqual([]);

    // Firm C (email bodies only): timeline and customers kept.
    expect(await sends(c)).toEqual({ [c.oldSend]: null, [c.newSend]: 'Please pay' });
    expect((await acts(c)).sort()).toEqual([c.oldActivity, c.newActivity].sort());
    expect(await erased(c)).toEqual([]);
  });

  it('a clock a year later makes the recent data due too', async () => {
    const { queue } = inlineQueueWith({ db: database.db, database, clock: manualClock('2027-06-16T10:00:00Z') });
    await queue.enqueue(retentionTickJob, {});
    await queue.idle(60_000);
    const db = database.db;
    const [s] = await db.select().from(reminderSends).where(eq(reminderSends.id, a.newSend));
    expect(s!.bodyText).toBeNull();
    expect(await db.select().from(activities).where(eq(activities.id, a.newActivity))).toEqual([]);
    const erased = (await db.select({ ext: privacyErasures.contactExternalId }).from(privacyErasures).where(eq(privacyErasures.firmId, a.firmId))).map((r) => r.ext.split('-')[1]).sort();
    // The customer with an open invoice is never erased by retention.
    expect(erased).toEqual(['closedold', 'closedrecent']);
  });
});
