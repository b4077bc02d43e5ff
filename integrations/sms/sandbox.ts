/**
 * The sandbox SMS provider (demo mode and tests): in-process, nothing leaves the machine. It
 * records what was sent, answers each send once per idempotency key, and lets a test (or the demo)
 * play the provider's side: a delivery receipt for a message, or a reply from a number. Its
 * webhooks are "signed" with an HMAC-SHA256 of the URL and sorted parameters under its own secret,
 * so the route checks them exactly as it checks Twilio's.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DeliveryReceipt, InboundSms, SendSmsParams, SentSms, SmsProvider, SmsStatus, WebhookRequest } from './provider';
import { SmsProviderError, SmsWebhookError } from './provider';

export interface SandboxSms {
  providerMessageId: string;
  to: string;
  body: string;
  idempotencyKey: string;
  statusCallbackUrl: string | null;
  status: SmsStatus;
}

export interface SandboxSmsProvider extends SmsProvider {
  readonly name: 'sandbox';
  /** Every message sent, oldest first. */
  readonly sent: readonly SandboxSms[];
  /** Our number, the one debtors reply to. */
  readonly number: string;
  /** Numbers that make the next send fail the way a provider would (tests). */
  failNext(kind: SmsProviderError['kind']): void;
  /** A signed delivery-receipt webhook for a sent message, to post to `url`. */
  receipt(providerMessageId: string, status: SmsStatus, url: string, errorCode?: string | null): WebhookRequest;
  /** A signed inbound-message webhook: `from` texted `body` to our number. */
  reply(from: string, body: string, url: string): WebhookRequest;
}

const HEADER = 'x-sandbox-signature';

export function sandboxSignature(secret: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha256', secret).update(data).digest('base64');
}

export function sandboxSmsProvider(options: { secret: string; number?: string }): SandboxSmsProvider {
  const sent: SandboxSms[] = [];
  const byKey = new Map<string, SandboxSms>();
  const failures: SmsProviderError['kind'][] = [];
  const number = options.number ?? '+15005550006';
  const sign = (url: string, params: Record<string, string>): WebhookRequest => ({ url, params, headers: { [HEADER]: sandboxSignature(options.secret, url, params) } });
  return {
    name: 'sandbox',
    sent,
    number,
    failNext(kind) {
      failures.push(kind);
    },
    async send(p: SendSmsParams): Promise<SentSms> {
      const again = byKey.get(p.idempotencyKey);
      if (again) return { providerMessageId: again.providerMessageId, status: again.status, segments: null };
      const fail = failures.shift();
      if (fail) throw new SmsProviderError(fail, `The sandbox refused the message (${fail.replace('_', ' ')}).`, null, null);
      const m: SandboxSms = { providerMessageId: `SB${randomUUID().replace(/-/g, '')}`, to: p.to, body: p.body, idempotencyKey: p.idempotencyKey, statusCallbackUrl: p.statusCallbackUrl, status: 'queued' };
      sent.push(m);
      byKey.set(p.idempotencyKey, m);
      return { providerMessageId: m.providerMessageId, status: 'queued', segments: null };
    },
    receipt(providerMessageId, status, url, errorCode = null) {
      const m = sent.find((x) => x.providerMessageId === providerMessageId);
      if (m) m.status = status;
      return sign(url, { MessageSid: providerMessageId, MessageStatus: status, ...(errorCode ? { ErrorCode: errorCode } : {}) });
    },
    reply(from, body, url) {
      return sign(url, { MessageSid: `SB${randomUUID().replace(/-/g, '')}`, From: from, To: number, Body: body });
    },
    verifyWebhook(req: WebhookRequest): boolean {
      const v = req.headers[HEADER];
      const given = Array.isArray(v) ? v[0] : v;
      if (!given) return false;
      const expected = Buffer.from(sandboxSignature(options.secret, req.url, req.params));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    parseDeliveryReceipt(req: WebhookRequest): DeliveryReceipt {
      const sid = req.params['MessageSid'];
      const status = req.params['MessageStatus'] as SmsStatus | undefined;
      if (!sid || !status || !['queued', 'sent', 'delivered', 'undelivered', 'failed'].includes(status)) throw new SmsWebhookError('The receipt has no message id or status.');
      return { providerMessageId: sid, status, errorCode: req.params['ErrorCode'] || null, idempotencyKey: null };
    },
    parseInbound(req: WebhookRequest): InboundSms {
      const sid = req.params['MessageSid'];
      const from = req.params['From'];
      const to = req.params['To'];
      if (!sid || !from || !to) throw new SmsWebhookError('The inbound message has no message id, sender or recipient.');
      return { providerMessageId: sid, from, to, body: req.params['Body'] ?? '' };
    },
  };
}
