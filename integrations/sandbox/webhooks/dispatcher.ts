/**
 * Delivers the sandbox's ledger changes as signed webhooks.
 *
 * It listens to `store.onChange`, collects changes for `batchMs` (default 200 ms) after the
 * first one, then POSTs one Xero payload (to `ctx.options.webhookUrls.xero`, at most 100
 * events each) and one QuickBooks payload (to `webhookUrls.quickbooks`, legacy
 * `eventNotifications` or a CloudEvents array per `qboFormat`). Changes of a provider without
 * a URL are dropped. URLs, keys (`ctx.options.webhookKeys`) and the format are read at send
 * time, so they can change while the sandbox runs. A delivery that fails (network error,
 * timeout, non-2xx) is retried with exponential backoff up to `maxAttempts`. Every delivery
 * and attempt is kept in a bounded log (admin: GET /admin/webhooks/deliveries).
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../context';
import type { Provider, SbChange } from '../model';
import { entropy, intuitSource, qboCloudEvents, qboEntityEvents, qboLegacyPayload, signBody, xeroEvents } from './payloads';

export type QboWebhookFormat = 'legacy' | 'cloudevents';

export interface WebhookDispatcherOptions {
  /** How long changes are collected before a delivery (ms). Default 200. */
  batchMs?: number;
  /** Attempts per delivery, the first included. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each time, capped at 60 s. Default 1000. */
  retryBaseMs?: number;
  /** Per-attempt timeout (ms). Default 5000 (Xero's limit). */
  timeoutMs?: number;
  /** QuickBooks payload format. Default 'legacy'. */
  qboFormat?: QboWebhookFormat;
  /** Deliveries kept in the log. Default 500. */
  logLimit?: number;
}

export interface WebhookAttempt {
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  provider: Provider;
  kind: 'events' | 'intent-correct' | 'intent-incorrect';
  format: 'xero' | QboWebhookFormat;
  url: string;
  contentType: string;
  eventCount: number;
  body: string;
  signature: string;
  state: 'pending' | 'delivered' | 'retrying' | 'failed';
  attempts: WebhookAttempt[];
}

