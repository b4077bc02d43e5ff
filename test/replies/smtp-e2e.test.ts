/**
 * Replies end to end against this worker's PostgreSQL and real SMTP servers: a reminder goes out
 * carrying Reply-To reply+<token>@…; the debtor answers "we'll pay on the 15th" with nodemailer to
 * the inbound listener (smtp-server on 127.0.0.1, an ephemeral port); the reply is stored once,
 * threaded to its reminder and customer, classified as a promise for 15 December, and pauses the
 * customer's reminders (the next step is skipped); a collector confirms it → a `promise.recorded`
 * activity dated today with that date, and the reply's pause lifts. Auto-replies and bounces too.
 */
import { and, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { afterEach, expect, it } from 'vitest';
import type { SmtpCapture } from '../../integrations/email/smtp-server';
import { activities, bouncedAddresses, replies, reminderCustomers, reminderSends } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { answerReply, decideReply, getConversation, listWaitingReplies } from '../../server/replies/conversation';
import { REPLY_PAUSE_REASON } from '../../server/replies/pause';
import { startReplyListener } from '../../server/replies/smtp-listener';
import { type Small, startSmall } from '../reminders/seed';
import { describeWith } from '../support/services';

let open: { s: Small; listener: SmtpCapture } | null = null;
afterEach(async () => {
  await open?.listener.close();
  await open?.s.close();
  open = null;
});

async function setup() {
  const s = await startSmall({ invoices: [{ number: 'INV-R1', due: -10, contact: 'c-north' }] });
  s.env.replyDomain = 'replies.arcus.test';
  const listener = await startReplyListener({ db: s.db, log: createLogger('silent'), now: s.now }, { host: '127.0.0.1', port: 0 });
  open = { s, listener };
  await s.driver().tick([s.org.id]);
  expect(s.capture.messages).toHaveLength(1);
  const sent = s.capture.messages[0]!;
  const replyTo = (sent.headers.get('reply-to') as { value: { address: string }[] }).value[0]!.address;
  return { s, listener, sent, replyTo };
}

async function sendTo(listener: SmtpCapture, message: Record<string, unknown>) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  try {
    await t.sendMail(message);
  } finally {
    t.close();
  }
}

