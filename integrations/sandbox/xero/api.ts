/**
 * The sandbox's Xero Accounting API, mounted at /xero/api.xro/2.0. Every request passes the
 * guard (bearer token → 401, xero-tenant-id → 403, rate limits → 429 with Xero's headers,
 * injected faults), then a JSON body parser and the resource routes. Unknown routes are a
 * JSON 404; unknown documents Xero's plain-text 404.
 */
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { SandboxContext } from '../context';
import { sendResult, type XeroCall } from './handler';
import { forbidden, postDataInvalid, routeNotFound, serverError, tooManyRequests, unauthorized } from './http';
import { accountRoutes } from './routes/accounts';
import { contactRoutes } from './routes/contacts';
import { creditNoteRoutes } from './routes/credit-notes';
import { invoiceExtraRoutes } from './routes/invoice-extras';
import { invoiceRoutes } from './routes/invoices';
import { organisationRoutes } from './routes/organisation';
import { paymentRoutes } from './routes/payments';
import { prepaymentRoutes } from './routes/prepayments';
import { LedgerView } from './view';

export const XERO_API_BASE_PATH = '/xero/api.xro/2.0';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function guard(ctx: SandboxContext): RequestHandler {
  return async (req, res, next) => {
    const grant = ctx.grants.authenticate('xero', req.get('Authorization'));
    if (!grant) {
      sendResult(res, unauthorized());
      return;
    }
    const header = (req.get('xero-tenant-id') ?? '').trim().toLowerCase();
    const tenantId = grant.companyIds.find((id) => id.toLowerCase() === header);
    const company = tenantId ? ctx.store.companies.get(tenantId) : undefined;
    if (!tenantId || !company || company.provider !== 'xero') {
      sendResult(res, forbidden());
      return;
    }
    const admission = ctx.limiter.acquire('xero', tenantId, grant.clientId);
    res.setHeader('X-DayLimit-Remaining', String(admission.remaining.day));
    res.setHeader('X-MinLimit-Remaining', String(admission.remaining.minute));
    res.setHeader('X-AppMinLimit-Remaining', String(admission.remaining.appMinute));
    if (!admission.ok) {
      sendResult(res, tooManyRequests(admission.problem, admission.retryAfterSeconds));
      return;
    }
    res.once('finish', admission.release);
    res.once('close', admission.release);
    const fault = ctx.faults.take('xero', tenantId);
    if (fault?.kind === '429') {
      sendResult(res, tooManyRequests('minute', Math.max(1, Math.ceil(fault.delayMs / 1000))));
      return;
    }
    if (fault?.kind === '5xx') {
      sendResult(res, serverError(fault.status >= 500 && fault.status <= 599 ? fault.status : 500));
      return;
    }
    if (fault?.kind === 'slow') {
      await sleep(fault.delayMs);
      if (res.writableEnded || req.destroyed) return;
    }
    const call: XeroCall = { ctx, req, grant, tenantId, company, view: new LedgerView(ctx.store, company) };
    res.locals.xero = call;
    next();
  };
}

const bodyErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') sendResult(res, postDataInvalid(`The request body is not valid JSON: ${e.message ?? ''}`.trim()));
  else if (e.type === 'entity.too.large') sendResult(res, { status: 413, body: { ErrorNumber: 413, Type: 'RequestEntityTooLarge', Message: 'The request body is too large' } });
  else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) sendResult(res, postDataInvalid(e.message ?? 'The request body could not be read'));
  else {
    console.error(`[sandbox/xero] ${req.method} ${req.originalUrl} failed`, err);
    sendResult(res, serverError(500));
  }
};

export function xeroApiRouter(ctx: SandboxContext): Router {
  const router = express.Router();
  router.use(guard(ctx));
  router.use(express.json({ limit: '10mb', type: ['application/json', 'application/*+json', 'text/json'] }));
  organisationRoutes(router);
  accountRoutes(router);
  contactRoutes(router);
  invoiceRoutes(router);
  invoiceExtraRoutes(router);
  paymentRoutes(router);
  creditNoteRoutes(router);
  prepaymentRoutes(router);
  router.use((req, res) => sendResult(res, routeNotFound(req.method, req.path)));
  router.use(bodyErrors);
  return router;
}
