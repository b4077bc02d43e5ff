/**
 * A ledger call's failure, classified from HTTP status and headers (never message text), so
 * callers decide retry vs stop vs re-auth the same way for both providers.
 */
export type LedgerErrorCode =
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_grant'
  | 'not_found'
  | 'validation'
  | 'stale_object'
  | 'server'
  | 'timeout'
  | 'network';

export class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly options: { status?: number; retryAfterMs?: number; problem?: string } = {},
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.code === 'rate_limited' || this.code === 'server' || this.code === 'timeout' || this.code === 'network';
  }
}

/** Classify an HTTP response status + headers. */
export function classifyHttp(status: number, headers: { get(name: string): string | null }, message: string): LedgerError {
  const retryAfter = headers.get('retry-after');
  const retryAfterMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  if (status === 429) return new LedgerError('rate_limited', message, { status, retryAfterMs: retryAfterMs ?? 60_000, problem: headers.get('x-rate-limit-problem') ?? undefined });
  if (status === 401) return new LedgerError('unauthorized', message, { status });
  if (status === 403) return new LedgerError('forbidden', message, { status });
  if (status === 404) return new LedgerError('not_found', message, { status });
  if (status === 408 || status === 504) return new LedgerError('timeout', message, { status });
  if (status >= 500) return new LedgerError('server', message, { status, retryAfterMs });
  return new LedgerError('validation', message, { status });
}
