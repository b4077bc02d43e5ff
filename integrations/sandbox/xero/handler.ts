/**
 * Turning a route's work into a Xero response: error mapping (never a 500 for bad input),
 * Idempotency-Key replay, the admin write log, and batches of elements (`summarizeErrors`).
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { DateError } from '../../../kernel/dates';
import { MoneyError } from '../../../kernel/money';
import type { Grant, SandboxContext } from '../context';
import type { SbCompany } from '../model';
import { SandboxError } from '../store';
import type { Obj } from './body';
import { notFound, ok, type RejectedElement, serverError, validationBody, validationFailed, XeroHttpError, type XeroResult, XeroValidationError } from './http';
import { queryParam } from './list';
import type { LedgerView } from './view';

/** What the guard established about a request, for the route handlers. */
export interface XeroCall {
  ctx: SandboxContext;
  req: Request;
  grant: Grant;
  tenantId: string;
  company: SbCompany;
  view: LedgerView;
}

export type XeroHandler = (call: XeroCall) => XeroResult | Promise<XeroResult>;

export function callOf(res: Response): XeroCall {
  const call = res.locals.xero as XeroCall | undefined;
  if (!call) throw new Error('xero guard did not run');
  return call;
}

export function sendResult(res: Response, result: XeroResult): void {
  // Xero names every API response with a correlation id its support team can look up.
  res.setHeader('Xero-Correlation-Id', randomUUID());
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  res.status(result.status);
  if (typeof result.body === 'string') res.type('text/plain').send(result.body);
  else res.json(result.body);
}

/** Messages of an error a store write or parser raised for bad input, or null for a real fault. */
export function inputErrorMessages(e: unknown): string[] | null {
  if (e instanceof XeroValidationError) return e.messages;
  if (e instanceof SandboxError || e instanceof MoneyError || e instanceof DateError) return [e.message];
  return null;
}

export function toResult(e: unknown): XeroResult {
  if (e instanceof XeroHttpError) return e.result;
  if (e instanceof XeroValidationError) return validationFailed([{ element: e.element, messages: e.messages }]);
  if (e instanceof SandboxError && e.code === 'not_found') return notFound();
  const messages = inputErrorMessages(e);
  if (messages) return validationFailed([{ element: {}, messages }]);
  console.error('[sandbox/xero] unexpected error', e);
  return serverError(500);
}

const IDEMPOTENCY_KEY_MAX = 128;

/** Wrap a handler: errors → Xero bodies; writes → idempotency + write log. */
export function handle(fn: XeroHandler): RequestHandler {
  return async (req, res) => {
    const call = callOf(res);
    const { ctx, tenantId } = call;
    const isWrite = req.method === 'PUT' || req.method === 'POST' || req.method === 'DELETE';
    const key = isWrite ? req.get('Idempotency-Key') : undefined;
    const scope = `xero:${tenantId}:${req.method}:${req.path.toLowerCase()}`;
    const body: unknown = req.body ?? null;
    if (key !== undefined) {
      if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
        sendResult(res, validationFailed([{ element: {}, messages: [`Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters`] }]));
        return;
      }
      const seen = ctx.idempotency.lookup(scope, key, body);
      if (seen.kind === 'hit') {
        sendResult(res, { status: seen.response.status, body: seen.response.body });
        return;
      }
      if (seen.kind === 'conflict') {
        sendResult(
          res,
          validationFailed([{ element: {}, messages: [`The Idempotency-Key "${key}" was already used for a different request body; use a new key for a new request`] }]),
        );
        return;
      }
    }
    let result: XeroResult;
    try {
      result = await fn(call);
    } catch (e) {
      result = toResult(e);
    }
    if (key !== undefined && result.status < 500) ctx.idempotency.remember(scope, key, body, { status: result.status, body: result.body });
    if (isWrite) {
      ctx.store.recordWrite({
        provider: 'xero',
        companyId: tenantId,
        method: req.method,
        path: `${req.baseUrl}${req.path}`,
        idempotencyKey: key ?? null,
        status: result.status,
        summary: result.summary ?? (result.status < 400 ? `${req.method} ${req.path}` : `Rejected (${result.status}): ${describeError(result.body)}`),
      });
    }
    sendResult(res, result);
  };
}

