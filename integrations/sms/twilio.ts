/**
 * Twilio Programmable Messaging over plain HTTP (no SDK), docs/decisions/043.
 *
 * - Send: `POST {apiBase}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`,
 *   `From` (or `MessagingServiceSid`), `Body`, `StatusCallback`; HTTP Basic auth (Account SID,
 *   Auth Token). A 201 answers the Message resource (`sid`, `status`, `num_segments`, …); a refusal
 *   answers `{ code, message, more_info, status }` (21211 invalid To, 21614 not a mobile, 21610
 *   the number replied STOP, 20429 / HTTP 429 too many requests).
 * - Webhooks are form posts signed with `X-Twilio-Signature`: base64 HMAC-SHA1, keyed by the Auth
 *   Token, of the full URL Twilio called followed by every POST parameter, sorted by name, as
 *   name + value with no separators. Compared in constant time.
 * - Status callback: `MessageSid`, `MessageStatus` (queued, sent, delivered, undelivered, failed,
 *   …), `ErrorCode`. Inbound: `MessageSid`, `From`, `To`, `Body` (and `OptOutType` when Twilio's
 *   own opt-out handling recognised a keyword).
 *
 * Nothing here logs: numbers, bodies and tokens never leave this file except in the request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type DeliveryReceipt, type InboundSms, type SendSmsParams, type SentSms, type SmsProvider, SmsProviderError, type SmsStatus, SmsWebhookError, type WebhookRequest } from './provider';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** Our sending number (E.164) … */
  from: string | null;
  /** … or a Messaging Service (MG…), which picks the number. */
  messagingServiceSid: string | null;
  /** https://api.twilio.com (tests point it at nock). */
  apiBase: string;
  /** Milliseconds before a send is abandoned as temporary. */
  timeoutMs?: number;
}

/** Twilio's static facts, in one place. */
export const TWILIO = {
  apiBase: 'https://api.twilio.com',
  signatureHeader: 'x-twilio-signature',
  /** Codes that say the number itself cannot take texts: a data-quality problem, not a retry. */
  invalidNumberCodes: new Set(['21211', '21614', '21217', '21401', '21612']),
  /** The recipient replied STOP to this sender: Twilio blocks it. */
  optedOutCodes: new Set(['21610']),
  /** Too many requests (also HTTP 429). */
  rateLimitCodes: new Set(['20429', '14107']),
} as const;

const STATUS: Record<string, SmsStatus> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

export function twilioStatus(s: string): SmsStatus | null {
  return STATUS[s.toLowerCase()] ?? null;
}

/** The signature Twilio puts on a post to `url` with these form parameters. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

function header(h: WebhookRequest['headers'], name: string): string | null {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

function retryAfterMs(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (!v) return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : null;
}

/** A Twilio refusal, classified by HTTP status and Twilio's code. */
export function classifyTwilioError(status: number, body: unknown, retryAfter: number | null = null): SmsProviderError {
  const b = (body && typeof body === 'object' ? body : {}) as { code?: unknown };
  const code = b.code === undefined || b.code === null ? null : String(b.code);
  if (status === 429 || (code && TWILIO.rateLimitCodes.has(code))) return new SmsProviderError('temporary', 'Twilio asked us to slow down (too many requests).', code, status, retryAfter);
  if (status >= 500) return new SmsProviderError('temporary', `Twilio could not take the message (${status}).`, code, status, retryAfter);
  if (code && TWILIO.optedOutCodes.has(code)) return new SmsProviderError('opted_out', 'The number replied STOP to our sender: Twilio will not text it.', code, status);
  if (code && TWILIO.invalidNumberCodes.has(code)) return new SmsProviderError('invalid_number', 'Twilio says the number cannot receive text messages.', code, status);
  // Twilio's message text can name the number: only the code is kept.
  return new SmsProviderError('permanent', `Twilio refused the message (error ${code ?? status}).`, code, status);
}

export function twilioProvider(settings: TwilioSettings): SmsProvider {
  const base = settings.apiBase.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(p: SendSmsParams): Promise<SentSms> {
      const form = new URLSearchParams();
      form.set('To', p.to);
      if (settings.messagingServiceSid) form.set('MessagingServiceSid', settings.messagingServiceSid);
      else if (settings.from) form.set('From', settings.from);
      form.set('Body', p.body);
      if (p.statusCallbackUrl) {
        const cb = new URL(p.statusCallbackUrl);
        cb.searchParams.set('k', p.idempotencyKey);
        form.set('StatusCallback', cb.toString());
      }
      let res: Response;
      try {
        res = await fetch(`${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          signal: AbortSignal.timeout(settings.timeoutMs ?? 15_000),
        });
      } catch {
        throw new SmsProviderError('temporary', 'Twilio could not be reached.', null, null);
      }
      const body: unknown = await res.json().catch(() => null);
      if (res.status !== 201 && res.status !== 200) throw classifyTwilioError(res.status, body, retryAfterMs(res));
      const m = (body ?? {}) as { sid?: unknown; status?: unknown; num_segments?: unknown };
      if (typeof m.sid !== 'string') throw new SmsProviderError('temporary', 'Twilio answered without a message id.', null, res.status);
      const segments = Number(m.num_segments);
      return { providerMessageId: m.sid, status: twilioStatus(String(m.status ?? 'queued')) ?? 'queued', segments: Number.isFinite(segments) && segments > 0 ? segments : null };
    },
    verifyWebhook(req: WebhookRequest): boolean {
      const given = header(req.headers, TWILIO.signatureHeader);
      if (!given) return false;
      const expected = Buffer.from(twilioSignature(settings.authToken, req.url, req.params));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    parseDeliveryReceipt(req: WebhookRequest): DeliveryReceipt {
      const sid = req.params['MessageSid'] ?? req.params['SmsSid'];
      const raw = req.params['MessageStatus'] ?? req.params['SmsStatus'];
      const status = raw ? twilioStatus(raw) : null;
      if (!sid || !status) throw new SmsWebhookError('The status callback has no message id or a status we do not know.');
      let key: string | null = null;
      try {
        key = new URL(req.url).searchParams.get('k');
      } catch {
        key = null;
      }
      return { providerMessageId: sid, status, errorCode: req.params['ErrorCode'] || null, idempotencyKey: key };
    },
    parseInbound(req: WebhookRequest): InboundSms {
      const sid = req.params['MessageSid'] ?? req.params['SmsMessageSid'];
      const from = req.params['From'];
      const to = req.params['To'];
      if (!sid || !from || !to) throw new SmsWebhookError('The inbound message has no message id, sender or recipient.');
      return { providerMessageId: sid, from, to, body: req.params['Body'] ?? '' };
    },
  };
}
