/**
 * What every QuickBooks request goes through: bearer auth (401), the realm check (403),
 * QBO's per-realm limits (500/minute, 10 concurrent → 429 ThrottleExceeded), injected
 * faults, and for writes `?requestid=` idempotency and the admin write log.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Grant, SandboxContext } from '../context';
import { asQboFault, type FaultTime, faults, type QboFault } from './faults';
import type { Json } from './mappers';
import { formatQboDateTime } from './time';
import { QboView } from './view';

export interface QboLocals {
  view: QboView;
  grant: Grant;
}

export function locals(res: Response): QboLocals {
  return res.locals['qbo'] as QboLocals;
}

function faultTime(ctx: SandboxContext, realmId: string | undefined): FaultTime {
  const ms = ctx.store.clock.peek();
  const tz = (realmId && ctx.store.companies.get(realmId)?.timezone) || 'UTC';
  return { ms, text: formatQboDateTime(ms, tz, true) };
}

export function send(res: Response, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.status(status).set('intuit_tid', randomUUID()).type('application/json;charset=UTF-8').send(JSON.stringify(body));
}

export function sendFault(ctx: SandboxContext, res: Response, realmId: string | undefined, fault: QboFault): void {
  if (fault.status === 401) res.set('WWW-Authenticate', 'Bearer realm="Intuit", error="invalid_token"');
  if (fault.shape === 'xml') {
    if (res.headersSent) return;
    res.status(fault.status).set('intuit_tid', randomUUID()).type('application/xml').send(String(fault.body(faultTime(ctx, realmId))));
    return;
  }
  send(res, fault.status, fault.body(faultTime(ctx, realmId)));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function realmParam(req: Request): string {
  const v = req.params['realmId'];
  return typeof v === 'string' ? v : '';
}

/** Auth, realm, rate limits, injected faults, minorversion. Sets res.locals.qbo. */
export function gate(ctx: SandboxContext): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const realmId = realmParam(req);
    const grant = ctx.grants.authenticate('quickbooks', req.headers.authorization);
    if (!grant) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      throw faults.authentication(bearer ? `Token expired: ${bearer.slice(0, 8)}...` : 'Token invalid: no bearer access token in the Authorization header');
    }
    if (!grant.companyIds.includes(realmId)) throw faults.authorization(`The access token is not authorized for company ${realmId}`);
    const view = new QboView(ctx, realmId);
    const admission = ctx.limiter.acquire('quickbooks', realmId, grant.clientId);
    if (!admission.ok) throw faults.throttled();
    res.on('close', admission.release);
    const fault = ctx.faults.take('quickbooks', realmId);
    if (fault?.kind === '429') throw faults.throttled();
    if (fault?.kind === '5xx') throw faults.system(fault.status >= 500 && fault.status <= 599 ? fault.status : 500);
    if (fault?.kind === 'slow') await sleep(fault.delayMs);
    const mv = req.query['minorversion'];
    if (mv !== undefined && (typeof mv !== 'string' || !/^\d{1,3}$/.test(mv))) throw faults.invalidProperty('minorversion', `"${String(mv)}" is not a minor version`);
    res.locals['qbo'] = { view, grant } satisfies QboLocals;
    next();
  };
}

export function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw faults.invalidProperty(name, 'given more than once');
  return v;
}

export interface WriteResult {
  status?: number;
  body: Json;
  summary: string;
}

/**
 * A write (POST). `?requestid=` (≤ 50 chars): the same id with the same request replays the
 * first successful response without writing again; the same id with another request is a
 * 400. Failed attempts are not remembered, so a retry after a 5010 may reuse its id.
 */
export function write(ctx: SandboxContext, handler: (req: Request, view: QboView) => WriteResult): RequestHandler {
  return (req: Request, res: Response) => {
    const { view } = locals(res);
    const operation = queryString(req, 'operation');
    const path = `${req.baseUrl}${req.path}${operation ? `?operation=${operation}` : ''}`;
    const requestId = queryString(req, 'requestid');
    if (requestId !== undefined && (requestId.length === 0 || requestId.length > 50)) throw faults.badRequest('requestid must be 1 to 50 characters');
    const scope = `quickbooks:${view.realmId}`;
    const fingerprint = { path: req.path, operation: operation ?? null, include: req.query['include'] ?? null, body: req.body ?? null };
    if (requestId !== undefined) {
      const seen = ctx.idempotency.lookup(scope, requestId, fingerprint);
      if (seen.kind === 'hit') {
        ctx.store.recordWrite({ provider: 'quickbooks', companyId: view.realmId, method: 'POST', path, idempotencyKey: requestId, status: seen.response.status, summary: 'Replayed (same requestid): no change' });
        send(res, seen.response.status, seen.response.body);
        return;
      }
      if (seen.kind === 'conflict') {
        const fault = faults.badRequest(`requestid ${requestId} was already used for a different request`);
        ctx.store.recordWrite({ provider: 'quickbooks', companyId: view.realmId, method: 'POST', path, idempotencyKey: requestId, status: 400, summary: 'Refused: requestid reused with a different request' });
        return sendFault(ctx, res, view.realmId, fault);
      }
    }
    let status: number;
    let body: unknown;
    let summary: string;
    try {
      const result = handler(req, view);
      status = result.status ?? 200;
      body = { ...result.body, time: view.responseTime() };
      summary = result.summary;
    } catch (e) {
      const fault = asQboFault(e);
      if (!fault) throw e;
      status = fault.status;
      body = fault.body(faultTime(ctx, view.realmId));
      summary = `Refused: ${fault.errors[0]?.Message ?? ''} (${fault.code})`;
    }
    if (requestId !== undefined && status < 300) ctx.idempotency.remember(scope, requestId, fingerprint, { status, body });
    ctx.store.recordWrite({ provider: 'quickbooks', companyId: view.realmId, method: 'POST', path, idempotencyKey: requestId ?? null, status, summary });
    send(res, status, body);
  };
}

/** A read: `{Entity: json, time}`. */
export function reply(res: Response, body: Json): void {
  send(res, 200, { ...body, time: locals(res).view.responseTime() });
}

/** The router's error handler: QBO faults as faults, malformed JSON as 400, anything else 500. */
export function errorHandler(ctx: SandboxContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const realmId = realmParam(req) || req.path.split('/')[1];
    const fault = asQboFault(err);
    if (fault) return sendFault(ctx, res, realmId, fault);
    const e = err as { type?: string; status?: number; message?: string };
    if (e && (e.type === 'entity.parse.failed' || e.type === 'entity.too.large' || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')) {
      return sendFault(ctx, res, realmId, faults.invalidProperty('body', `the request body could not be read: ${e.message ?? e.type}`));
    }
    if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return sendFault(ctx, res, realmId, faults.badRequest(e.message ?? 'Bad request'));
    console.error('[sandbox/qbo] unexpected error', err);
    return sendFault(ctx, res, realmId, faults.system(500));
  };
}
