/**
 * The debtor's side of pay links, with no session and outside /api (no CSRF cookie; writes
 * accept only application/json, which a cross-site form cannot send):
 *
 *   GET  /pay-api/:token                        the page's summary
 *   POST /pay-api/:token/checkout               open a checkout → { url } to redirect to
 *   GET  /pay-api/:token/checkouts/:checkoutId  the return from the provider: check and complete
 *   POST /pay-api/:token/promise                { date, invoiceIds? }
 *   POST /pay-api/:token/dispute                { reason, details?, invoiceId? }
 *   POST /pay-api/:token/card-setup             open the provider's hosted card page → { url } (autopay)
 *   GET  /pay-api/:token/card-setups/:setupId   the return from it: check and save the card
 *   POST /pay-api/:token/autopay                { scope, planId?, on } — autopay on or off
 *   GET|POST /pay/sandbox-checkout/:sessionId   the sandbox provider's hosted checkout
 *   GET|POST /pay/sandbox-setup/:setupRef       the sandbox provider's hosted card page
 *   POST /webhooks/stripe                       Stripe's signed events (raw body)
 *
 * Unknown and revoked tokens are a plain 404 that says nothing else. Lightly rate-limited.
 */

import { and, eq } from 'drizzle-orm';
import express, { type Request, type RequestHandler, Router } from 'express';
import { PaymentProviderError, WebhookSignatureError } from '../../integrations/payments/provider';
import { DomainError } from '../../kernel/errors';
import { fromMinor } from '../../kernel/money';
import type { Db } from '../db/client';
import { checkouts, organisations, payLinks } from '../db/schema';
import { asSystem } from '../db/firm-scope';
import { asFirmOf, scopeByParam } from '../http/firm-param';
import { refuseBadText } from '../http/text';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import { DisputeInput, PromiseInput, recordDispute, recordPromise } from '../pay/actions';
import { m } from '../pay/amounts';
import { CheckoutInput, openCheckout } from '../pay/checkout';
import { completeCheckout, expireCheckout } from '../pay/complete';
import { type PayEnv, publicBase } from '../pay/env';
import { linkToken, linkTokenColumns, payUrl } from '../pay/links';
import { type HitLimiters, memoryLimiters } from '../pay/rate-limit';
import { sandboxPay } from '../pay/sandbox-provider';
import { summaryOf } from '../pay/summary';
import { logoPathOf } from '../sender/store';
import { stripeReturnOf } from '../returns/core';
import { recordStripeReturn, stripeReturnFirm } from '../returns/service';
import { findLink, isToken, type LinkView, loadLinkView } from '../pay/view';
import { AutopayInput, autopaySummary, completeCardSetup, savedMethodFirm, setAutopay, startCardSetup } from '../autopay/cards';
import { attemptFirm, settleFromEvent } from '../autopay/charge';
import { autopayEventOf } from '../autopay/events';
import { cardRefundEvent, cardRefundOfEvent } from '../refunds/card';
import { cardRefundEventOf } from '../refunds/events';
import { SANDBOX_CARDS, type SandboxCard, sandboxSaveCard } from '../pay/sandbox-provider';
import { savedPaymentMethods } from '../db/schema';

export interface PayRouteDeps {
  db: Db;
  log: Logger;
  env: () => PayEnv;
  /** Where the per-client windows are counted (Redis across processes; default memory). */
  limiters?: HitLimiters;
}

const notFound = () => new DomainError('not_found', 'This payment link is not valid.');

function param(req: Request, name: string): string {
  const v = (req.params as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
}

function limiter(deps: PayRouteDeps, name: string, limit: number): RequestHandler {
  const l = (deps.limiters ?? memoryLimiters)(name, limit);
  return (req, res, next) => {
    l.take(req.ip ?? 'unknown').then(
      (ok) => {
        if (ok) return next();
        res.set('retry-after', '60');
        next(new DomainError('rate_limited', 'Too many requests. Please wait a minute and try again.'));
      },
      (err: unknown) => {
        // The limit's store is unreachable: the debtor is served (the page must not go down with Redis), and it is said.
        deps.log.warn({ err, limiter: name }, 'pay-page rate limit unavailable: request allowed');
        next();
      },
    );
  };
}

const jsonOnly: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) return next(new DomainError('unsupported_media_type', 'Send the request as application/json.'));
  next();
};


