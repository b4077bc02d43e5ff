/**
 * What every ledger API call goes through, whichever SDK makes it: admission by the per-tenant
 * rate limiter (CallGate), a deadline, a call count, the outcome reported back to the limiter
 * with the response's status and headers, and a 429 waited out through the limiter.
 */
import { LedgerError, type ProviderReference, providerReference, withReference } from './errors';
import type { CallGate } from './provider';

export interface HeaderGetter {
  get(name: string): string | null;
}

export const NO_HEADERS: HeaderGetter = { get: () => null };

/** Headers from axios (AxiosHeaders or a plain object) or from a JSON-serialised response. */
export function headerGetter(headers: unknown): HeaderGetter {
  if (!headers || typeof headers !== 'object') return NO_HEADERS;
  const h = headers as { get?: unknown } & Record<string, unknown>;
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(h)) {
    if (typeof v === 'string' || typeof v === 'number') lower.set(k.toLowerCase(), String(v));
    else if (Array.isArray(v) && v.length > 0) lower.set(k.toLowerCase(), String(v[0]));
  }
  return { get: (name) => lower.get(name.toLowerCase()) ?? null };
}

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/** Reject with LedgerError('timeout') when `p` takes longer than `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LedgerError('timeout', `${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/**
 * What one HTTP call came to, for its log line: the call's description, the status (0: no
 * answer), how long it took, the provider's reference for it, and the error code of a failure.
 * Never a body, a parameter or a token.
 */
export interface CallRecord {
  what: string;
  status: number;
  ms: number;
  reference: ProviderReference | null;
  code: LedgerError['code'] | null;
}

/** A call answered 429 is tried again this many times in all (each time through the gate). */
export const MAX_RATE_LIMITED_TRIES = 5;

/**
 * Counts calls and runs each through the gate with a deadline. One runner is shared by
 * everything an opened ledger does (reads, writes, notes), and its gate is the tenant's rate
 * limiter: there is no ungated runner.
 *
 * A 429 is not a failure of the call: the gate hands its Retry-After to the limiter, which holds
 * the tenant until then, and the call goes back through the gate — waiting there inline when the
 * wait is short, or failing with LedgerError('rate_limited') and the wait as retryAfterMs when it
 * is long, so the job is deferred. A rate-limited request was not performed, so sending it again
 * (with the same idempotency key) is safe.
 */
export class CallRunner {
  calls = 0;
  constructor(
    private readonly gate: CallGate,
    private readonly timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
    /** Told about every call once it is answered (the gateway logs it). */
    private readonly observe?: (call: CallRecord) => void,
  ) {}

  private record(what: string, started: number, status: number, headers: HeaderGetter, error: LedgerError | null): ProviderReference | null {
    const reference = error?.options.reference ?? providerReference(headers);
    try {
      this.observe?.({ what, status, ms: Date.now() - started, reference, code: error?.code ?? null });
    } catch {
      // An observer's failure is not the call's.
    }
    return reference;
  }

  /**
   * Run one HTTP call. `fn` resolves with the value and the response's status and headers;
   * failures are turned into LedgerError by `classify`, which also says what the response was.
   */
  async run<T>(what: string, fn: () => Promise<{ value: T; status: number; headers: HeaderGetter }>, classify: (err: unknown) => { error: LedgerError; status: number; headers: HeaderGetter }): Promise<T> {
    let limited: LedgerError | null = null;
    for (let tries = 1; ; tries++) {
      let done: Awaited<ReturnType<CallGate['acquire']>>;
      try {
        done = await this.gate.acquire();
      } catch (err) {
        // Too long to wait after a 429: the provider's answer, with the longer of the two waits.
        if (limited && err instanceof LedgerError && err.code === 'rate_limited') {
          const retryAfterMs = Math.max(limited.options.retryAfterMs ?? 0, err.options.retryAfterMs ?? 0);
          throw new LedgerError('rate_limited', limited.message, { ...limited.options, retryAfterMs });
        }
        throw err;
      }
      this.calls++;
      const started = Date.now();
      try {
        const r = await withDeadline(fn(), this.timeoutMs, what);
        await done({ status: r.status, headers: r.headers });
        this.record(what, started, r.status, r.headers, null);
        return r.value;
      } catch (err) {
        const c = err instanceof LedgerError ? { error: err, status: err.options.status ?? 0, headers: NO_HEADERS } : classify(err);
        await done({ status: c.status, headers: c.headers });
        // The provider's reference for this request goes with the error wherever it is stored.
        const error = withReference(c.error, this.record(what, started, c.status, c.headers, c.error));
        if (c.status === 429 && error.code === 'rate_limited' && tries < MAX_RATE_LIMITED_TRIES) {
          limited = error;
          continue;
        }
        throw error;
      }
    }
  }
}
