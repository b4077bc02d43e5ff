/**
 * The SMS provider interface behind the reminder sequences' text steps (docs/decisions/043):
 * send one message, and read the provider's two webhooks — a delivery receipt (the status of a
 * message we sent) and an inbound message (what a debtor texted back) — after checking their
 * signature. Implemented by Twilio over plain HTTP (twilio.ts) and the in-process sandbox
 * (sandbox.ts, the demo's and the tests'). Numbers are E.164 ('+447700900123') both ways.
 */

export type SmsProviderName = 'twilio' | 'sandbox';

export interface SendSmsParams {
  /** E.164. */
  to: string;
  body: string;
  /**
   * Stable per message (our sms_messages row id). Twilio's Messages API has no idempotency key:
   * it travels in the status callback URL, so a receipt finds its row even before the provider's
   * id was recorded. The sandbox refuses a second send with the same key.
   */
  idempotencyKey: string;
  /** Where the provider posts delivery receipts; null: none. */
  statusCallbackUrl: string | null;
}

export interface SentSms {
  /** The provider's message id (Twilio: SM…). */
  providerMessageId: string;
  /** The provider's first status (Twilio: queued / accepted). */
  status: SmsStatus;
  /** Segments the provider counted, when it says. */
  segments: number | null;
}

/** Our statuses of an outbound message, from the provider's. */
export type SmsStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** A delivery receipt (Twilio's status callback). */
export interface DeliveryReceipt {
  providerMessageId: string;
  status: SmsStatus;
  /** The provider's error code when undelivered / failed (Twilio: 30003 unreachable, 30006 landline, …). */
  errorCode: string | null;
  /** Our idempotency key when the callback URL carried it. */
  idempotencyKey: string | null;
}

/** A message a debtor sent to our number. */
export interface InboundSms {
  providerMessageId: string;
  /** E.164: the debtor's number. */
  from: string;
  /** E.164: our number it was sent to. */
  to: string;
  body: string;
}

/** A webhook as it arrived: the full public URL it was posted to, its form fields and headers. */
export interface WebhookRequest {
  url: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

export interface SmsProvider {
  readonly name: SmsProviderName;
  send(params: SendSmsParams): Promise<SentSms>;
  /** True when the webhook carries the provider's valid signature (constant-time comparison). */
  verifyWebhook(req: WebhookRequest): boolean;
  parseDeliveryReceipt(req: WebhookRequest): DeliveryReceipt;
  parseInbound(req: WebhookRequest): InboundSms;
}

/**
 * The provider refused or failed a send. `kind`: `invalid_number` (the number cannot receive texts;
 * a data-quality problem), `opted_out` (the provider blocks this number: it replied STOP),
 * `temporary` (429, 5xx, network: try again), `permanent` (anything else refused).
 * Decided from the HTTP status and the provider's code, never from message text.
 */
export type SmsErrorKind = 'invalid_number' | 'opted_out' | 'temporary' | 'permanent';

export class SmsProviderError extends Error {
  override name = 'SmsProviderError';
  constructor(
    readonly kind: SmsErrorKind,
    message: string,
    readonly providerCode: string | null = null,
    readonly httpStatus: number | null = null,
    /** Milliseconds the provider asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** A webhook whose fields are not what the provider sends. */
export class SmsWebhookError extends Error {
  override name = 'SmsWebhookError';
}