export function payApiRoutes(deps: PayRouteDeps): Router {
  const r = Router();
  r.use(express.json({ limit: '16kb' }));
  r.use(refuseBadText);
  r.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    res.set('x-robots-tag', 'noindex');
    next();
  });
  const reads = limiter(deps, 'reads', 120);
  const writes = limiter(deps, 'writes', 20);
  // The token names the link: its firm is found as the system, the request runs as that firm.
  r.param('token', scopeByParam(async (token) => (await findLink(deps.db, token))?.firmId ?? null));

  const view = async (req: Request): Promise<LinkView> => {
    const token = param(req, 'token');
    const link = isToken(token) ? await findLink(deps.db, token) : null;
    if (!link) throw notFound();
    const v = await loadLinkView(deps.db, link, deps.env().now());
    if (!v) throw notFound();
    return v;
  };

  r.get('/:token', reads, async (req, res) => {
    const v = await view(req);
    const summary = summaryOf(v, deps.env());
    const autopay = await autopaySummary(deps.db, v, deps.env().provider);
    res.json({ ...summary, autopay, organisation: { ...summary.organisation, logoUrl: await logoPathOf(deps.db, v.org.id) } });
  });

  r.post('/:token/card-setup', writes, jsonOnly, async (req, res) => {
    const v = await view(req);
    const env = deps.env();
    const base = publicBase(env.appUrl);
    if (!base) throw new DomainError('conflict', 'Saving a card is not available right now.', { code: 'cards_unavailable' });
    const out = await startCardSetup({ db: deps.db, provider: env.provider, appUrl: base }, v, param(req, 'token'));
    deps.log.info({ setupId: out.setupId, organisationId: v.org.id, provider: env.provider?.name }, 'pay link card setup opened');
    res.status(201).json(out);
  });

  r.get('/:token/card-setups/:setupId', reads, async (req, res) => {
    const v = await view(req);
    const setupId = param(req, 'setupId');
    if (!/^[0-9a-f-]{36}$/i.test(setupId)) throw notFound();
    const [row] = await deps.db
      .select({ id: savedPaymentMethods.id, status: savedPaymentMethods.status, provider: savedPaymentMethods.provider })
      .from(savedPaymentMethods)
      .where(and(eq(savedPaymentMethods.id, setupId), eq(savedPaymentMethods.firmId, v.link.firmId), eq(savedPaymentMethods.organisationId, v.org.id), eq(savedPaymentMethods.contactExternalId, v.link.contactExternalId)));
    if (!row) throw notFound();
    const env = deps.env();
    let status: string = row.status === 'pending' ? 'open' : row.status === 'expired' ? 'expired' : 'saved';
    if (row.status === 'pending' && env.provider?.name === row.provider) {
      try {
        const done = await completeCardSetup({ db: deps.db, provider: env.provider, now: env.now }, { id: row.id });
        status = done.outcome === 'saved' || done.outcome === 'already_saved' ? 'saved' : done.outcome === 'expired' ? 'expired' : 'open';
      } catch (err) {
        if (!(err instanceof PaymentProviderError)) throw err;
        deps.log.warn({ setupId: row.id, status: err.status, type: err.type }, 'card setup state could not be read on return');
      }
    }
    res.json({ setupId: row.id, status });
  });

  r.post('/:token/autopay', writes, jsonOnly, async (req, res) => {
    const input = parseInput(AutopayInput, req.body ?? {}, { scope: 'what to pay', planId: 'payment plan', on: 'autopay', paused: 'pause' });
    const v = await view(req);
    const out = await setAutopay({ db: deps.db, provider: deps.env().provider, now: deps.env().now }, v, input);
    deps.log.info({ organisationId: v.org.id, payLinkId: v.link.id, scope: input.scope, on: out.on }, 'pay link autopay changed');
    res.json(out);
  });

  r.post('/:token/checkout', writes, jsonOnly, async (req, res) => {
    const input = parseInput(CheckoutInput, req.body ?? {});
    const v = await view(req);
    const env = deps.env();
    const base = publicBase(env.appUrl);
    if (!base) throw new DomainError('conflict', 'Online payment is not available right now.', { code: 'payments_unavailable' });
    const out = await openCheckout({ db: deps.db, provider: env.provider, appUrl: base }, v, param(req, 'token'), input);
    deps.log.info({ checkoutId: out.checkoutId, organisationId: v.org.id, provider: env.provider?.name }, 'pay link checkout opened');
    res.status(201).json(out);
  });

  r.get('/:token/checkouts/:checkoutId', reads, async (req, res) => {
    const v = await view(req);
    const checkoutId = param(req, 'checkoutId');
    if (!/^[0-9a-f-]{36}$/i.test(checkoutId)) throw notFound();
    const [row] = await deps.db
      .select({ id: checkouts.id, status: checkouts.status, amount: checkouts.amount, currency: checkouts.currency, provider: checkouts.provider })
      .from(checkouts)
      .where(and(eq(checkouts.id, checkoutId), eq(checkouts.payLinkId, v.link.id), eq(checkouts.firmId, v.link.firmId)));
    if (!row) throw notFound();
    const env = deps.env();
    let status = row.status;
    if (status !== 'completed' && env.provider && env.provider.name === row.provider) {
      try {
        const done = await completeCheckout({ db: deps.db, provider: env.provider, enqueueExecute: env.enqueueExecute, now: env.now, log: deps.log }, { checkoutId: row.id });
        status = done.outcome === 'completed' || done.outcome === 'already_completed' ? 'completed' : done.outcome === 'not_found' ? status : done.outcome;
      } catch (err) {
        if (!(err instanceof PaymentProviderError)) throw err;
        deps.log.warn({ checkoutId: row.id, status: err.status, type: err.type }, 'checkout state could not be read on return');
      }
    }
    res.json({ checkoutId: row.id, status, amount: fromMinor(m(row.amount)), currency: row.currency });
  });

  r.post('/:token/promise', writes, jsonOnly, async (req, res) => {
    const input = parseInput(PromiseInput, req.body ?? {});
    const v = await view(req);
    const out = await recordPromise(deps.db, v, input, deps.env().now());
    deps.log.info({ organisationId: v.org.id, payLinkId: v.link.id, invoices: out.invoiceIds.length }, 'pay link promise recorded');
    res.status(201).json(out);
  });

  r.post('/:token/dispute', writes, jsonOnly, async (req, res) => {
    const input = parseInput(DisputeInput, req.body ?? {});
    const v = await view(req);
    const out = await recordDispute(deps.db, v, input, deps.env().now());
    deps.log.info({ organisationId: v.org.id, payLinkId: v.link.id, reason: input.reason }, 'pay link dispute recorded');
    res.status(201).json(out);
  });
  return r;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sandboxPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:32px 16px;color:#1f2933}main{max-width:420px;margin:0 auto;background:#fff;border-radius:12px;padding:28px;box-shadow:0 1px 3px rgba(0,0,0,.1)}.tag{display:inline-block;background:#fff3bf;color:#8a6d00;border-radius:6px;padding:2px 8px;font-size:12px;font-weight:600}.amount{font-size:32px;font-weight:700;margin:12px 0}button{width:100%;padding:14px;font-size:16px;font-weight:600;border:0;border-radius:8px;background:#1c7ed6;color:#fff;cursor:pointer}a{color:#1c7ed6}</style></head><body><main>${body}</main></body></html>`;
}

