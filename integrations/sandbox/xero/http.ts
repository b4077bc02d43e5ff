/**
 * Xero's response shapes: the success envelope, and the error bodies Xero really sends
 * (problem details for 401/403/429/5xx, `ValidationException` / `QueryParseException` for 400,
 * a plain sentence for an unknown document).
 */
import { randomUUID } from 'node:crypto';
import { msDateTimeBare } from './dates';

/** What a route handler produces; a string body is sent as text/plain. */
export interface XeroResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** One-line description of a write, for the admin "what was written back" list. */
  summary?: string;
}

export const PROVIDER_NAME = 'Arcus Sandbox Ledger';

export const NOT_FOUND_TEXT = "The resource you're looking for cannot be found";

/** The envelope every successful Xero response carries around its payload. */
export function envelope(now: number, payload: Record<string, unknown>): Record<string, unknown> {
  return { Id: randomUUID(), Status: 'OK', ProviderName: PROVIDER_NAME, DateTimeUTC: msDateTimeBare(now), ...payload };
}

export function ok(now: number, payload: Record<string, unknown>, summary?: string): XeroResult {
  return { status: 200, body: envelope(now, payload), summary };
}

function problem(status: number, title: string, detail: string): Record<string, unknown> {
  return { Type: null, Title: title, Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} };
}

export function unauthorized(): XeroResult {
  return { status: 401, body: problem(401, 'Unauthorized', 'AuthenticationUnsuccessful') };
}

export function forbidden(): XeroResult {
  return { status: 403, body: problem(403, 'Forbidden', 'AuthorizationUnsuccessful') };
}

export function tooManyRequests(problemName: string, retryAfterSeconds: number): XeroResult {
  return {
    status: 429,
    body: problem(429, 'Too Many Requests', `Rate limit exceeded: ${problemName} limit reached. Retry after ${retryAfterSeconds} seconds.`),
    headers: { 'Retry-After': String(retryAfterSeconds), 'X-Rate-Limit-Problem': problemName },
  };
}

const SERVER_TITLES: Record<number, string> = {
  500: 'An error occurred',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function serverError(status: number): XeroResult {
  return {
    status,
    body: problem(status, SERVER_TITLES[status] ?? 'An error occurred', 'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.'),
  };
}

export function notFound(): XeroResult {
  return { status: 404, body: NOT_FOUND_TEXT };
}

export function routeNotFound(method: string, path: string): XeroResult {
  return { status: 404, body: problem(404, 'Not Found', `No resource matches ${method} ${path}`) };
}

/** One rejected element of a request: what was sent, and why it was rejected. */
export interface RejectedElement {
  element: Record<string, unknown>;
  messages: string[];
}

export function validationBody(elements: RejectedElement[]): Record<string, unknown> {
  return {
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: 'A validation exception occurred',
    Elements: elements.map((e) => ({ ...e.element, ValidationErrors: e.messages.map((Message) => ({ Message })) })),
  };
}

export function validationFailed(elements: RejectedElement[]): XeroResult {
  return { status: 400, body: validationBody(elements) };
}

export function queryParseFailed(message: string): XeroResult {
  return { status: 400, body: { ErrorNumber: 16, Type: 'QueryParseException', Message: message } };
}

export function postDataInvalid(message: string): XeroResult {
  return { status: 400, body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: message } };
}

/** Thrown by parsers and handlers; `toResult` turns it into the response. */
export class XeroValidationError extends Error {
  override name = 'XeroValidationError';
  constructor(
    readonly messages: string[],
    readonly element: Record<string, unknown> = {},
  ) {
    super(messages.join('; '));
  }
}

export class XeroQueryError extends Error {
  override name = 'XeroQueryError';
}

/** A response decided early (404 on the path's document, 400 on a bad query parameter). */
export class XeroHttpError extends Error {
  override name = 'XeroHttpError';
  constructor(readonly result: XeroResult) {
    super(`HTTP ${result.status}`);
  }
}