function describeError(body: unknown): string {
  if (typeof body === 'string') return body;
  const b = body as { Message?: string; Elements?: { ValidationErrors?: { Message?: string }[] }[]; Detail?: string } | null;
  const first = b?.Elements?.flatMap((e) => e.ValidationErrors ?? []).map((v) => v.Message)[0];
  return first ?? b?.Message ?? b?.Detail ?? 'error';
}

export interface BatchSpec<P, R> {
  /** The collection's name in request and response bodies ("Invoices"). */
  key: string;
  /** Check one element without writing; throws XeroValidationError. */
  parse: (item: Obj) => P;
  /** Write one parsed element. */
  apply: (parsed: P, item: Obj) => R;
  render: (result: R) => Record<string, unknown>;
  /** Summary line for the write log. */
  describe: (results: R[]) => string;
}

/**
 * Run a batch of elements the way Xero does. With summarizeErrors (the default), any invalid
 * element fails the whole request with a 400 before anything is written; a write that the
 * ledger rejects stops the batch there (elements before it stay written). With
 * summarizeErrors=false every element is tried and the 200 marks each OK or ERROR.
 */
export function runBatch<P, R>(call: XeroCall, items: Obj[], spec: BatchSpec<P, R>): XeroResult {
  const summarize = queryParam(call.req, 'summarizeErrors')?.toLowerCase() !== 'false';
  const parsed: ({ ok: true; value: P } | { ok: false; messages: string[] })[] = items.map((item) => {
    try {
      return { ok: true, value: spec.parse(item) };
    } catch (e) {
      const messages = inputErrorMessages(e);
      if (!messages) throw e;
      return { ok: false, messages };
    }
  });
  if (summarize) {
    const rejected: RejectedElement[] = [];
    parsed.forEach((p, i) => {
      if (!p.ok) rejected.push({ element: items[i]!, messages: p.messages });
    });
    if (rejected.length > 0) return validationFailed(rejected);
    const results: R[] = [];
    for (const [i, p] of parsed.entries()) {
      try {
        results.push(spec.apply((p as { value: P }).value, items[i]!));
        call.view.invalidate();
      } catch (e) {
        const messages = inputErrorMessages(e);
        if (!messages) throw e;
        return { status: 400, body: validationBody([{ element: items[i]!, messages }]), summary: summaryOf(spec, results, messages) };
      }
    }
    return ok(call.view.now, { [spec.key]: results.map(spec.render) }, spec.describe(results));
  }
  const results: R[] = [];
  const out: Record<string, unknown>[] = parsed.map((p, i) => {
    const item = items[i]!;
    let messages: string[];
    if (p.ok) {
      try {
        const r = spec.apply(p.value, item);
        call.view.invalidate();
        results.push(r);
        return { ...spec.render(r), StatusAttributeString: 'OK' };
      } catch (e) {
        const m = inputErrorMessages(e);
        if (!m) throw e;
        messages = m;
      }
    } else messages = p.messages;
    return { ...item, StatusAttributeString: 'ERROR', ValidationErrors: messages.map((Message) => ({ Message })) };
  });
  return ok(call.view.now, { [spec.key]: out }, `${spec.describe(results)}${results.length < items.length ? ` (${items.length - results.length} rejected)` : ''}`);
}

function summaryOf<P, R>(spec: BatchSpec<P, R>, done: R[], messages: string[]): string {
  return `${done.length > 0 ? `${spec.describe(done)}; then ` : ''}rejected: ${messages.join('; ')}`;
}
