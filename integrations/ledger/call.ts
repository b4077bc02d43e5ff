/**
 * What every ledger API call goes through, whichever SDK makes it: admission by the per-tenant
 * rate limiter (CallGate), a deadline, a call count, and the outcome reported back to the
 * limiter with the response's status and headers.
 */
import { LedgerError } from './errors';
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

/** Counts calls and runs each through the gate with a deadline. */
export class CallRunner {
  calls = 0;
  constructor(
    private readonly gate: CallGate | undefined,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Run one HTTP call. `fn` resolves with the value and the response's status and headers;
   * failures are turned into LedgerError by `classify`, which also says what the response was.
   */
  async run<T>(what: string, fn: () => Promise<{ value: T; status: number; headers: HeaderGetter }>, classify: (err: unknown) => { error: LedgerError; status: number; headers: HeaderGetter }): Promise<T> {
    const done = this.gate ? await this.gate.acquire() : null;
    this.calls++;
    try {
      const r = await withDeadline(fn(), this.timeoutMs, what);
      await done?.({ status: r.status, headers: r.headers });
      return r.value;
    } catch (err) {
      const c = err instanceof LedgerError ? { error: err, status: err.options.status ?? 0, headers: NO_HEADERS } : classify(err);
      await done?.({ status: c.status, headers: c.headers });
      throw c.error;
    }
  }
}
