/**
 * Texts at the edge (docs/decisions/043).
 *
 * Outside /api, the provider's signed posts (ROUTE_PERMISSIONS 'public': the signature is the credential):
 *   POST /webhooks/sms/status   a delivery receipt (Twilio's status callback)
 *   POST /webhooks/sms/inbound  a text a debtor sent to our number (STOP / START / a reply)
 * Each is checked against the full public URL it was posted to (APP_URL + the path and query) and
 * refused with 403 when the signature is missing or wrong. Nothing from the post is logged but ids
 * and outcomes.
 *
 * In /api: GET /customers/:id/sms — the customer's texts and opted-out numbers (the customer page).
 */
import express, { type Request, Router } from 'express';
import { z } from 'zod';
import type { SmsProvider, WebhookRequest } from '../../integrations/sms/provider';
import { SmsWebhookError } from '../../integrations/sms/provider';
import { notFound } from '../../kernel/errors';
import { getContact } from '../analytics/organisations';
import { allow, seesOrganisation } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import { applyReceipt, customerSmsHistory, receiveInbound } from '../sms/store';

export interface SmsWebhookDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  /** Read per request (a test may swap the provider). */
  provider: () => SmsProvider | null;
  /** The public base URL the provider was given (APP_URL). */
  publicBase: () => string;
}

function webhookRequest(req: Request, base: string): WebhookRequest {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
  return { url: `${base.replace(/\/+$/, '')}${req.originalUrl}`, params, headers: req.headers };
}

export function smsWebhookRoutes(deps: SmsWebhookDeps): Router {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }));

  r.post('/status', async (req, res, next) => {
    const provider = deps.provider();
    if (!provider) return void res.status(404).end();
    const w = webhookRequest(req, deps.publicBase());
    if (!provider.verifyWebhook(w)) {
      deps.log.warn({ route: 'sms.status' }, 'SMS webhook refused: bad signature');
      return void res.status(403).json({ error: { code: 'bad_signature', message: 'The webhook signature is not valid.' } });
    }
    try {
      const receipt = provider.parseDeliveryReceipt(w);
      const outcome = await applyReceipt(deps.db, receipt, deps.now());
      deps.log.info({ route: 'sms.status', outcome, status: receipt.status, errorCode: receipt.errorCode }, 'SMS delivery receipt');
      res.status(200).type('text/xml').send('<Response></Response>');
    } catch (err) {
      if (err instanceof SmsWebhookError) return void res.status(400).json({ error: { code: 'invalid_webhook', message: err.message } });
      next(err);
    }
  });

  r.post('/inbound', async (req, res, next) => {
    const provider = deps.provider();
    if (!provider) return void res.status(404).end();
    const w = webhookRequest(req, deps.publicBase());
    if (!provider.verifyWebhook(w)) {
      deps.log.warn({ route: 'sms.inbound' }, 'SMS webhook refused: bad signature');
      return void res.status(403).json({ error: { code: 'bad_signature', message: 'The webhook signature is not valid.' } });
    }
    try {
      const msg = provider.parseInbound(w);
      const result = await receiveInbound(deps.db, provider.name, msg, deps.now());
      deps.log.info({ route: 'sms.inbound', outcome: result.outcome, organisations: result.organisations }, 'SMS received');
      // An empty TwiML answer: Arcus sends no automatic reply (Twilio's own opt-out answers STOP).
      res.status(200).type('text/xml').send('<Response></Response>');
    } catch (err) {
      if (err instanceof SmsWebhookError) return void res.status(400).json({ error: { code: 'invalid_webhook', message: err.message } });
      next(err);
    }
  });
  return r;
}

const IdSchema = z.object({ id: z.uuid({ message: 'This customer does not exist. Reload the page and try again.' }) });

/** GET /api/customers/:id/sms */
export function smsRoutes(deps: { db: Db }): Router {
  const r = Router();
  r.get('/customers/:id/sms', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(IdSchema, req.params);
    const contact = await getContact(deps.db, auth.firmId, id);
    if (!contact || !seesOrganisation(auth, contact.organisationId)) throw notFound('No such customer.');
    res.json(await customerSmsHistory(deps.db, { firmId: auth.firmId, organisationId: contact.organisationId }, contact.externalId));
  });
  return r;
}
