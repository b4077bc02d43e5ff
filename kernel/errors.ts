/**
 * Domain errors: what services throw when a request cannot be done, in words a person reads
 * (`message`) and a stable, machine-readable `code`. Services know nothing of HTTP or jobs: the
 * HTTP edge maps `kind` to a status (server/http/errors.ts) and the job runner maps it to a
 * permanent failure or a retry (jobs/run.ts), so a job never retries what cannot succeed.
 *
 * `kind` is a closed set. `code` is what the API answers in `{ error: { code, message } }`: the
 * kind itself unless the caller names a more specific one (e.g. kind `conflict`, code
 * `already_on_plan`). Codes are part of the API; keep them stable.
 */

export const DOMAIN_ERROR_KINDS = [
  /** The input is malformed or breaks a rule about its own shape (a field, a range). */
  'validation_failed',
  /** The caller is not signed in (or not any more). */
  'unauthorized',
  /** The caller is signed in but may not do this. */
  'forbidden',
  /** The thing named does not exist for this caller (another firm's ids included). */
  'not_found',
  /** The thing is not in a state that allows this (already done, in use, a duplicate). */
  'conflict',
  /** The input is well formed but the facts refuse it (nothing owed, no email address). */
  'unprocessable',
  /** The request body is too large. */
  'payload_too_large',
  /** The request body is not in a format we accept. */
  'unsupported_media_type',
  /** Too many requests: try again later. */
  'rate_limited',
  /** Another system (payment provider, mail server) failed or refused in a way that may pass. */
  'upstream_failed',
  /** Something this needs is down or not configured; may work later. */
  'unavailable',
] as const;

export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

/**
 * One input field's problem: `field` is the input's key (dotted for nested input, e.g.
 * `lateFees.amount`, `steps.0.delayDays`) so a client can put the message beside its field;
 * `message` is a sentence for the person filling the form in. The key is for code, never shown.
 */
export interface FieldError {
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  /** A more specific wire code than the kind (e.g. `already_on_plan`). Defaults to the kind. */
  code?: string;
  /** Structured facts for callers (never secrets or contact details). */
  details?: Record<string, unknown>;
  /** Per-field problems of a `validation_failed` (answered on the wire as `error.fields`). */
  fields?: readonly FieldError[];
  cause?: unknown;
}

export class DomainError extends Error {
  override name = 'DomainError';
  readonly kind: DomainErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly fields: readonly FieldError[] | undefined;

  constructor(kind: DomainErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = options.code ?? kind;
    this.details = options.details;
    this.fields = options.fields?.length ? options.fields : undefined;
  }
}

/**
 * Kinds that may succeed if the same thing is tried again later. Everything else is final:
 * retrying it (e.g. in a job) only repeats the same answer.
 */
const RETRYABLE: ReadonlySet<DomainErrorKind> = new Set<DomainErrorKind>(['rate_limited', 'upstream_failed', 'unavailable']);

export function isRetryableKind(kind: DomainErrorKind): boolean {
  return RETRYABLE.has(kind);
}

/** Helpers that make throw sites read as sentences: `throw notFound('No such invoice.')`. */
export const validationFailed = (message: string, code?: string) => new DomainError('validation_failed', message, { code });
export const unauthorized = (message: string, code?: string) => new DomainError('unauthorized', message, { code });
export const forbidden = (message: string, code?: string) => new DomainError('forbidden', message, { code });
export const notFound = (message: string, code?: string) => new DomainError('not_found', message, { code });
export const conflict = (message: string, code?: string) => new DomainError('conflict', message, { code });
export const unprocessable = (message: string, code?: string) => new DomainError('unprocessable', message, { code });
export const unavailable = (message: string, code?: string) => new DomainError('unavailable', message, { code });

/** Input that breaks a rule on its fields: each message a sentence, the whole message all of them. */
export const invalidFields = (fields: readonly FieldError[], code?: string) => new DomainError('validation_failed', fields.map((f) => f.message).join(' '), { code, fields });
/** One field's problem, e.g. `invalidField('date', 'Choose a date between 7 December 2026 and 5 February 2027.')`. */
export const invalidField = (field: string, message: string, code?: string) => invalidFields([{ field, message }], code);