/** The sandbox provider's hosted checkout page (no card network; Pay completes it). */
export function sandboxCheckoutRoutes(deps: PayRouteDeps): Router {
  const r = Router();
  r.use(limiter(deps, 'checkout', 60));
  r.param('sessionId', scopeByParam((sessionId) => checkoutFirm(deps.db, 'sandbox', sessionId)));
  const load = async (sessionId: string) => {
    if (!/^cs_sandbox_[A-Za-z0-9]{1,64}$/.test(sessionId)) return null;
    const [row] = await deps.db
      .select({ id: checkouts.id, status: checkouts.status, amount: checkouts.amount, currency: checkouts.currency, paymentId: checkouts.providerPaymentId, link: linkTokenColumns, orgName: organisations.name })
      .from(checkouts)
      .innerJoin(payLinks, and(eq(payLinks.id, checkouts.payLinkId), eq(payLinks.firmId, checkouts.firmId)))
      .innerJoin(organisations, and(eq(organisations.id, checkouts.organisationId), eq(organisations.firmId, checkouts.firmId)))
      .where(and(eq(checkouts.provider, 'sandbox'), eq(checkouts.providerSessionId, sessionId)));
    if (!row) return null;
    // The way back to the pay page: the link's token, derived again (it is not stored).
    const token = await linkToken(deps.db, deps.env().linkKey, row.link, { revive: false });
    return { ...row, token };
  };
  const invalid = sandboxPage('Checkout not found', '<h1>Checkout not found</h1><p>This checkout does not exist or has closed.</p>');

  r.get('/:sessionId', async (req, res) => {
    const row = await load(param(req, 'sessionId'));
    res.set('cache-control', 'no-store');
    if (!row) return void res.status(404).type('html').send(invalid);
    const base = publicBase(deps.env().appUrl) ?? '';
    const back = payUrl(base, row.token);
    if (row.paymentId) return void res.redirect(303, `${back}?checkout=${row.id}`);
    const amount = `${fromMinor(m(row.amount))} ${row.currency}`;
    res
      .type('html')
      .send(
        sandboxPage(
          'Sandbox checkout',
          `<span class="tag">Sandbox payment — no real money moves</span><h1>Pay ${esc(row.orgName)}</h1><div class="amount" data-testid="sandbox-amount">${esc(amount)}</div><form method="post"><button type="submit">Pay ${esc(amount)}</button></form><p><a href="${esc(back)}?cancelled=1">Cancel and go back</a></p>`,
        ),
      );
  });

  r.post('/:sessionId', async (req, res) => {
    const sessionId = param(req, 'sessionId');
    const row = await load(sessionId);
    res.set('cache-control', 'no-store');
    if (!row) return void res.status(404).type('html').send(invalid);
    const paid = await sandboxPay(deps.db, sessionId);
    const env = deps.env();
    // What a provider's webhook would do: complete the checkout now, before the debtor is back.
    if (paid && env.provider?.name === 'sandbox') {
      await completeCheckout({ db: deps.db, provider: env.provider, enqueueExecute: env.enqueueExecute, now: env.now, log: deps.log }, { checkoutId: paid.checkoutId });
    }
    res.redirect(303, `${payUrl(publicBase(env.appUrl) ?? '', row.token)}?checkout=${row.id}`);
  });
  return r;
}

