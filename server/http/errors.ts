import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, type DomainErrorKind } from '../../kernel/errors';
import type { Logger } from '../logger';
import { logPath } from './log-path';

/**
 * The one error shape: `{ "error": { "code", "message" } }` with an HTTP status. Services and
 * routes throw DomainError; this table is the only place a kind becomes a status.
 */
export const STATUS_BY_KIND: Readonly<Record<DomainErrorKind, number>> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  upstream_failed: 502,
  unavailable: 503,
};

export function httpStatusOf(err: DomainError): number {
  return STATUS_BY_KIND[err.kind];
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new DomainError('not_found', `No route for ${req.method} ${req.path}`));
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let code = 'internal_error';
    let message = 'Something went wrong on our side. It has been logged.';
    if (err instanceof DomainError) {
      status = httpStatusOf(err);
      ({ code, message } = err);
    } else if (err && typeof err === 'object' && 'type' in err && err.type === 'entity.parse.failed') {
      status = 400;
      code = 'invalid_json';
      message = 'The request body is not valid JSON.';
    } else if (err && typeof err === 'object' && 'type' in err && err.type === 'entity.too.large') {
      status = 413;
      code = 'payload_too_large';
      message = 'The request body is too large.';
    }
    if (status >= 500) log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), path: logPath(req.path) }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: { code, message } });
  };
}
