/**
 * Twilio over plain HTTP, replayed with nock from recorded-shape payloads (test/sms/fixtures/twilio,
 * see its README): the form-encoded create with Basic auth and the status callback carrying our
 * key, the 201 answer, refusals (21211 invalid number, 21610 opted out, 429 with Retry-After, 5xx),
 * status callbacks (delivered, undelivered, failed), an inbound STOP, and X-Twilio-Signature
 * (an independent openssl vector, a forged one, a changed parameter, a changed URL).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SmsProviderError } from '../../integrations/sms/provider';
import { twilioProvider, twilioSignature } from '../../integrations/sms/twilio';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/twilio');
const json = (name: string) => JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
const form = (name: string) => json(name) as Record<string, string>;

const BASE = 'http://twilio.test';
const SID = 'ACa1b2c3d4e5f60718293a4b5c6d7e8f90';
const TOKEN = 'test-auth-token';
const provider = () => twilioProvider({ accountSid: SID, authToken: TOKEN, from: '+447700140000', messagingServiceSid: null, apiBase: BASE });
const PATH = `/2010-04-01/Accounts/${SID}/Messages.json`;

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Twilio SMS provider', () => {
  it('sends: form-encoded To/From/Body/StatusCallback with Basic auth; answers the message id from the 201', async () => {
    let sent: URLSearchParams | null = null;
    nock(BASE, { reqheaders: { authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' } })
      .post(PATH, (body: unknown) => {
        sent = new URLSearchParams(typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString());
        return true;
      })
      .reply(201, json('message-created'));
    const r = await provider().send({ to: '+447911123456', body: 'Invoice INV-1042 is overdue. Reply STOP to opt out.', idempotencyKey: '7d1c0c2e-0a5e-4f55-9a54-1f7f2f0c9a11', statusCallbackUrl: 'https://arcus.test/webhooks/sms/status' });
    expect(r).toEqual({ providerMessageId: 'SM5f3c1e7a9b2d4f6081a3c5e7f9b1d3a5', status: 'queued', segments: 1 });
    expect(sent!.get('To')).toBe('+447911123456');
    expect(sent!.get('From')).toBe('+447700140000');
    expect(sent!.get('Body')).toBe('Invoice INV-1042 is overdue. Reply STOP to opt out.');
    expect(sent!.get('StatusCallback')).toBe('https://arcus.test/webhooks/sms/status?k=7d1c0c2e-0a5e-4f55-9a54-1f7f2f0c9a11');
  });

  const refusals: [string, number, string, SmsProviderError['kind'], Record<string, string>?][] = [
    ['21211 invalid number', 400, 'error-21211', 'invalid_number'],
    ['21610 replied STOP', 400, 'error-21610', 'opted_out'],
    ['429 too many requests', 429, 'error-429', 'temporary', { 'retry-after': '7' }],
  ];
  for (const [what, status, fixture, kind, headers] of refusals) {
    it(`classifies ${what} as ${kind}, from the status and code alone, without the number in the message`, async () => {
      nock(BASE).post(PATH).reply(status, json(fixture), headers);
      const err = await provider()
        .send({ to: '+447911123456', body: 'x', idempotencyKey: 'k', statusCallbackUrl: null })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmsProviderError);
      const e = err as SmsProviderError;
      expect(e.kind).toBe(kind);
      expect(e.httpStatus).toBe(status);
      expect(e.message).not.toMatch(/\+44/);
      if (headers) expect(e.retryAfterMs).toBe(7000);
    });
  }

  it('a 503 and a dropped connection are temporary', async () => {
    nock(BASE).post(PATH).reply(503, { code: 20500, message: 'Internal Server Error', status: 503 });
    await expect(provider().send({ to: '+447911123456', body: 'x', idempotencyKey: 'k', statusCallbackUrl: null })).rejects.toMatchObject({ kind: 'temporary' });
    nock(BASE).post(PATH).replyWithError('socket hang up');
    await expect(provider().send({ to: '+447911123456', body: 'x', idempotencyKey: 'k', statusCallbackUrl: null })).rejects.toMatchObject({ kind: 'temporary' });
  });

  it('signs as Twilio does: matches an openssl vector; a forged, altered or re-addressed post fails', () => {
    const url = 'https://arcus.test/webhooks/sms/inbound?k=1';
    const params = { To: '+447700140000', From: '+447911123456', Body: ' Stop', MessageSid: 'SM1' };
    // printf '%s' "$url"'Body StopFrom+447911123456MessageSidSM1To+447700140000' | openssl dgst -sha1 -hmac test-auth-token -binary | base64
    expect(twilioSignature(TOKEN, url, params)).toBe('oIzBp6kWtSwldAuQDgt6oD5V69A=');
    const p = provider();
    expect(p.verifyWebhook({ url, params, headers: { 'x-twilio-signature': 'oIzBp6kWtSwldAuQDgt6oD5V69A=' } })).toBe(true);
    expect(p.verifyWebhook({ url, params, headers: { 'x-twilio-signature': 'oIzBp6kWtSwldAuQDgt6oD5V69B=' } })).toBe(false);
    expect(p.verifyWebhook({ url, params, headers: {} })).toBe(false);
    expect(p.verifyWebhook({ url, params: { ...params, Body: 'START' }, headers: { 'x-twilio-signature': 'oIzBp6kWtSwldAuQDgt6oD5V69A=' } })).toBe(false);
    expect(p.verifyWebhook({ url: 'https://evil.test/webhooks/sms/inbound?k=1', params, headers: { 'x-twilio-signature': 'oIzBp6kWtSwldAuQDgt6oD5V69A=' } })).toBe(false);
    expect(p.verifyWebhook({ url, params, headers: { 'x-twilio-signature': 'short' } })).toBe(false);
  });

  it('reads delivery receipts: delivered, undelivered (30003), failed (30008), with our key from the URL', () => {
    const p = provider();
    const url = 'https://arcus.test/webhooks/sms/status?k=7d1c0c2e-0a5e-4f55-9a54-1f7f2f0c9a11';
    expect(p.parseDeliveryReceipt({ url, params: form('status-delivered'), headers: {} })).toEqual({ providerMessageId: 'SM5f3c1e7a9b2d4f6081a3c5e7f9b1d3a5', status: 'delivered', errorCode: null, idempotencyKey: '7d1c0c2e-0a5e-4f55-9a54-1f7f2f0c9a11' });
    expect(p.parseDeliveryReceipt({ url, params: form('status-undelivered'), headers: {} })).toMatchObject({ status: 'undelivered', errorCode: '30003' });
    expect(p.parseDeliveryReceipt({ url, params: form('status-failed'), headers: {} })).toMatchObject({ status: 'failed', errorCode: '30008' });
    expect(() => p.parseDeliveryReceipt({ url, params: { MessageSid: 'SM1', MessageStatus: 'exploded' }, headers: {} })).toThrow();
  });

  it('reads an inbound STOP', () => {
    expect(provider().parseInbound({ url: 'https://arcus.test/webhooks/sms/inbound', params: form('inbound-stop'), headers: {} })).toEqual({ providerMessageId: 'SM0c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f', from: '+447911123456', to: '+447700140000', body: ' Stop ' });
  });
});