/** The sandbox provider's hosted card page (no card network): choose a test card, Save completes the setup. */
export function sandboxSetupRoutes(deps: PayRouteDeps): Router {
  const r = Router();
  r.use(limiter(deps, 'checkout', 60));
  r.use(express.urlencoded({ extended: false, limit: '4kb' }));
  r.param('setupRef', scopeByParam((ref) => setupFirm(deps.db, ref)));
  const load = async (ref: string) => {
    if (!/^seti_sandbox_[A-Za-z0-9]{1,64}$/.test(ref)) return null;
    const [row] = await deps.db
      .select({ id: savedPaymentMethods.id, status: savedPaymentMethods.status, methodId: savedPaymentMethods.providerMethodId, link: linkTokenColumns, orgName: organisations.name })
      .from(savedPaymentMethods)
      .innerJoin(payLinks, and(eq(payLinks.id, savedPaymentMethods.payLinkId), eq(payLinks.firmId, savedPaymentMethods.firmId)))
      .innerJoin(organisations, and(eq(organisations.id, savedPaymentMethods.organisationId), eq(organisations.firmId, savedPaymentMethods.firmId)))
      .where(and(eq(savedPaymentMethods.provider, 'sandbox'), eq(savedPaymentMethods.setupRef, ref)));
    if (!row) return null;
    const token = await linkToken(deps.db, deps.env().linkKey, row.link, { revive: false });
    return { ...row, token };
  };
  const invalid = sandboxPage('Card page not found', '<h1>Card page not found</h1><p>This page does not exist or has closed.</p>');
  const CARD_WORDS: Record<SandboxCard, string> = { '4242': 'Visa ending 4242 — payments go through', '0341': 'Visa ending 0341 — payments are declined', '3155': 'Visa ending 3155 — the bank asks to confirm each payment' };

  r.get('/:setupRef', async (req, res) => {
    const row = await load(param(req, 'setupRef'));
    res.set('cache-control', 'no-store');
    if (!row) return void res.status(404).type('html').send(invalid);
    const back = payUrl(publicBase(deps.env().appUrl) ?? '', row.token);
    if (row.methodId || row.status !== 'pending') return void res.redirect(303, `${back}?card=${row.id}`);
    const options = (Object.keys(SANDBOX_CARDS) as SandboxCard[]).map((k) => `<label style="display:block;margin:10px 0"><input type="radio" name="card" value="${k}"${k === '4242' ? ' checked' : ''}> ${esc(CARD_WORDS[k])}</label>`).join('');
    res
      .type('html')
      .send(sandboxPage('Sandbox card', `<span class="tag">Sandbox card page — no real card is saved</span><h1>Save a card for ${esc(row.orgName)}</h1><form method="post">${options}<button type="submit">Save card</button></form><p><a href="${esc(back)}?card=cancelled">Cancel and go back</a></p>`));
  });

  r.post('/:setupRef', async (req, res) => {
    const ref = param(req, 'setupRef');
    const row = await load(ref);
    res.set('cache-control', 'no-store');
    if (!row) return void res.status(404).type('html').send(invalid);
    const chosen = typeof (req.body as Record<string, unknown> | undefined)?.['card'] === 'string' ? String((req.body as Record<string, unknown>)['card']) : '4242';
    const card = (chosen in SANDBOX_CARDS ? chosen : '4242') as SandboxCard;
    const env = deps.env();
    const today = new Date(env.now());
    const saved = await sandboxSaveCard(deps.db, ref, card, { month: 12, year: today.getUTCFullYear() + 3 });
    // What the provider's webhook would do: finish the setup now, before the debtor is back.
    if (saved && env.provider?.name === 'sandbox') await completeCardSetup({ db: deps.db, provider: env.provider, now: env.now }, { id: saved.id });
    res.redirect(303, `${payUrl(publicBase(env.appUrl) ?? '', row.token)}?card=${row.id}`);
  });
  return r;
}

