import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, type DomainErrorKind, type FieldError } from '../../kernel/errors';
import { type Logger, serializeError, sqlStateOf } from '../logger';
import { logPath } from './log-path';

/**
 * The one error shape: `{ "error": { "code", "message", "fields"? } }` with an HTTP status;
 * `fields` lists a validation failure's problems field by field (`{ field, message }`, the key
 * for the client to place the sentence, '' for the input as a whole). Services and
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
  // The path is not repeated: it can hold ids, and a person reading this needs none of it.
  next(new DomainError('not_found', req.method === 'GET' || req.method === 'HEAD' ? 'There is nothing at this address.' : 'This action is not available here.'));
};

/** body-parser / raw-body failures (http-errors with a `type`): status, code and words. */
const BODY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON.' },
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'The request body is too large.' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'The request body must be UTF-8 (the character set given is not supported).' },
  'encoding.unsupported': { status: 415, code: 'unsupported_content_encoding', message: 'The request body’s compression is not supported (use none, gzip, deflate or br).' },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'The request body ended early.' },
  'request.size.invalid': { status: 400, code: 'bad_request', message: 'The request body does not match its Content-Length.' },
  'parameters.too.many': { status: 413, code: 'payload_too_large', message: 'The request has too many parameters.' },
};

/** An error whose status says the client is at fault (http-errors from the body parsers, a bad path encoding). */
function clientStatusOf(err: unknown): number | null {
  if (!err || typeof err !== 'object') return null;
  const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : null;
}

/**
 * SQLSTATE class 22 (data exception: an impossible date, a number out of range, bad text) is the
 * database refusing a value the request carried: a 400, logged as a warning by its code so the
 * missing validation is found and added.
 */
const isDataException = (state: string | null) => Boolean(state?.startsWith('22'));

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let code = 'internal_error';
    let message = 'Something went wrong on our side. It has been logged.';
    let fields: readonly FieldError[] | undefined;
    const state = sqlStateOf(err);
    if (err instanceof DomainError) {
      status = httpStatusOf(err);
      ({ code, message, fields } = err);
    } else if (isDataException(state)) {
      status = 400;
      code = 'invalid_value';
      message = 'A value in the request is not valid for its field (a date that does not exist, a number out of range, or text that cannot be stored).';
      log.warn({ sqlState: state, path: logPath(req.originalUrl ?? req.path) }, 'request refused by the database: add validation for this input');
    } else if (clientStatusOf(err) !== null) {
      const type = typeof (err as { type?: unknown }).type === 'string' ? ((err as { type: string }).type) : '';
      const known = BODY_ERRORS[type];
      status = known?.status ?? clientStatusOf(err)!;
      code = known?.code ?? 'bad_request';
      message = known?.message ?? (type === '' && status === 400 && isEncodingFailure(err) ? 'The request body could not be decoded with its Content-Encoding.' : 'The request could not be read.');
    }
    // Codes and ids only: never the SQL, its parameters or the request body (server/logger.ts).
    if (status >= 500) log.error({ err: serializeError(err), path: logPath(req.originalUrl ?? req.path) }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: fields ? { code, message, fields } : { code, message } });
  };
}

function isEncodingFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
