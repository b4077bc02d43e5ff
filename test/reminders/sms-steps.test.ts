/**
 * Text and call steps end to end (issue #20, docs/decisions/043), against this worker's PostgreSQL:
 * the engine plans, claims and sends an SMS step through the sandbox provider once, inside the
 * window; a delivery receipt posted to the real webhook route moves its status (a failed one is on
 * the timeline); a Twilio-shaped, signed STOP opts the number out and the next text step is skipped
 * "opted out"; START lets it go; a forged signature is refused 403; a call step makes one task with
 * the script and the customer's numbers.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import express from 'express';
import nock from 'nock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sandboxSmsProvider } from '../../integrations/sms/sandbox';
import type { SmsProvider, WebhookRequest } from '../../integrations/sms/provider';
import { twilioProvider, twilioSignature } from '../../integrations/sms/twilio';
import { addDays } from '../../kernel/dates';
import type { Db } from '../../server/db/client';
import { activities, collectorTasks, contacts, customerAssignments, reminderPolicies, reminderSends, smsMessages, smsOptOuts } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { zonedInstant } from '../../server/reminders/local-time';
import { sendReminder } from '../../server/reminders/send';
import { skipReasonText, type Step } from '../../server/reminders/types';
import { smsWebhookRoutes } from '../../server/routes/sms';
import { customerSmsHistory } from '../../server/sms/store';
import { describeWith } from '../support/services';
import { MONDAY, type Small, startSmall } from './seed';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../sms/fixtures/twilio');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, string>;
const PUBLIC = 'https://arcus.test';
const MOBILE = '+447911123456';

const step = (key: string, offsetDays: number, channel: Step['channel'], message?: string): Step => ({ key, offsetDays, channel, templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0, ...(message ? { message } : {}) });

async function setup(steps: Step[], provider: SmsProvider, extra: { north?: string; mobile?: string } = {}): Promise<Small> {
  const s = await startSmall({ invoices: [{ number: 'INV-1', due: -3, contact: 'c-bayside' }, ...(extra.north ? [{ number: 'INV-2', due: -3, contact: 'c-north' }] : [])] });
  await s.db.update(reminderPolicies).set({ steps }).where(eq(reminderPolicies.organisationId, s.org.id));
  await s.db.update(contacts).set({ phones: [{ type: 'mobile', number: extra.mobile ?? '07911 123456' }, { type: 'default', number: '020 7946 0018' }] }).where(and(eq(contacts.organisationId, s.org.id), eq(contacts.externalId, 'c-bayside')));
  if (extra.north) await s.db.update(contacts).set({ phones: [{ type: 'mobile', number: extra.north }] }).where(and(eq(contacts.organisationId, s.org.id), eq(contacts.externalId, 'c-north')));
  s.env.sms = { provider, statusCallbackUrl: `${PUBLIC}/webhooks/sms/status` };
  return s;
}

/** The real webhook routes on a local port; the provider signed for the public URL. */
async function webhooks(db: Db, provider: SmsProvider, now: () => Date) {
  const app = express();
  app.use('/webhooks/sms', smsWebhookRoutes({ db, log: createLogger('silent'), now, provider: () => provider, publicBase: () => PUBLIC }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    post: async (route: 'status' | 'inbound', w: Pick<WebhookRequest, 'params' | 'headers'>) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      for (const [k, v] of Object.entries(w.headers)) if (typeof v === 'string') headers[k] = v;
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/sms/${route}`, { method: 'POST', headers, body: new URLSearchParams(w.params).toString() });
      await res.text();
      return res.status;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function sendsOf(s: Small) {
  return s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id));
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describeWith('pg', 'Reminders: text and call steps', () => {
  it('an SMS step goes once, inside the window, to the mobile in E.164; receipts move its status; a failed one is visible', async () => {
    const sandbox = sandboxSmsProvider({ secret: 'sandbox-test-secret' });
    // Its own number: a STOP from the other test's number must not reach this organisation.
    const s = await setup([step('after-3', 3, 'sms', 'Hi {{contact.first_name}}: invoice {{invoice.number}} for {{invoice.amount_due}} is {{invoice.status}}.')], sandbox, { north: '12', mobile: '07912 345678' });
    const hooks = await webhooks(s.db, sandbox, s.now);
    try {
      const d = s.driver();
      s.set(zonedInstant(MONDAY, 8 * 60, s.org.timezone));
      await d.tick([s.org.id]);
      expect(sandbox.sent).toHaveLength(0);
      s.set(zonedInstant(MONDAY, 10 * 60, s.org.timezone));
      await d.tick([s.org.id]);
      s.advance(15 * 60_000);
      await d.tick([s.org.id]);
      expect(sandbox.sent.map((m) => [m.to, m.body])).toEqual([['+447912345678', 'Hi Sam: invoice INV-1 for £1,250.00 is 3 days overdue. Reply STOP to opt out.']]);

      const rows = await sendsOf(s);
      const sms = rows.find((r) => r.contactExternalId === 'c-bayside')!;
      expect([sms.channel, sms.status]).toEqual(['sms', 'sent']);
      // The customer whose only number is not valid: skipped with the reason, not sent.
      const north = rows.find((r) => r.contactExternalId === 'c-north')!;
      expect([north.status, north.skipReason]).toEqual(['skipped', 'invalid_phone']);
      const [timeline] = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'reminder.sms_sent')));
      expect(timeline!.summary).toBe('Text reminder 1 sent to +44 •••••••678');

      const id = sandbox.sent[0]!.providerMessageId;
      expect(await hooks.post('status', sandbox.receipt(id, 'sent', `${PUBLIC}/webhooks/sms/status`))).toBe(200);
      let [m] = await s.db.select().from(smsMessages).where(eq(smsMessages.sendId, sms.id));
      expect(m!.status).toBe('sent');
      expect(await hooks.post('status', sandbox.receipt(id, 'undelivered', `${PUBLIC}/webhooks/sms/status`, '30003'))).toBe(200);
      [m] = await s.db.select().from(smsMessages).where(eq(smsMessages.sendId, sms.id));
      expect([m!.status, m!.errorCode]).toEqual(['undelivered', '30003']);
      // A late "sent" does not move it back.
      await hooks.post('status', sandbox.receipt(id, 'sent', `${PUBLIC}/webhooks/sms/status`));
      [m] = await s.db.select().from(smsMessages).where(eq(smsMessages.sendId, sms.id));
      expect(m!.status).toBe('undelivered');
      const failed = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'reminder.sms_failed')));
      expect(failed.map((a) => a.summary)).toEqual(['Text message not delivered to +44 •••••••678 (carrier error 30003)']);
      const history = await customerSmsHistory(s.db, { firmId: s.firmId, organisationId: s.org.id }, 'c-bayside');
      expect(history.messages.map((h) => [h.direction, h.number, h.status, h.failed])).toEqual([['out', '+44 7912 345678', 'Not delivered (carrier error 30003)', true]]);
      // Sending it again by hand changes nothing: the claim is spent.
      expect(await sendReminder(d.deps(), sms.id)).toEqual({ outcome: 'not_claimable' });
      expect(sandbox.sent).toHaveLength(1);
    } finally {
      await hooks.close();
      await s.close();
    }
  });

  it('a signed Twilio STOP opts the number out: the next text step is skipped “opted out”; START lets it go; a forged post is refused', async () => {
    const TOKEN = 'twilio-test-auth-token';
    const twilio = twilioProvider({ accountSid: 'ACa1b2c3d4e5f60718293a4b5c6d7e8f90', authToken: TOKEN, from: '+447700140000', messagingServiceSid: null, apiBase: 'http://twilio.test' });
    const s = await setup([step('after-3', 3, 'sms'), step('after-10', 10, 'sms')], twilio);
    const hooks = await webhooks(s.db, twilio, s.now);
    const signed = (params: Record<string, string>) => ({ params, headers: { 'x-twilio-signature': twilioSignature(TOKEN, `${PUBLIC}/webhooks/sms/inbound`, params) } });
    const created = (sid: string) => ({ ...fixture('message-created'), sid });
    try {
      const d = s.driver();
      nock('http://twilio.test').post('/2010-04-01/Accounts/ACa1b2c3d4e5f60718293a4b5c6d7e8f90/Messages.json').reply(201, created('SM00000000000000000000000000000001'));
      s.set(zonedInstant(MONDAY, 10 * 60, s.org.timezone));
      await d.tick([s.org.id]);
      expect(nock.pendingMocks()).toEqual([]);

      const stop = fixture('inbound-stop');
      // Forged: refused, nothing recorded.
      expect(await hooks.post('inbound', { params: stop, headers: { 'x-twilio-signature': twilioSignature('not-the-token', `${PUBLIC}/webhooks/sms/inbound`, stop) } })).toBe(403);
      expect(await s.db.select().from(smsOptOuts).where(eq(smsOptOuts.organisationId, s.org.id))).toHaveLength(0);
      expect(await hooks.post('inbound', signed(stop))).toBe(200);
      // Posted twice (a provider retry): stored once.
      expect(await hooks.post('inbound', signed(stop))).toBe(200);
      const opted = await s.db.select().from(smsOptOuts).where(eq(smsOptOuts.organisationId, s.org.id));
      expect(opted.map((o) => o.number)).toEqual([MOBILE]);
      expect(await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'sms.opted_out')))).toHaveLength(1);

      // A week later the second text step is due: skipped, no call to Twilio (nock would refuse it).
      s.set(zonedInstant(addDays(MONDAY, 7), 10 * 60, s.org.timezone));
      await d.tick([s.org.id]);
      let second = (await sendsOf(s)).find((r) => r.stepKey === 'after-10')!;
      expect([second.status, second.skipReason]).toEqual(['skipped', 'opted_out']);
      expect(skipReasonText('opted_out')).toBe('The number replied STOP: no more texts until it replies START');

      // A reply that is not a keyword is kept on the timeline, and changes nothing.
      expect(await hooks.post('inbound', signed({ ...stop, MessageSid: 'SM0000000000000000000000000000000a', SmsSid: 'SM0000000000000000000000000000000a', SmsMessageSid: 'SM0000000000000000000000000000000a', Body: 'I paid on Friday', OptOutType: '' }))).toBe(200);
      const replies = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'sms.reply')));
      expect(replies).toHaveLength(1);

      // START: opted back in; the next run sends the step it skipped.
      expect(await hooks.post('inbound', signed({ ...stop, MessageSid: 'SM0000000000000000000000000000000b', SmsSid: 'SM0000000000000000000000000000000b', SmsMessageSid: 'SM0000000000000000000000000000000b', Body: 'start', OptOutType: 'START' }))).toBe(200);
      expect(await s.db.select().from(smsOptOuts).where(eq(smsOptOuts.organisationId, s.org.id))).toHaveLength(0);
      nock('http://twilio.test').post('/2010-04-01/Accounts/ACa1b2c3d4e5f60718293a4b5c6d7e8f90/Messages.json').reply(201, created('SM00000000000000000000000000000002'));
      s.advance(15 * 60_000);
      await d.tick([s.org.id]);
      expect(nock.pendingMocks()).toEqual([]);
      second = (await sendsOf(s)).find((r) => r.stepKey === 'after-10')!;
      expect(second.status).toBe('sent');
      const history = await customerSmsHistory(s.db, { firmId: s.firmId, organisationId: s.org.id }, 'c-bayside');
      expect(history.messages.map((h) => h.status).sort()).toEqual(['Opted back in (START)', 'Opted out (STOP)', 'Queued', 'Queued', 'Received'].sort());
    } finally {
      await hooks.close();
      await s.close();
    }
  });

  it('a call step makes one task for the customer’s collector, due that day, with the script and the numbers', async () => {
    const sandbox = sandboxSmsProvider({ secret: 'sandbox-test-secret' });
    const s = await setup([step('after-3', 3, 'call', 'Ask {{contact.first_name}} when {{invoice.number}} ({{invoice.amount_due}}) will be paid.')], sandbox);
    try {
      await s.db.insert(customerAssignments).values({ firmId: s.firmId, organisationId: s.org.id, contactExternalId: 'c-bayside', userId: s.userId });
      const d = s.driver();
      s.set(zonedInstant(MONDAY, 10 * 60, s.org.timezone));
      await d.tick([s.org.id]);
      s.advance(15 * 60_000);
      await d.tick([s.org.id]);
      const [send] = await sendsOf(s);
      expect(await sendReminder(d.deps(), send!.id)).toEqual({ outcome: 'not_claimable' });
      const tasks = await s.db.select().from(collectorTasks).where(eq(collectorTasks.organisationId, s.org.id));
      expect(tasks.map((t) => ({ kind: t.kind, title: t.title, dueOn: t.dueOn, assignedUserId: t.assignedUserId, sendId: t.sendId, status: t.status }))).toEqual([
        { kind: 'call', title: 'Call Bayside Cafe Ltd about invoice INV-1', dueOn: MONDAY, assignedUserId: s.userId, sendId: send!.id, status: 'open' },
      ]);
      expect(tasks[0]!.script).toBe('Ask Sam when INV-1 (£1,250.00) will be paid.\n\nNumbers: Mobile +44 7911 123456; Phone +44 20 7946 0018');
      expect(sandbox.sent).toHaveLength(0);
    } finally {
      await s.close();
    }
  });
});
