/**
 * Ledger webhooks, mounted at /webhooks before any JSON parser: the signature is checked over
 * the raw bytes. Xero: a bad signature is 401 with an empty body, a good one 200 (an empty
 * event list is Xero's intent-to-receive check). QuickBooks: the legacy and the CloudEvents
 * formats; a bad signature is 401. Events are deduplicated and turned into webhook syncs.
 */
import express, { Router } from 'express';
import type { Provider } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { badTextPath } from '../http/text';
import type { SubscriptionEvent } from '../billing/subscriptions';
import type { Logger } from '../logger';
import { ingestEvents, type RequestWebhookSync } from '../webhooks/ingest';
import { type LedgerEvent, parseQuickBooksPayload, parseXeroPayload } from '../webhooks/payloads';
import { verifyWebhookSignature } from '../webhooks/signature';

export interface WebhookRouteDeps {
  db: Db;
  log: Logger;
  /** Signing keys, read per request (the embedded sandbox's keys, or XERO_WEBHOOK_KEY / INTUIT_WEBHOOK_VERIFIER). */
  keys: () => Record<Provider, string | null>;
  requestSync: RequestWebhookSync;
  /**
   * Xero App Store SUBSCRIPTION events (they come to the app's one Xero webhook URL): stored once,
   * then the subscription is read again (server/billing). A throw answers 500: Xero delivers again.
   */
  subscriptions?: (events: SubscriptionEvent[]) => Promise<unknown>;
}

const HEADER: Record<Provider, string> = { xero: 'x-xero-signature', quickbooks: 'intuit-signature' };
const PARSE: Record<Provider, (body: unknown) => LedgerEvent[] | null> = { xero: parseXeroPayload, quickbooks: parseQuickBooksPayload };

export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const r = Router();
  // Any content type (application/json, application/cloudevents+json); the bytes are what was signed.
  const raw = express.raw({ type: () => true, limit: '1mb' });

  const receive = (provider: Provider): express.RequestHandler => async (req, res, next) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyWebhookSignature(body, req.get(HEADER[provider]), deps.keys()[provider])) {
      res.status(401).end();
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      res.status(400).json({ error: { code: 'invalid_json', message: 'The webhook body is not valid JSON.' } });
      return;
    }
    // Signed, but not storable: a NUL or an unpaired surrogate. A 400 (not a 500 the provider retries forever).
    const bad = badTextPath(json);
    if (bad) {
      deps.log.warn({ provider, field: bad.slice(0, 100) }, 'webhook refused: text that cannot be stored');
      res.status(400).json({ error: { code: 'invalid_text', message: `${bad.slice(0, 100)}: contains a NUL character or an unpaired surrogate` } });
      return;
    }
    const parsed = PARSE[provider](json);
    if (parsed === null) {
      res.status(400).end();
      return;
    }
    // App Store subscription events are about the app, not a ledger tenant: no sync for them.
    const subscriptionEvents = provider === 'xero' ? parsed.filter((e) => e.entity === 'SUBSCRIPTION') : [];
    const events = subscriptionEvents.length ? parsed.filter((e) => e.entity !== 'SUBSCRIPTION') : parsed;
    try {
      if (subscriptionEvents.length) {
        if (deps.subscriptions) await deps.subscriptions(subscriptionEvents.map((e) => ({ eventId: e.eventId, subscriptionId: e.resourceId, payload: e.payload })));
        else deps.log.warn({ provider, events: subscriptionEvents.length }, 'App Store subscription events received, but billing is not set up on this process');
      }
      const started = Date.now();
      const result = await ingestEvents(deps, provider, events);
      deps.log.info({ provider, received: result.received, fresh: result.fresh, organisations: result.organisationIds.length, unknownTenants: result.unknownTenants.length, ms: Date.now() - started }, 'webhook received');
      res.status(200).end();
    } catch (err) {
      // 5xx: the provider retries the delivery later.
      next(err);
    }
  };

  r.post('/xero', raw, receive('xero'));
  r.post('/quickbooks', raw, receive('quickbooks'));
  return r;
}
