/**
 * The Mailgun route's post (docs/decisions/032), in the shape Mailgun sends it for a route
 * forwarding to a URL ending in "mime" (multipart/form-data: recipient, sender, from, subject,
 * body-mime, timestamp, token, signature): a good signature stores the reply through the same
 * service as SMTP; a bad, missing, stale or replayed one is a 401 and stores nothing.
 */
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { replies, reminderSends } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { signMailgun, verifyMailgun } from '../../server/replies/mailgun';
import { mailgunRoutes } from '../../server/routes/replies';
import { type Small, startSmall } from '../reminders/seed';
import { describeWith } from '../support/services';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
let open: { s: Small; close: () => Promise<void> } | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

function mime(token: string, id: string): string {
  return [
    'From: Accounts <accounts@northyard.example>',
    `To: reply+${token}@replies.arcus.test`,
    'Subject: Re: Invoice INV-M1',
    `Message-ID: <${id}>`,
    'Date: Mon, 23 Nov 2026 11:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'We will pay this by the end of the month.',
    '',
  ].join('\r\n');
}

describeWith('pg', 'Replies: the Mailgun webhook', () => {
  it('verifies the signature in constant time and stores a signed reply once', async () => {
    const s = await startSmall({ invoices: [{ number: 'INV-M1', due: -10, contact: 'c-north' }] });
    s.env.replyDomain = 'replies.arcus.test';
    await s.driver().tick([s.org.id]);
    const [send] = await s.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, s.org.id), eq(reminderSends.status, 'sent')));
    const app = express();
    app.use('/webhooks/mailgun', mailgunRoutes({ db: s.db, log: createLogger('silent'), now: s.now, signingKey: () => KEY }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    open = { s, close: async () => { server.close(); await s.close(); } };
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/mailgun/mime`;
    const ts = String(Math.floor(s.now().getTime() / 1000));
    const post = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return fetch(url, { method: 'POST', body: form });
    };
    const base = { recipient: `reply+${send!.replyToken}@replies.arcus.test`, sender: 'accounts@northyard.example', from: 'Accounts <accounts@northyard.example>', subject: 'Re: Invoice INV-M1', 'body-mime': mime(send!.replyToken!, 'mg-1@northyard.example') };

    expect((await post({ ...base, timestamp: ts, token: 'a'.repeat(50), signature: 'f'.repeat(64) })).status).toBe(401);
    expect((await post({ ...base })).status).toBe(401);
    const stale = String(Number(ts) - 3600);
    expect((await post({ ...base, timestamp: stale, token: 'b'.repeat(50), signature: signMailgun(KEY, stale, 'b'.repeat(50)) })).status).toBe(401);
    expect(await s.db.select().from(replies).where(eq(replies.organisationId, s.org.id))).toHaveLength(0);

    const good = { ...base, timestamp: ts, token: 'c'.repeat(50), signature: signMailgun(KEY, ts, 'c'.repeat(50)) };
    const ok = await post(good);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ outcome: 'stored' });
    expect((await post(good)).status).toBe(401); // replayed
    const again = { ...base, timestamp: ts, token: 'd'.repeat(50), signature: signMailgun(KEY, ts, 'd'.repeat(50)) };
    expect(await (await post(again)).json()).toEqual({ outcome: 'duplicate' });

    const rows = await s.db.select().from(replies).where(eq(replies.organisationId, s.org.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ matchedBy: 'token', contactExternalId: 'c-north', status: 'suggested' });
    expect(rows[0]!.triage).toMatchObject({ label: 'promise', promiseDate: '2026-11-30' });
  });

  it('verifyMailgun refuses what is not Mailgun’s', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const ts = String(now.getTime() / 1000);
    expect(verifyMailgun(KEY, { timestamp: ts, token: 'tok', signature: signMailgun(KEY, ts, 'tok') }, now)).toEqual({ ok: true });
    expect(verifyMailgun('another-key', { timestamp: ts, token: 'tok', signature: signMailgun(KEY, ts, 'tok') }, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMailgun(KEY, { timestamp: ts, token: 'tok', signature: 'abc' }, now)).toEqual({ ok: false, reason: 'missing' });
  });
});
