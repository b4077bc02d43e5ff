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

/** The provider's own id for one request: QuickBooks' `intuit_tid` header, Xero's `Xero-Correlation-Id`. */
export interface ProviderReference {
  name: 'intuit_tid' | 'xero_correlation_id';
  value: string;
}

const REFERENCE_HEADERS = [
  ['intuit_tid', 'intuit_tid'],
  ['xero-correlation-id', 'xero_correlation_id'],
] as const;

/** The provider's request reference from a response's headers, if it sent one (printable, at most 100 characters). */
export function providerReference(headers: { get(name: string): string | null }): ProviderReference | null {
  for (const [header, name] of REFERENCE_HEADERS) {
    const v = headers.get(header)?.trim();
    if (v && /^[\x21-\x7e]{1,100}$/.test(v)) return { name, value: v };
  }
  return null;
}

/** The same failure with the provider's reference attached (and named at the end of its message, which is what gets stored). */
export function withReference(err: LedgerError, reference: ProviderReference | null): LedgerError {
  if (!reference || err.options.reference) return err;
  return new LedgerError(err.code, `${err.message} (${reference.name} ${reference.value})`, { ...err.options, reference });
}

export class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly options: {
      status?: number;
      retryAfterMs?: number;
      problem?: string;
      /** The provider's id for the failed request (QuickBooks `intuit_tid`, Xero's correlation id), for its support team. */
      reference?: ProviderReference;
    } = {},
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