async function setupFirm(db: Db, ref: string): Promise<string | null> {
  if (!ref) return null;
  const [row] = await db.select({ firmId: savedPaymentMethods.firmId }).from(savedPaymentMethods).where(and(eq(savedPaymentMethods.provider, 'sandbox'), eq(savedPaymentMethods.setupRef, ref))).limit(1);
  return row?.firmId ?? null;
}

/** Whose checkout a provider's session is (a system lookup: the session id is the credential). */
async function checkoutFirm(db: Db, provider: string, sessionId: string): Promise<string | null> {
  if (!sessionId) return null;
  const [row] = await db.select({ firmId: checkouts.firmId }).from(checkouts).where(and(eq(checkouts.provider, provider), eq(checkouts.providerSessionId, sessionId))).limit(1);
  return row?.firmId ?? null;
}

/** Stripe's webhook: the signature over the raw body, then completion (or expiry) of the checkout. */
export function stripeWebhookRoutes(deps: PayRouteDeps): Router {
  const r = Router();
  r.post('/', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const env = deps.env();
    const provider = env.provider;
    if (provider?.name !== 'stripe') return void res.status(404).end();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: ReturnType<typeof provider.parseWebhook>;
    try {
      event = provider.parseWebhook(body, req.headers);
    } catch (err) {
      if (err instanceof WebhookSignatureError) {
        deps.log.warn({ reason: err.message }, 'stripe webhook refused');
        return void res.status(400).json({ error: { code: 'bad_signature', message: 'Signature verification failed.' } });
      }
      throw err;
    }
    if (event.sessionId && (event.type === 'checkout.session.completed' || event.type === 'checkout.session.async_payment_succeeded')) {
      // A provider error is a 5xx: Stripe retries the delivery.
      const sessionId = event.sessionId;
      const done = await asFirmOf(
        () => checkoutFirm(deps.db, 'stripe', sessionId),
        () => completeCheckout({ db: deps.db, provider, enqueueExecute: env.enqueueExecute, now: env.now, log: deps.log }, { sessionId }),
      );
      deps.log.info({ eventId: event.id, outcome: done.outcome, checkoutId: done.checkoutId }, 'stripe webhook');
    } else if (event.sessionId && event.type === 'checkout.session.expired') {
      const sessionId = event.sessionId;
      await asFirmOf(
        () => checkoutFirm(deps.db, 'stripe', sessionId),
        () => expireCheckout(deps.db, 'stripe', sessionId, env.now()),
      );
    } else if (autopayEventOf(event.type, event.object)) {
      // A saved card (setup_intent.succeeded) or an off-session charge (payment_intent.*): server/autopay/.
      const ap = autopayEventOf(event.type, event.object)!;
      if (ap.kind === 'setup') {
        const done = await asFirmOf(
          () => savedMethodFirm(deps.db, ap.savedMethodId),
          () => completeCardSetup({ db: deps.db, provider, now: env.now }, { id: ap.savedMethodId }),
        );
        deps.log.info({ eventId: event.id, outcome: done.outcome }, 'stripe webhook');
      } else {
        const outcome = await asFirmOf(
          () => attemptFirm(deps.db, ap.attemptId),
          () => settleFromEvent({ db: deps.db, provider, enqueueExecute: env.enqueueExecute, now: env.now, mail: env.mail ?? null, appUrl: publicBase(env.appUrl), linkKey: env.linkKey, log: deps.log }, ap.attemptId, ap.result),
        );
        deps.log.info({ eventId: event.id, outcome }, 'stripe webhook');
      }
    } else if (cardRefundEventOf(event.type, event.object)) {
      // A refund to the card moved on (decision 055): read back from Stripe, recorded once; the ledger write follows.
      const ref = cardRefundEventOf(event.type, event.object)!;
      const targets = await asSystem(() => cardRefundOfEvent(deps.db, 'stripe', ref));
      for (const t of targets) {
        const outcome = await asFirmOf(
          async () => t.firmId,
          () => cardRefundEvent({ db: deps.db, provider, now: env.now, mail: env.mail ?? null, log: deps.log, enqueueExecute: (id) => env.enqueueExecute(id) }, t.id),
        );
        deps.log.info({ eventId: event.id, outcome }, 'stripe webhook');
      }
    } else {
      // A booked payment that came back: a bank debit failed, or a chargeback opened or moved on (server/returns/).
      const ret = stripeReturnOf(event.type, event.object);
      if (ret) {
        const outcome = await asFirmOf(
          () => stripeReturnFirm(deps.db, ret),
          () => recordStripeReturn({ db: deps.db, enqueueExecute: env.enqueueExecute, now: env.now, mail: env.mail ?? null, log: deps.log }, ret),
        );
        deps.log.info({ eventId: event.id, outcome }, 'stripe webhook');
        // Not booked in the ledger yet: Stripe delivers the event again later.
        if (outcome === 'not_ready') return void res.status(503).json({ error: { code: 'not_ready', message: 'The payment is not in the ledger yet. Deliver this event again later.' } });
      }
    }
    res.status(200).json({ received: true });
  });
  return r;
}