export interface IntentToReceiveResult {
  provider: Provider;
  url: string | null;
  /** The receiver answered 200 to the correctly signed payload and 401 to the wrongly signed one. */
  ok: boolean;
  correctlySigned: { status: number | null; expected: 200; ok: boolean };
  incorrectlySigned: { status: number | null; expected: number[]; ok: boolean };
  message: string;
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private pending: SbChange[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  private sequence = 0;
  private readonly opts: Required<WebhookDispatcherOptions>;

  constructor(
    private readonly ctx: SandboxContext,
    options: WebhookDispatcherOptions = {},
  ) {
    this.opts = { batchMs: 200, maxAttempts: 5, retryBaseMs: 1000, timeoutMs: 5000, qboFormat: 'legacy', logLimit: 500, ...options };
  }

  get qboFormat(): QboWebhookFormat {
    return this.opts.qboFormat;
  }

  set qboFormat(format: QboWebhookFormat) {
    this.opts.qboFormat = format;
  }

  /** Start listening to ledger changes. */
  start(): this {
    this.unsubscribe ??= this.ctx.store.onChange((change) => this.enqueue(change));
    return this;
  }

  /** Stop listening and cancel scheduled sends and retries (in-flight requests finish). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  private providerOf(companyId: string): Provider | null {
    return this.ctx.store.companies.get(companyId)?.provider ?? null;
  }

  private enqueue(change: SbChange): void {
    const provider = this.providerOf(change.companyId);
    if (!provider || !this.ctx.options.webhookUrls[provider]) return;
    this.pending.push(change);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        void this.flush();
      }, this.opts.batchMs);
      this.timer.unref();
    }
  }

  /** Changes waiting for the next delivery. */
  get queued(): number {
    return this.pending.length;
  }

  /**
   * Send what is queued now and wait for the first attempt of each delivery (retries go on
   * in the background). Returns the deliveries made.
   */
  async flush(): Promise<WebhookDelivery[]> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const changes = this.pending;
    this.pending = [];
    const made: WebhookDelivery[] = [];
    const xero = changes.filter((c) => this.providerOf(c.companyId) === 'xero');
    const qbo = changes.filter((c) => this.providerOf(c.companyId) === 'quickbooks');
    const xeroUrl = this.ctx.options.webhookUrls.xero;
    if (xeroUrl && xero.length) {
      const apiBase = `${this.ctx.options.baseUrl.replace(/\/+$/, '')}/xero/api.xro/2.0`;
      const events = xeroEvents(xero, apiBase, (id) => this.ctx.store.creditNotes.get(id)?.status ?? null);
      for (let i = 0; i < events.length; i += 100) {
        const chunk = events.slice(i, i + 100);
        const first = this.sequence + 1;
        this.sequence += chunk.length;
        const body = JSON.stringify({ events: chunk, firstEventSequence: first, lastEventSequence: this.sequence, entropy: entropy() });
        made.push(this.record('xero', 'events', 'xero', xeroUrl, 'application/json; charset=utf-8', chunk.length, body, this.ctx.options.webhookKeys.xero));
      }
    }
    const qboUrl = this.ctx.options.webhookUrls.quickbooks;
    if (qboUrl && qbo.length) {
      const events = qboEntityEvents(qbo);
      const key = this.ctx.options.webhookKeys.quickbooks;
      if (this.opts.qboFormat === 'cloudevents') {
        const source = intuitSource(this.ctx.options.clientId ?? 'arcus-sandbox');
        for (let i = 0; i < events.length; i += 100) {
          const chunk = qboCloudEvents(events.slice(i, i + 100), source);
          made.push(this.record('quickbooks', 'events', 'cloudevents', qboUrl, 'application/cloudevents+json', chunk.length, JSON.stringify(chunk), key));
        }
      } else {
        for (let i = 0; i < events.length; i += 100) {
          const chunk = events.slice(i, i + 100);
          made.push(this.record('quickbooks', 'events', 'legacy', qboUrl, 'application/json', chunk.length, JSON.stringify(qboLegacyPayload(chunk)), key));
        }
      }
    }
    await Promise.all(made.map((d) => this.attempt(d, true)));
    return made;
  }

  /**
   * Deliver Xero events that do not come from the ledger store (the App Store's SUBSCRIPTION
   * events, integrations/sandbox/xero/app-store.ts) to the Xero webhook URL, signed with the same
   * key, logged and retried like the rest. Waits for the first attempt; null without a URL.
   */
  async deliverXeroEvents(events: object[]): Promise<WebhookDelivery | null> {
    const url = this.ctx.options.webhookUrls.xero;
    if (!url || events.length === 0) return null;
    const first = this.sequence + 1;
    this.sequence += events.length;
    const body = JSON.stringify({ events, firstEventSequence: first, lastEventSequence: this.sequence, entropy: entropy() });
    const delivery = this.record('xero', 'events', 'xero', url, 'application/json; charset=utf-8', events.length, body, this.ctx.options.webhookKeys.xero);
    await this.attempt(delivery, true);
    return delivery;
  }

