/**
 * Reminders from the client's own domain, end to end against this worker's PostgreSQL and a real
 * SMTP server: a verified domain's reminder arrives From the client and DKIM-signed (the signature
 * verified against the published key); an unverified one comes From the firm's address under the
 * client's name with Reply-To the client. DNS is a fake resolver serving what the check shows.
 */
import { afterEach, expect, it } from 'vitest';
import { smtpMailer } from '../../integrations/email/transport';
import { reminderSends } from '../../server/db/schema';
import type { TxtResolver } from '../../server/sender/dns';
import { checkSenderDomain, type SenderEnv, saveLogo, saveSenderIdentity } from '../../server/sender/store';
import { and, eq } from 'drizzle-orm';
import { startSmall, type Small } from '../reminders/seed';
import { describeWith } from '../support/services';
import { header, type RawCapture, startRawCapture, verifyDkim } from './dkim-verify';

const KEY = Buffer.alloc(32, 3);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2a8f5c10000000049454e44ae426082', 'hex');

function zoneResolver(zone: Map<string, string[][]>): TxtResolver {
  return {
    async resolveTxt(name) {
      const v = zone.get(name);
      if (!v) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return v;
    },
  };
}

let open: { s: Small; raw: RawCapture; close: () => Promise<void> } | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

/** An organisation with one overdue invoice, sending through a raw-capturing SMTP server, and its identity. */
async function setup(publish: (records: { kind: string; name: string; value: string }[], zone: Map<string, string[][]>) => void) {
  const s = await startSmall({ invoices: [{ number: 'INV-ID', due: -3, contact: 'c-north' }] });
  const raw = await startRawCapture();
  const mailer = smtpMailer(raw.url, { pool: false });
  s.env.mailer = mailer;
  s.env.senderKey = KEY;
  open = {
    s,
    raw,
    close: async () => {
      await mailer.close();
      await raw.close();
      await s.close();
    },
  };
  const zone = new Map<string, string[][]>();
  const env: SenderEnv = { key: KEY, mailFrom: s.env.mailFrom, resolver: zoneResolver(zone) };
  const saved = await saveSenderIdentity(s.db, s.firmId, s.org.id, { senderName: 'Harbour Accounts', fromAddress: 'accounts@harbour.example', footer: 'Harbour Test Ltd, 1 Quay Street, Bristol' }, env, s.now());
  await saveLogo(s.db, s.firmId, s.org.id, PNG.toString('base64'), env, s.now());
  publish(saved.records, zone);
  const checked = await checkSenderDomain(s.db, s.firmId, s.org.id, env, s.now());
  return { s, raw, saved, checked };
}

const split255 = (v: string) => v.match(/.{1,255}/g)!;