describeWith('pg', 'Replies: SMTP end to end', () => {
  it('a reply to the reply address is stored once, threaded, a promise for the 15th, pauses reminders, and is confirmed as a promise today', async () => {
    const { s, listener, sent, replyTo } = await setup();
    expect(replyTo).toMatch(/^reply\+[0-9a-f]{32}@replies\.arcus\.test$/);
    const [send] = await s.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, s.org.id), eq(reminderSends.status, 'sent')));
    expect(replyTo).toBe(`reply+${send!.replyToken}@replies.arcus.test`);

    const reply = {
      from: 'Accounts <accounts@northyard.example>',
      to: replyTo,
      subject: `Re: ${sent.subject}`,
      text: `Hello,\n\nSorry for the delay, we'll pay on the 15th.\n\nOn Mon, 23 Nov 2026, Harbour Test Ltd wrote:\n> ${sent.text.split('\n').join('\n> ')}`,
      messageId: '<answer-1@northyard.example>',
      inReplyTo: `<${sent.messageId}>`,
      references: `<${sent.messageId}>`,
      date: s.now(),
    };
    await sendTo(listener, reply);
    await sendTo(listener, reply); // redelivered: nothing stored twice

    const rows = await s.db.select().from(replies).where(eq(replies.organisationId, s.org.id));
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ direction: 'in', kind: 'human', matchedBy: 'token', contactExternalId: 'c-north', sendId: send!.id, status: 'suggested', fromAddress: 'accounts@northyard.example' });
    expect(row.triage).toMatchObject({ label: 'promise', promiseDate: '2026-12-15', promiseDateWords: 'on the 15th' });

    const [paused] = await s.db.select().from(reminderCustomers).where(and(eq(reminderCustomers.organisationId, s.org.id), eq(reminderCustomers.contactExternalId, 'c-north')));
    expect(paused?.pauseReason).toBe(REPLY_PAUSE_REASON);

    // Eight days on the next step (after-14, due on the 27th, a week after the last) would go; the reply pauses the customer.
    s.advance(8 * 86_400_000);
    await s.driver().tick([s.org.id]);
    expect(s.capture.messages).toHaveLength(1);

    const conversation = await getConversation(s.db, s.firmId, s.org.id, 'c-north');
    expect(conversation.items.map((i) => [i.side, i.kindName])).toEqual([
      ['ours', 'Reminder'],
      ['theirs', 'Reply'],
    ]);
    expect(conversation.items[1]!.suggestion).toMatchObject({ name: 'Promise to pay by 15 December 2026', why: expect.arrayContaining(['on the 15th']) });
    const waiting = await listWaitingReplies(s.db, s.firmId, null);
    expect(waiting.map((w) => [w.customerName, w.suggestion.name])).toEqual([['North Yard', 'Promise to pay by 15 December 2026']]);

    const out = await decideReply({ db: s.db, enqueueExecute: async () => {}, now: s.now }, { firmId: s.firmId, userId: s.userId }, row.id, { decision: 'confirm' });
    expect(out).toMatchObject({ statusName: 'Confirmed', recorded: 'Promise to pay by 15 December 2026 recorded' });
    const promises = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'promise.recorded')));
    expect(promises).toHaveLength(1);
    expect(promises[0]!.details).toMatchObject({ promisedDate: '2026-12-15' });
    expect(promises[0]!.createdAt.toISOString()).toBe(s.now().toISOString());
    const [after] = await s.db.select().from(reminderCustomers).where(and(eq(reminderCustomers.organisationId, s.org.id), eq(reminderCustomers.contactExternalId, 'c-north')));
    expect(after?.pausedUntil).toBeNull();
    await expect(decideReply({ db: s.db, enqueueExecute: async () => {}, now: s.now }, { firmId: s.firmId, userId: s.userId }, row.id, { decision: 'dismiss' })).rejects.toMatchObject({ kind: 'conflict' });

    // Answered from Arcus: from the reminders' sender, threaded, Reply-To the same reply address; their next reply threads to it.
    await answerReply({ db: s.db, mailer: s.capture.mailer, mailFrom: s.env.mailFrom, replyDomain: 'replies.arcus.test', now: s.now }, { firmId: s.firmId, userId: s.userId }, row.id, { text: 'Thank you, noted for the 15th.' });
    expect(s.capture.messages).toHaveLength(2);
    const ans = s.capture.messages[1]!;
    expect(ans.to).toEqual(['accounts@northyard.example']);
    expect(ans.headers.get('in-reply-to')).toBe('<answer-1@northyard.example>');
    expect((ans.headers.get('from') as { text: string }).text).toBe((sent.headers.get('from') as { text: string }).text);
    expect((ans.headers.get('reply-to') as { value: { address: string }[] }).value[0]!.address).toBe(replyTo);
    await sendTo(listener, { from: 'accounts@northyard.example', to: 'ar@replies.arcus.test', subject: 'Re: thanks', text: 'Great, thanks.', messageId: '<answer-2@northyard.example>', inReplyTo: `<${ans.messageId}>`, date: s.now() });
    const [second] = await s.db.select().from(replies).where(eq(replies.messageId, 'answer-2@northyard.example'));
    expect(second).toMatchObject({ matchedBy: 'thread', contactExternalId: 'c-north', organisationId: s.org.id });
    expect((await getConversation(s.db, s.firmId, s.org.id, 'c-north')).items.map((i) => i.kindName)).toEqual(['Reminder', 'Reply', 'Our answer', 'Reply']);
  });

  it('an auto-reply (RFC 3834) is kept but never an answer; a DSN marks the address bad', async () => {
    const { s, listener, sent, replyTo } = await setup();
    await sendTo(listener, {
      from: 'accounts@northyard.example',
      to: replyTo,
      subject: `Automatic reply: ${sent.subject}`,
      text: 'I will pay on the 15th when I am back. I am out of the office.',
      headers: { 'Auto-Submitted': 'auto-replied' },
      messageId: '<ooo-1@northyard.example>',
      date: s.now(),
    });
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.northyard.example>',
      'To: bounces@arcus.test',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.northyard.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.northyard.example',
      '',
      'Final-Recipient: rfc822; accounts@northyard.example',
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: <${sent.messageId}>`,
      'Subject: reminder',
      '',
      '--b1--',
      '',
    ].join('\r\n');
    await sendTo(listener, { envelope: { from: '', to: 'bounces@arcus.test' }, raw: dsn });

    const rows = await s.db.select().from(replies).where(eq(replies.organisationId, s.org.id));
    expect(rows.map((r) => [r.kind, r.status, r.matchedBy]).sort()).toEqual([
      ['auto_reply', 'none', 'token'],
      ['bounce', 'none', 'thread'],
    ]);
    const bad = await s.db.select().from(bouncedAddresses).where(eq(bouncedAddresses.organisationId, s.org.id));
    expect(bad.map((b) => [b.address, b.status])).toEqual([['accounts@northyard.example', '5.1.1']]);
    const [paused] = await s.db.select().from(reminderCustomers).where(and(eq(reminderCustomers.organisationId, s.org.id), eq(reminderCustomers.contactExternalId, 'c-north')));
    expect(paused?.pausedUntil ?? null).toBeNull();
    expect(await listWaitingReplies(s.db, s.firmId, null)).toEqual([]);
  });
});