  /** Wait until nothing is queued, in flight or waiting for a retry (for tests and shutdown). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.pending.length) await this.flush();
      if (this.inFlight.size) await Promise.all(this.inFlight);
      else if (this.retryTimers.size) await new Promise((r) => setTimeout(r, 10));
      else if (!this.pending.length) return;
    }
  }

  private record(provider: Provider, kind: WebhookDelivery['kind'], format: WebhookDelivery['format'], url: string, contentType: string, eventCount: number, body: string, key: string): WebhookDelivery {
    const delivery: WebhookDelivery = { id: randomUUID(), provider, kind, format, url, contentType, eventCount, body, signature: signBody(body, key), state: 'pending', attempts: [] };
    this.deliveries.push(delivery);
    if (this.deliveries.length > this.opts.logLimit) this.deliveries.splice(0, this.deliveries.length - this.opts.logLimit);
    return delivery;
  }

  private async send(d: WebhookDelivery): Promise<WebhookAttempt> {
    const started = Date.now();
    const header = d.provider === 'xero' ? 'x-xero-signature' : 'intuit-signature';
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': d.contentType, [header]: d.signature, 'user-agent': `${d.provider === 'xero' ? 'Xero' : 'Intuit'}-Sandbox-Webhooks/1.0` },
        body: d.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      return { at: new Date(started).toISOString(), status: res.status, error: null, durationMs: Date.now() - started };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { at: new Date(started).toISOString(), status: null, error: e.cause?.code ?? e.name ?? 'error', durationMs: Date.now() - started };
    }
  }

  private attempt(d: WebhookDelivery, retry: boolean): Promise<void> {
    const run = (async () => {
      const a = await this.send(d);
      d.attempts.push(a);
      const ok = a.status !== null && a.status >= 200 && a.status < 300;
      if (ok) {
        d.state = 'delivered';
        return;
      }
      if (!retry || d.attempts.length >= this.opts.maxAttempts) {
        d.state = 'failed';
        return;
      }
      d.state = 'retrying';
      const delay = Math.min(60_000, this.opts.retryBaseMs * 2 ** (d.attempts.length - 1));
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        void this.attempt(d, true);
      }, delay);
      t.unref();
      this.retryTimers.add(t);
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  /**
   * Xero's "intent to receive" check: an empty payload signed correctly must get 200, one
   * signed wrongly must get 401. QuickBooks has no such handshake; the same check is run
   * with its payload shape (a wrong signature may also be answered 403, as Intuit's sample does).
   */
  async intentToReceive(provider: Provider): Promise<IntentToReceiveResult> {
    const url = this.ctx.options.webhookUrls[provider] ?? null;
    const expectedBad = provider === 'xero' ? [401] : [401, 403];
    if (!url) {
      return {
        provider,
        url,
        ok: false,
        correctlySigned: { status: null, expected: 200, ok: false },
        incorrectlySigned: { status: null, expected: expectedBad, ok: false },
        message: `No webhook URL is configured for ${provider}`,
      };
    }
    const key = this.ctx.options.webhookKeys[provider];
    let body: string;
    let contentType: string;
    let format: WebhookDelivery['format'];
    if (provider === 'xero') {
      body = JSON.stringify({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: entropy() });
      contentType = 'application/json; charset=utf-8';
      format = 'xero';
    } else if (this.opts.qboFormat === 'cloudevents') {
      body = '[]';
      contentType = 'application/cloudevents+json';
      format = 'cloudevents';
    } else {
      body = JSON.stringify({ eventNotifications: [] });
      contentType = 'application/json';
      format = 'legacy';
    }
    const good = this.record(provider, 'intent-correct', format, url, contentType, 0, body, key);
    const bad = this.record(provider, 'intent-incorrect', format, url, contentType, 0, body, `${key}-not-the-key`);
    await this.attempt(good, false);
    await this.attempt(bad, false);
    const goodStatus = good.attempts[0]?.status ?? null;
    const badStatus = bad.attempts[0]?.status ?? null;
    const goodOk = goodStatus === 200;
    const badOk = badStatus !== null && expectedBad.includes(badStatus);
    // For the intent payloads, "delivered" means "answered as expected".
    good.state = goodOk ? 'delivered' : 'failed';
    bad.state = badOk ? 'delivered' : 'failed';
    const message =
      goodOk && badOk
        ? 'Intent to receive verified'
        : [!goodOk && `correctly signed payload answered ${goodStatus ?? 'no response'} (expected 200)`, !badOk && `wrongly signed payload answered ${badStatus ?? 'no response'} (expected ${expectedBad.join(' or ')})`]
            .filter(Boolean)
            .join('; ');
    return {
      provider,
      url,
      ok: goodOk && badOk,
      correctlySigned: { status: goodStatus, expected: 200, ok: goodOk },
      incorrectlySigned: { status: badStatus, expected: expectedBad, ok: badOk },
      message,
    };
  }
}