describeWith('pg', 'Sender identity: sending', () => {
  it('a verified domain: the reminder comes From the client, DKIM-signed with its key, with its footer and logo; the Message-ID is unchanged', async () => {
    const { s, raw, saved, checked } = await setup((records, zone) => {
      for (const r of records) zone.set(r.name, [...(zone.get(r.name) ?? []), split255(r.value)]);
    });
    expect(checked.records.map((r) => r.status)).toEqual(['found', 'found', 'found']);
    expect(checked.verified).toBe(true);
    expect(checked.sendingAs).toBe('Reminders go from Harbour Accounts <accounts@harbour.example>, signed for harbour.example.');

    await s.driver().tick([s.org.id]);
    expect(raw.messages).toHaveLength(1);
    const msg = raw.messages[0]!.raw;
    const [send] = await s.db
      .select()
      .from(reminderSends)
      .where(and(eq(reminderSends.organisationId, s.org.id), eq(reminderSends.status, 'sent')));
    expect(header(msg, 'from')).toBe('Harbour Accounts <accounts@harbour.example>');
    expect(header(msg, 'reply-to')).toBeNull();
    expect(header(msg, 'message-id')).toBe(send!.messageId);
    expect(send!.messageId).toBe(`<reminder.${send!.id}@arcus.test>`);
    const text = msg.toString('latin1');
    expect(text).toContain('Harbour Test Ltd, 1 Quay Street, Bristol');
    expect(text).toMatch(/https:\/\/arcus\.test\/brand\/logo\/[0-9a-f]{32}/);

    const dkimRecord = saved.records.find((r) => r.kind === 'dkim')!;
    const published = /p=([A-Za-z0-9+/=]+)/.exec(dkimRecord.value)![1]!;
    const result = verifyDkim(msg, published);
    expect(result).toMatchObject({ domain: 'harbour.example', selector: dkimRecord.name.split('.')[0], bodyHashOk: true, signatureOk: true });
    expect(result.signedHeaders).toEqual(expect.arrayContaining(['from', 'subject', 'message-id', 'to', 'date']));
    // The verifier can fail: a changed body or From breaks it, and so does another key.
    const tamperedBody = Buffer.from(text.replace('Harbour Test Ltd, 1 Quay Street', 'Harbour Test Ltd, 9 Quay Street'), 'latin1');
    expect(verifyDkim(tamperedBody, published)).toMatchObject({ bodyHashOk: false });
    const tamperedFrom = Buffer.from(text.replace('From: Harbour Accounts <accounts@harbour.example>', 'From: Harbour Accounts <accounts@harbour.evil>'), 'latin1');
    expect(verifyDkim(tamperedFrom, published)).toMatchObject({ bodyHashOk: true, signatureOk: false });
  }, 60_000);

  it('an unverified domain (no DMARC): From the firm’s address under the client’s name, Reply-To the client, not signed', async () => {
    const { s, raw, checked } = await setup((records, zone) => {
      for (const r of records.filter((x) => x.kind !== 'dmarc')) zone.set(r.name, [[r.value]]);
    });
    expect(checked.records.map((r) => [r.kind, r.status, r.statusText])).toEqual([
      ['spf', 'found', 'Found: the SPF record is published.'],
      ['dkim', 'found', 'Found: the DKIM record is published.'],
      ['dmarc', 'missing', 'Not found: publish the DMARC record below.'],
    ]);
    expect(checked.verified).toBe(false);
    expect(checked.checkedAt).toEqual(s.now());

    await s.driver().tick([s.org.id]);
    expect(raw.messages).toHaveLength(1);
    const msg = raw.messages[0]!.raw;
    expect(header(msg, 'from')).toBe('Harbour Accounts <reminders@arcus.test>');
    expect(header(msg, 'reply-to')).toBe('accounts@harbour.example');
    expect(header(msg, 'dkim-signature')).toBeNull();
  }, 60_000);

  it('a DKIM record with another key is a mismatch: not verified, and a domain verified before falls back at the next check', async () => {
    let zoneRef: Map<string, string[][]> | null = null;
    const { s, raw, saved } = await setup((records, zone) => {
      zoneRef = zone;
      for (const r of records) zone.set(r.name, [[r.value]]);
    });
    const dkim = saved.records.find((r) => r.kind === 'dkim')!;
    zoneRef!.set(dkim.name, [['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong']]);
    const env: SenderEnv = { key: KEY, mailFrom: s.env.mailFrom, resolver: zoneResolver(zoneRef!) };
    const again = await checkSenderDomain(s.db, s.firmId, s.org.id, env, s.now());
    expect(again.records.find((r) => r.kind === 'dkim')).toMatchObject({ status: 'mismatch', statusText: 'Found, but with a different key: publish the value below instead.' });
    expect(again.verified).toBe(false);
    await s.driver().tick([s.org.id]);
    expect(header(raw.messages[0]!.raw, 'from')).toBe('Harbour Accounts <reminders@arcus.test>');
    expect(header(raw.messages[0]!.raw, 'dkim-signature')).toBeNull();
  }, 60_000);
});
